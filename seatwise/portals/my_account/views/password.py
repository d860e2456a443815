"""Change password: the current one, then the new one twice; this session stays signed in
(with a new key), every other session of the person ends."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from seatwise.accounts.passwords import person_password_change
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import PasswordChangeForm
from seatwise.portals.sessions import rights_changed
from seatwise.portals.shared import signed_in_person


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person_password_change(
                person=person,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            rights_changed(
                request,
                people=[person],
                reason="password_change",
                by=Actor.for_person(person, client=Client.of(request)),
            )
            update_session_auth_hash(request, person)
            messages.success(request, _("Your password is changed."))
            return redirect("my_account:home")
    return render(request, "my_account/password.html", {"form": form})
