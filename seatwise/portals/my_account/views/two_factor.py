"""Two-factor sign-in (TOTP) for those who may use it: start, confirm with a code from the
authenticator app, or turn off with the password. Turning it on or off ends the person's other
sessions and gives this one a new key."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.accounts.two_factor import (
    may_use_two_factor,
    two_factor_begin,
    two_factor_confirm,
    two_factor_device,
    two_factor_disable,
)
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import TwoFactorConfirmForm, TwoFactorDisableForm
from seatwise.portals.sessions import rights_changed
from seatwise.portals.shared import signed_in_person
from seatwise.portals.two_factor import device_secret, qr_data_uri


@login_required
@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    if not may_use_two_factor(person):
        return render(request, "my_account/two_factor_unavailable.html", status=403)
    device = two_factor_device(person)
    confirm_form = TwoFactorConfirmForm(request.POST if "code" in request.POST else None)
    disable_form = TwoFactorDisableForm(request.POST if "password" in request.POST else None)
    if request.method == "POST" and "code" in request.POST and confirm_form.is_valid():
        try:
            two_factor_confirm(
                person=person,
                code=confirm_form.cleaned_data["code"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(confirm_form, error)
        else:
            rights_changed(
                request, people=[person], reason="two_factor_enable", by=Actor.for_person(person)
            )
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("my_account:home")
    if request.method == "POST" and "password" in request.POST and disable_form.is_valid():
        try:
            two_factor_disable(
                person=person,
                password=disable_form.cleaned_data["password"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(disable_form, error)
        else:
            rights_changed(
                request, people=[person], reason="two_factor_disable", by=Actor.for_person(person)
            )
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("my_account:home")
    context: dict[str, object] = {"device": device, "disable_form": disable_form}
    if device is not None and not device.confirmed:
        context.update(
            confirm_form=confirm_form,
            qr=qr_data_uri(device.config_url),
            secret=device_secret(device),
        )
    return render(request, "my_account/two_factor.html", context)


@login_required
@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    try:
        two_factor_begin(person=person, by=Actor.for_person(person, client=Client.of(request)))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("my_account:two_factor")
