"""**Confirm it's you**: the product areas' step-up re-authentication page
(``portals.step_up``), with the password or, where set up, a code from the authenticator app.

Failures count towards the sign-in's lockout: the password is checked by ``authenticate`` (so
django-axes counts a wrong one for the person's address, and refuses every one while the
address is locked), and a wrong code is reported to django-axes as a failed sign-in too, on top
of django-otp's own throttle of the device.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from seatwise.accounts.two_factor import two_factor_check, two_factor_confirmed_device
from seatwise.core.errors import ServiceError
from seatwise.portals.auth.forms import StepUpForm
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
        passed = False
        if not AxesProxyHandler.is_allowed(request, {"username": person.email}):
            # Locked by failures here or at the sign-in: refused whatever is entered.
            return render(request, "auth/locked_out.html", status=429)
        if password:
            checked = authenticate(request, username=person.email, password=password)
            passed = checked is not None and checked.pk == person.pk
            if getattr(request, "axes_locked_out", False):
                # django-axes answers with its lockout page (AxesMiddleware).
                return render(request, "auth/locked_out.html", status=429)
            if not passed:
                form.add_error("password", _("Your current password is not correct."))
        elif device is not None:
            try:
                two_factor_check(person=person, device=device, code=code)
            except ServiceError as error:
                add_service_error(form, error)
                user_login_failed.send(
                    sender=__name__, credentials={"username": person.email}, request=request
                )
                if getattr(request, "axes_locked_out", False):
                    return render(request, "auth/locked_out.html", status=429)
            else:
                passed = True
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
