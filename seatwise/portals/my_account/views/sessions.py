"""Sessions: where the person is signed in (browser and system, client address, when signed in,
last seen; this device marked), with **Sign out** for each other session and **Sign out
everywhere (other sessions)**. Only the person's own sessions: another's is not found."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import NotFound
from seatwise.portals.sessions import sessions_page
from seatwise.portals.shared import signed_in_person
from seatwise.sessions.selectors import person_sessions
from seatwise.sessions.services import person_session_end, person_sessions_end_others
from seatwise.sessions.store import key_hash


@never_cache
@login_required
@require_safe
def sessions(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    rows = person_sessions(person_id=person.pk, current_key=request.session.session_key)
    return render(request, "my_account/sessions.html", sessions_page(rows))


@login_required
@require_POST
def signout(request: HttpRequest, session_id: str) -> HttpResponse:
    """**Sign out** one session; this device's is the ordinary sign-out."""
    person = signed_in_person(request)
    current = request.session.session_key
    if current and session_id == key_hash(current):
        logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("auth:signin")
    try:
        person_session_end(
            person=person,
            session_id=session_id,
            by=Actor.for_person(person, client=Client.of(request)),
        )
    except NotFound as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("The session is signed out."))
    return redirect("my_account:sessions")


@login_required
@require_POST
def signout_others(request: HttpRequest) -> HttpResponse:
    """**Sign out everywhere (other sessions)**: this device stays signed in."""
    person = signed_in_person(request)
    ended = person_sessions_end_others(
        person=person, keep=request.session, by=Actor.for_person(person, client=Client.of(request))
    )
    messages.success(
        request,
        ngettext(
            "%(count)d other session is signed out.",
            "%(count)d other sessions are signed out.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("my_account:sessions")
