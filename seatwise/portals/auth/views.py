"""Sign-in with the product credentials (e-mail and password), shared by the Billing Center,
the Admin Center and My Account; optional second step with a TOTP code; password reset."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from seatwise.accounts.models import Person
from seatwise.accounts.passwords import password_reset_request, person_password_set
from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.signin_throttle import (
    Refusal,
    SigninKind,
    signin_attempt_begin,
    signin_attempt_failed,
    signin_attempt_succeeded,
    signin_unlock,
)
from seatwise.accounts.two_factor import (
    two_factor_check,
    two_factor_confirmed_device,
    two_factor_required,
)
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import PasswordResetRequestForm, SignInForm, VerifyForm
from seatwise.portals.device_cookies import device_cookie_set, signin_client
from seatwise.portals.forms import add_service_error
from seatwise.portals.sessions import rights_changed, signin_record
from seatwise.portals.step_up import PERSON, step_up_mark
from seatwise.portals.two_factor_policy import enrolment_url

PENDING_KEY = "seatwise_pending_2fa"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home:home")


def _landing(person: Person, next_url: str) -> str:
    """Where a sign-in leads: where the person was going, else vendor staff to the support
    console and everyone else to the home page."""
    if next_url == reverse("home:home") and person.is_staff:
        return reverse("support:home")
    return next_url


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        # Failed sign-ins are limited per device, per address and per client
        # (accounts.signin_throttle); the attempt is counted before the password is checked.
        attempt = signin_attempt_begin(
            kind=SigninKind.PRODUCT, login=email, client=signin_client(request, SigninKind.PRODUCT)
        )
        if attempt.refusal is not None:
            return refused(request, attempt.refusal)
        person = authenticate(request, username=email, password=form.cleaned_data["password"])
        if isinstance(person, Person) and person.is_active:
            signin_attempt_succeeded(attempt)
            next_url = _landing(person, next_url)
            device = two_factor_confirmed_device(person)
            if device is not None:
                request.session[PENDING_KEY] = {
                    "person": person.pk,
                    "at": time.time(),
                    "next": next_url,
                }
                return redirect("auth:signin_verify")
            login(request, person, backend="seatwise.accounts.backends.PersonBackend")
            signin_record(request)
            step_up_mark(request, PERSON)
            if two_factor_required(person):
                # No app yet, but one is required: set it up before anything else.
                return _signed_in(redirect(enrolment_url(person)), person)
            return _signed_in(redirect(next_url), person)
        signin_attempt_failed(attempt)
        form.add_error(
            None,
            _(
                "The e-mail address and password do not match. Both are case-sensitive "
                "only in the password."
            ),
        )
    return render(request, "auth/signin.html", {"form": form, "next": next_url})


def _signed_in(response: HttpResponse, person: Person) -> HttpResponse:
    """A signed-in browser carries a device cookie: its own failures alone can lock it."""
    device_cookie_set(response, kind=SigninKind.PRODUCT, login=person.email)
    return response


def refused(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """A sign-in refused before its password was checked: a clear, translated page (429)."""
    return render(
        request,
        "auth/locked_out.html",
        {
            "throttled": refusal is Refusal.THROTTLED,
            "minutes": int(settings.SEATWISE_SIGNIN_COOLOFF.total_seconds() // 60),
        },
        status=429,
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signin_verify(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.warning(request, _("Please sign in again."))
        return redirect("auth:signin")
    person = Person.objects.filter(pk=pending["person"], is_active=True).first()
    device = two_factor_confirmed_device(person) if person else None
    if person is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("auth:signin")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            used = two_factor_check(
                owner=person,
                device=device,
                code=form.cleaned_data["code"],
                by=Actor.for_person(person, client=Client.of(request)),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            request.session.pop(PENDING_KEY, None)
            login(request, person, backend="seatwise.accounts.backends.PersonBackend")
            otp_login(request, device)
            signin_record(request)
            step_up_mark(request, PERSON)
            if used == "recovery_code":
                messages.warning(request, recovery_code_notice(person))
            return _signed_in(redirect(pending.get("next") or "home:home"), person)
    return render(request, "auth/signin_verify.html", {"form": form})


def recovery_code_notice(person: Person) -> str:
    """After a sign-in with a recovery code: how many are left, and where to make new ones."""
    left = recovery_codes_left(person)
    return str(
        ngettext(
            "You signed in with a recovery code. %(count)d recovery code is left: make new "
            "ones in My Account, under Two-factor sign-in.",
            "You signed in with a recovery code. %(count)d recovery codes are left: make new "
            "ones in My Account, under Two-factor sign-in.",
            left,
        )
        % {"count": left}
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("auth:signin")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same answer whether or not the address is known: nobody learns who has an account.
        password_reset_request(
            email=form.cleaned_data["email"],
            by=Actor.system("password-reset", client=Client.of(request)),
        )
        return render(
            request, "auth/password_reset_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "auth/password_reset.html", {"form": form})


class PasswordSetView(PasswordResetConfirmView):
    """Set a password from an e-mailed link: after a reset, or to accept an invitation."""

    template_name = "auth/password_set.html"
    success_url = reverse_lazy("auth:signin")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponseRedirect:
        person = form.user
        person_password_set(
            person=person,
            password=form.cleaned_data["new_password1"],
            by=Actor.for_person(person, client=Client.of(self.request)),
        )
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        # The link proved access to the mailbox: the address is no longer locked for clients
        # without its device cookie, and this browser gets one, so that it can sign in whatever
        # an attacker tries meanwhile.
        signin_unlock(kind=SigninKind.PRODUCT, login=person.email)
        # Every session opened with the old password ends.
        rights_changed(
            self.request,
            people=[person],
            reason="password_set",
            by=Actor.for_person(person, client=Client.of(self.request)),
        )
        messages.success(self.request, _("Your password is set. You can sign in now."))
        response = HttpResponseRedirect(str(self.success_url))
        device_cookie_set(response, kind=SigninKind.PRODUCT, login=person.email)
        return response


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The sign-in name django-axes logs attempts for: the e-mail address, lower-cased."""
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().lower()
    return str(request.POST.get("email", "")).strip().lower()
