"""Two-factor sign-in (TOTP) for those who may use it: start, confirm with a code from the
authenticator app (which shows the ten recovery codes, once), turn off with the password, and
make new recovery codes (after a step-up re-authentication). Turning it on or off ends the
person's other sessions and gives this one a new key.

Whoever must use two-factor sign-in (``portals.two_factor_policy``) lands here until they have
set it up; if they have but this session has not passed the code step, the page asks for a
code (or a recovery code) first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.two_factor import (
    device_config_url,
    device_secret,
    may_use_two_factor,
    recovery_codes_regenerate,
    two_factor_begin,
    two_factor_check,
    two_factor_confirm,
    two_factor_device,
    two_factor_disable,
    two_factor_required,
)
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import VerifyForm
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import TwoFactorConfirmForm, TwoFactorDisableForm
from seatwise.portals.sessions import rights_changed
from seatwise.portals.shared import signed_in_person
from seatwise.portals.step_up import PERSON, step_up_required
from seatwise.portals.two_factor import qr_data_uri


def _verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


@never_cache
@login_required
@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    if not may_use_two_factor(person):
        return render(request, "my_account/two_factor_unavailable.html", status=403)
    device = two_factor_device(person)
    required = two_factor_required(person)
    if device is not None and device.confirmed and required and not _verified(request):
        return _verify_session(request, device)
    confirm_form = TwoFactorConfirmForm(request.POST if "code" in request.POST else None)
    disable_form = TwoFactorDisableForm(request.POST if "password" in request.POST else None)
    if request.method == "POST" and "code" in request.POST and confirm_form.is_valid():
        try:
            enrolled = two_factor_confirm(
                owner=person,
                code=confirm_form.cleaned_data["code"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(confirm_form, error)
        else:
            # This session has passed the code: whoever must use two factors may go on.
            otp_login(request, enrolled.device)
            rights_changed(
                request,
                people=[person],
                reason="two_factor_enable",
                by=Actor.for_person(person, client=Client.of(request)),
            )
            messages.success(request, _("Two-factor sign-in is on."))
            return render(
                request,
                "my_account/recovery_codes.html",
                {"codes": enrolled.recovery_codes, "enrolled": True},
            )
    if request.method == "POST" and "password" in request.POST and disable_form.is_valid():
        try:
            two_factor_disable(
                owner=person,
                password=disable_form.cleaned_data["password"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(disable_form, error)
        else:
            rights_changed(
                request,
                people=[person],
                reason="two_factor_disable",
                by=Actor.for_person(person, client=Client.of(request)),
            )
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("my_account:home")
    context: dict[str, object] = {
        "device": device,
        "disable_form": disable_form,
        "required": required,
        "can_turn_off": not required,
    }
    if device is not None and device.confirmed:
        context["recovery_codes_left"] = recovery_codes_left(person)
    if device is not None and not device.confirmed:
        context.update(
            confirm_form=confirm_form,
            qr=qr_data_uri(device_config_url(person, device)),
            secret=device_secret(device),
        )
    return render(request, "my_account/two_factor.html", context)


def _verify_session(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """Someone who must use two factors, with an app, in a session that has not passed the
    code step (it was opened before the rule applied to them): the code first."""
    person = signed_in_person(request)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_check(
                owner=person,
                device=device,
                code=form.cleaned_data["code"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            otp_login(request, device)
            return redirect("my_account:home")
    return render(request, "auth/signin_verify.html", {"form": form})


@login_required
@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    try:
        two_factor_begin(owner=person, by=Actor.for_person(person, client=Client.of(request)))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("my_account:two_factor")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@step_up_required(PERSON)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left, and **Make new recovery codes** (the earlier ones stop
    working; the new ones are shown once)."""
    person = signed_in_person(request)
    if request.method == "POST":
        try:
            codes = recovery_codes_regenerate(
                owner=person, by=Actor.for_person(person, client=Client.of(request))
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("my_account:two_factor")
        return render(request, "my_account/recovery_codes.html", {"codes": codes})
    if two_factor_device(person) is None:
        return redirect("my_account:two_factor")
    return render(request, "my_account/recovery_codes.html", {"left": recovery_codes_left(person)})
