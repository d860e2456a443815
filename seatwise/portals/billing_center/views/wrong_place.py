"""The "wrong place" page: "You seem to have landed in the wrong place", for everyone signed
in without a Billing Center (``access.wrong_place_case``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from seatwise.accounts.selectors import billing_contact_of
from seatwise.portals.billing_center.access import (
    WrongPlace,
    billing_center_account,
    wrong_place_case,
)
from seatwise.portals.shared import signed_in_person


@login_required
@require_safe
def wrong_place(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    if billing_center_account(person) is not None:
        return redirect("billing:subscriptions")
    case = wrong_place_case(person)
    # Rule 1: only billing contacts and account admins may see who the billing contact is.
    # On a standard account the account admin is shown the billing admin to ask; a plain user
    # is told to ask their account admin, and sees no name.
    contact = (
        billing_contact_of(person.account)
        if case == WrongPlace.ONLINE and person.account is not None and person.is_account_admin
        else None
    )
    return render(
        request,
        "billing_center/wrong_place.html",
        {"case": case, "account": person.account, "billing_contact": contact},
    )
