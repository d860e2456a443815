"""The profile: name and language, and the account with its billing contact for those who may
see who that is."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import person_profile_update
from seatwise.accounts.two_factor import may_use_two_factor, two_factor_device
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.forms import add_service_error
from seatwise.portals.my_account.forms import ProfileForm
from seatwise.portals.shared import signed_in_person


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language": person.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person_profile_update(
                person=person,
                by=Actor.for_person(person, client=Client.of(request)),
                **form.cleaned_data,
            )
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
