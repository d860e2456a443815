"""The console's two-factor page: staff set up their authenticator app here, or confirm this
session with a code; until then they can do nothing else in the console."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from seatwise.accounts.models import Person
from seatwise.accounts.two_factor import (
    device_config_url,
    device_secret,
    two_factor_begin,
    two_factor_check,
    two_factor_confirm,
    two_factor_confirmed_device,
    two_factor_pending_device,
)
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import VerifyForm
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import TwoFactorConfirmForm
from seatwise.portals.sessions import rights_changed
from seatwise.portals.support.access import is_agent
from seatwise.portals.two_factor import qr_data_uri


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_agent(user) or not isinstance(user, Person):
        return render(request, "support/forbidden.html", status=403)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("support:home")
    confirmed = two_factor_confirmed_device(user)
    if confirmed is not None:
        # A session opened before the app was set up (or by a sign-in without its code): a
        # code from the app, or a recovery code.
        verify_form = VerifyForm(request.POST or None)
        if request.method == "POST" and verify_form.is_valid():
            try:
                two_factor_check(
                    owner=user,
                    device=confirmed,
                    code=verify_form.cleaned_data["code"],
                    by=Actor.for_person(user, client=Client.of(request)),
                )
            except ServiceError as error:
                add_service_error(verify_form, error)
            else:
                otp_login(request, confirmed)
                return redirect("support:home")
        return render(request, "support/two_factor.html", {"form": verify_form, "verify": True})
    form = TwoFactorConfirmForm(request.POST or None)
    actor = Actor.for_person(user, client=Client.of(request))
    pending = two_factor_pending_device(user)
    if request.method == "POST" and "start" in request.POST:
        two_factor_begin(owner=user, by=actor)
        return redirect("support:two_factor")
    if pending is None:
        # First, a button: the new key is made by a POST, never by opening the page.
        return render(request, "support/two_factor.html", {"start": True})
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = two_factor_confirm(owner=user, code=form.cleaned_data["code"], by=actor)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            otp_login(request, enrolled.device)
            rights_changed(request, people=[user], reason="two_factor_enable", by=actor)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(
                request,
                "support/two_factor.html",
                {"codes": enrolled.recovery_codes, "enrolled": True},
            )
    return render(
        request,
        "support/two_factor.html",
        {
            "form": form,
            "verify": False,
            "qr": qr_data_uri(device_config_url(user, pending)),
            "secret": device_secret(pending),
        },
    )
