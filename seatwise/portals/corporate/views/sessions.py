"""**Sessions**, from the Account tab: where the User ID is signed in to the Corporate Billing
Portal, with **Sign out** for each other session and **Sign out everywhere (other sessions)**.
Only this User ID's sessions: another's is not found. Ending a session ends that browser's
whole Seatwise session (``seatwise.sessions.services``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from seatwise.accounts.models import CorporateCredential
from seatwise.core.errors import NotFound
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.session import corporate_logout, corporate_required, portal_actor
from seatwise.portals.sessions import sessions_page
from seatwise.portals.shared import render_page
from seatwise.sessions.selectors import portal_sessions
from seatwise.sessions.services import portal_session_end, portal_sessions_end_others
from seatwise.sessions.store import key_hash


@never_cache
@require_safe
@corporate_required
def sessions(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    rows = portal_sessions(credential_id=credential.pk, current_key=request.session.session_key)
    return render_page(
        request,
        "corporate/sessions.html",
        sessions_page(rows),
        frame=portal_frame(credential, "account"),
    )


@never_cache
@require_POST
@corporate_required
def signout(request: HttpRequest, credential: CorporateCredential, session_id: str) -> HttpResponse:
    """**Sign out** one session; this browser's is the portal's ordinary sign-out."""
    current = request.session.session_key
    if current and session_id == key_hash(current):
        corporate_logout(request)
        messages.success(request, _("You have signed out of the Corporate Billing Portal."))
        return redirect("corporate:signin")
    try:
        portal_session_end(
            credential=credential, session_id=session_id, by=portal_actor(credential, request)
        )
    except NotFound as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("The session is signed out."))
    return redirect("corporate:sessions")


@never_cache
@require_POST
@corporate_required
def signout_others(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Sign out everywhere (other sessions)**: this browser stays signed in."""
    ended = portal_sessions_end_others(
        credential=credential, keep=request.session, by=portal_actor(credential, request)
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
    return redirect("corporate:sessions")
