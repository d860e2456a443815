"""**Confirm it's you**: the product areas' step-up re-authentication page
(``portals.step_up``), with the password or, where set up, a code from the authenticator app.

Each try is a sign-in attempt of the person's address for the sign-in limits
(``accounts.signin_throttle``): refused while this browser, or the address for browsers without
its device cookie, or this client is locked out; a wrong password or code is a failure like one
at the sign-in page (on top of the count of wrong codes of ``accounts.two_factor``), so step-up
cannot be used to guess a password.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from seatwise.accounts.signin_throttle import (
    SigninKind,
    signin_attempt_begin,
    signin_attempt_failed,
    signin_attempt_succeeded,
)
from seatwise.accounts.two_factor import two_factor_check, two_factor_confirmed_device
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import StepUpForm
from seatwise.portals.auth.views import refused
from seatwise.portals.device_cookies import signin_client
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import signed_in_person
from seatwise.portals.step_up import PERSON, step_up_mark, step_up_next


@never_cache
@login_required
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    next_url = step_up_next(request, PERSON, reverse("my_account:home"))
    device = two_factor_confirmed_device(person)
    form = StepUpForm(request.POST or None, with_code=device is not None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data.get("password") or ""
        code = form.cleaned_data.get("code") or ""
        attempt = signin_attempt_begin(
            kind=SigninKind.PRODUCT,
            login=person.email,
            client=signin_client(request, SigninKind.PRODUCT),
        )
        if attempt.refusal is not None:
            return refused(request, attempt.refusal)
        passed = False
        if password:
            passed = person.check_password(password)
            if not passed:
                form.add_error("password", _("Your current password is not correct."))
        elif device is not None:
            try:
                two_factor_check(
                    owner=person,
                    device=device,
                    code=code,
                    by=Actor.for_person(person, client=Client.of(request)),
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                passed = True
        if passed:
            signin_attempt_succeeded(attempt)
        else:
            signin_attempt_failed(attempt)
        if passed:
            step_up_mark(request, PERSON)
            return redirect(next_url)
    return render(
        request,
        "auth/step_up.html",
        {
            "form": form,
            "next": next_url,
            "with_code": device is not None,
            "step_up_minutes": settings.SEATWISE_STEP_UP_MINUTES,
        },
    )
