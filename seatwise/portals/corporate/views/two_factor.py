"""Two-factor sign-in of the portal's User ID: the code step after the User ID and password,
the set-up and switch-off in the Account tab, new recovery codes, and the portal's step-up
re-authentication page (``portals.step_up``) against the User ID's password or code.

Failures count towards the portal's sign-in lockout: a wrong password through
``corporate_authenticate``, a wrong code through ``accounts.two_factor.two_factor_check``.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.accounts.corporate_signin import (
    corporate_authenticate,
    corporate_session_credential,
    corporate_session_hash,
)
from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.signin_throttle import SigninKind
from seatwise.accounts.two_factor import (
    device_config_url,
    device_secret,
    recovery_codes_regenerate,
    two_factor_begin,
    two_factor_check,
    two_factor_confirm,
    two_factor_confirmed_device,
    two_factor_disable,
    two_factor_pending_device,
)
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import StepUpForm, VerifyForm
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.session import corporate_login, corporate_required, portal_actor
from seatwise.portals.corporate.two_factor_forms import (
    CorporateTwoFactorConfirmForm,
    CorporateTwoFactorDisableForm,
)
from seatwise.portals.device_cookies import device_cookie_set, signin_client
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import render_page
from seatwise.portals.step_up import CORPORATE, step_up_mark, step_up_next, step_up_required
from seatwise.portals.two_factor import qr_data_uri

PENDING_KEY = "seatwise_corporate_pending_2fa"
PENDING_SECONDS = 300


# --- the code step of the sign-in ----------------------------------------------------------


def corporate_signin_pending(
    request: HttpRequest, credential: CorporateCredential, next_url: str
) -> HttpResponse:
    """After the User ID and password of a User ID with an authenticator app: the code step.
    Nothing is signed in yet; the step is valid for ``PENDING_SECONDS``."""
    request.session[PENDING_KEY] = {
        "credential": credential.pk,
        "hash": corporate_session_hash(credential),
        "at": time.time(),
        "next": next_url,
    }
    return redirect("corporate:signin_verify")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signin_verify(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.warning(request, _("Please sign in again."))
        return redirect("corporate:signin")
    credential = corporate_session_credential(
        credential_id=int(pending.get("credential") or 0), session_hash=str(pending.get("hash"))
    )
    device = two_factor_confirmed_device(credential) if credential is not None else None
    if credential is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("corporate:signin")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            used = two_factor_check(
                owner=credential,
                device=device,
                code=form.cleaned_data["code"],
                by=portal_actor(credential, request),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            request.session.pop(PENDING_KEY, None)
            corporate_login(request, credential)
            step_up_mark(request, CORPORATE, owner=credential.pk)
            if used == "recovery_code":
                left = recovery_codes_left(credential)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code. %(count)d recovery code is left: "
                        "make new ones in the Account tab, under Two-factor sign-in.",
                        "You signed in with a recovery code. %(count)d recovery codes are left: "
                        "make new ones in the Account tab, under Two-factor sign-in.",
                        left,
                    )
                    % {"count": left},
                )
            response = redirect(str(pending.get("next") or reverse("corporate:home")))
            # Signed in: this browser is judged by its own failures from now on.
            device_cookie_set(response, kind=SigninKind.CORPORATE, login=credential.user_id)
            return response
    return render(request, "corporate/signin_verify.html", {"form": form})


# --- the Account tab: set up, switch off, recovery codes ------------------------------------


@sensitive_post_parameters("code", "password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def two_factor(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    actor = portal_actor(credential, request)
    device = two_factor_confirmed_device(credential)
    pending = None if device is not None else two_factor_pending_device(credential)
    confirm_form = CorporateTwoFactorConfirmForm(request.POST if "code" in request.POST else None)
    disable_form = CorporateTwoFactorDisableForm(
        request.POST if "password" in request.POST else None
    )
    if request.method == "POST" and "code" in request.POST and confirm_form.is_valid():
        try:
            enrolled = two_factor_confirm(
                owner=credential, code=confirm_form.cleaned_data["code"], by=actor
            )
        except ServiceError as error:
            add_service_error(confirm_form, error)
        else:
            messages.success(request, _("Two-factor sign-in is on."))
            return render_page(
                request,
                "corporate/recovery_codes.html",
                {"codes": enrolled.recovery_codes},
                frame=portal_frame(credential, "account"),
            )
    if request.method == "POST" and "password" in request.POST and disable_form.is_valid():
        try:
            two_factor_disable(
                owner=credential, password=disable_form.cleaned_data["password"], by=actor
            )
        except ServiceError as error:
            add_service_error(disable_form, error)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("corporate:account")
    context: dict[str, Any] = {
        "device": device,
        "pending": pending,
        "disable_form": disable_form,
        "confirm_form": confirm_form,
    }
    if device is not None:
        context["recovery_codes_left"] = recovery_codes_left(credential)
    if pending is not None:
        context.update(
            qr=qr_data_uri(device_config_url(credential, pending)),
            secret=device_secret(pending),
        )
    return render_page(
        request, "corporate/two_factor.html", context, frame=portal_frame(credential, "account")
    )


@never_cache
@require_POST
@corporate_required
def two_factor_start(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    try:
        two_factor_begin(owner=credential, by=portal_actor(credential, request))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("corporate:two_factor")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
@step_up_required(CORPORATE)
def recovery_codes(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """How many recovery codes are left, and **Make new recovery codes**."""
    frame = portal_frame(credential, "account")
    if request.method == "POST":
        try:
            codes = recovery_codes_regenerate(
                owner=credential, by=portal_actor(credential, request)
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("corporate:two_factor")
        return render_page(request, "corporate/recovery_codes.html", {"codes": codes}, frame=frame)
    if two_factor_confirmed_device(credential) is None:
        return redirect("corporate:two_factor")
    return render_page(
        request,
        "corporate/recovery_codes.html",
        {"left": recovery_codes_left(credential)},
        frame=frame,
    )


# --- step-up re-authentication ---------------------------------------------------------------


@sensitive_post_parameters("password", "code")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def step_up(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Confirm it's you**: the User ID's password, or a code from its authenticator app."""
    next_url = step_up_next(request, CORPORATE, reverse("corporate:account"))
    device = two_factor_confirmed_device(credential)
    form = StepUpForm(request.POST or None, with_code=device is not None)
    status = 200
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data.get("password") or ""
        try:
            if password:
                corporate_authenticate(
                    user_id=credential.user_id,
                    password=password,
                    client=signin_client(request, SigninKind.CORPORATE),
                )
            elif device is not None:
                two_factor_check(
                    owner=credential,
                    device=device,
                    code=form.cleaned_data.get("code") or "",
                    by=portal_actor(credential, request),
                )
        except ServiceError as error:
            if error.code in {"locked", "throttled"}:
                status = 429
            if error.field in form.fields:
                form.add_error(error.field, str(error.message))
            else:
                form.add_error("password", str(error.message))
        else:
            step_up_mark(request, CORPORATE, owner=credential.pk)
            return redirect(next_url)
    return render_page(
        request,
        "corporate/step_up.html",
        {
            "form": form,
            "next": next_url,
            "with_code": device is not None,
            "step_up_minutes": settings.SEATWISE_STEP_UP_MINUTES,
        },
        frame=portal_frame(credential, "account"),
        status=status,
    )
