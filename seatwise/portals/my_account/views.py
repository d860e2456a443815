"""My Account: every signed-in person's own profile, whatever their role (issue 3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.accounts.models import Person
from seatwise.accounts.passwords import person_password_change
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import person_profile_update
from seatwise.accounts.two_factor import (
    may_use_two_factor,
    two_factor_begin,
    two_factor_confirm,
    two_factor_device,
    two_factor_disable,
)
from seatwise.audit.actors import Actor
from seatwise.core.errors import ServiceError
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import (
    PasswordChangeForm,
    ProfileForm,
    TwoFactorConfirmForm,
    TwoFactorDisableForm,
)
from seatwise.portals.two_factor import device_secret, qr_data_uri


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language": person.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person_profile_update(person=person, by=Actor.for_person(person), **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("my_account:home")
    account = person.account
    # Rule 1 (articles 000, 002, 004): only billing contacts and account admins see who the
    # billing contact is.
    contact = (
        billing_contact_of(account)
        if account is not None and (person.is_billing_contact or person.is_account_admin)
        else None
    )
    return render(
        request,
        "my_account/home.html",
        {
            "form": form,
            "person": person,
            "account": account,
            "billing_contact": contact,
            "two_factor": may_use_two_factor(person),
            "two_factor_on": bool(
                (device := two_factor_device(person)) is not None and device.confirmed
            ),
        },
    )


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person_password_change(
                person=person,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                by=Actor.for_person(person),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            update_session_auth_hash(request, person)
            messages.success(request, _("Your password is changed."))
            return redirect("my_account:home")
    return render(request, "my_account/password.html", {"form": form})


@login_required
@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not may_use_two_factor(person):
        return render(request, "my_account/two_factor_unavailable.html", status=403)
    device = two_factor_device(person)
    confirm_form = TwoFactorConfirmForm(request.POST if "code" in request.POST else None)
    disable_form = TwoFactorDisableForm(request.POST if "password" in request.POST else None)
    if request.method == "POST" and "code" in request.POST and confirm_form.is_valid():
        try:
            two_factor_confirm(
                person=person, code=confirm_form.cleaned_data["code"], by=Actor.for_person(person)
            )
        except ServiceError as error:
            add_service_error(confirm_form, error)
        else:
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("my_account:home")
    if request.method == "POST" and "password" in request.POST and disable_form.is_valid():
        try:
            two_factor_disable(
                person=person,
                password=disable_form.cleaned_data["password"],
                by=Actor.for_person(person),
            )
        except ServiceError as error:
            add_service_error(disable_form, error)
        else:
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
    person = _person(request)
    try:
        two_factor_begin(person=person, by=Actor.for_person(person))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("my_account:two_factor")
