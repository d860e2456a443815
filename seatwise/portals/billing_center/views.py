"""The Billing Center of online accounts: signed in with the product credentials, the billing
admin sees the account's Subscriptions page; everyone else the "wrong place" page (SPEC rule 2,
articles 000, 002, 004). Self-service changes (plan, seats, invoices) come with a later issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.core.countries import country_name
from seatwise.core.money import format_money
from seatwise.payments.selectors import default_payment_method
from seatwise.portals.billing_center.access import (
    WrongPlace,
    billing_center_account,
    wrong_place_case,
)
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import PricedSubscription, live_subscriptions_priced


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)
    return user


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """One subscription as the page shows it: amounts already formatted for the reader."""

    subscription: Subscription
    last_day: date  # the term is [term_start, term_end): its last day is the day before
    ends: bool  # no renewal: cancellation pending or auto-renew off
    unit_price: str | None
    term_price: str | None


def _row(priced: PricedSubscription, language: str) -> SubscriptionRow:
    subscription = priced.subscription
    term_amount = priced.term_amount
    return SubscriptionRow(
        subscription=subscription,
        last_day=subscription.term_end - timedelta(days=1),
        ends=(
            subscription.status == Subscription.Status.PENDING_CANCELLATION
            or not subscription.auto_renew
        ),
        unit_price=(
            format_money(priced.unit_amount, priced.currency, language)
            if priced.unit_amount is not None
            else None
        ),
        term_price=(
            format_money(term_amount, priced.currency, language)
            if term_amount is not None
            else None
        ),
    )


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The Billing Center's address: the billing admin to Subscriptions, anyone else to the
    "wrong place" page, each by redirect so that the browser shows where it landed."""
    if billing_center_account(_person(request)) is not None:
        return redirect("billing:subscriptions")
    return redirect("billing:wrong_place")


@login_required
@require_safe
def subscriptions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    account = billing_center_account(person)
    if account is None:
        return redirect("billing:wrong_place")
    language = person.language
    rows = [
        _row(priced, language)
        for priced in live_subscriptions_priced(account_id=account.pk, currency=account.currency)
    ]
    return render(
        request,
        "billing_center/subscriptions.html",
        {
            "account": account,
            "person": person,
            "rows": rows,
            "country": country_name(account.country, language),
            "payment_method": default_payment_method(account_id=account.pk),
        },
    )


@login_required
@require_safe
def wrong_place(request: HttpRequest) -> HttpResponse:
    person = _person(request)
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
