"""The Billing Center's address and its **Subscriptions** page: the billing admin of an online
account sees the account's subscriptions (articles 000, 002, 004); everyone else is sent to
the "wrong place" page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from seatwise.catalog.models import Plan
from seatwise.core.countries import country_name
from seatwise.core.money import format_money
from seatwise.payments.selectors import default_payment_method
from seatwise.portals.billing_center.access import billing_center_account
from seatwise.portals.billing_center.selectors import plans_by_id
from seatwise.portals.shared import signed_in_person
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import (
    PricedSubscription,
    ended_trials,
    live_subscriptions_priced,
)


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """One subscription as the page shows it: amounts already formatted for the reader."""

    subscription: Subscription
    last_day: date  # the term is [term_start, term_end): its last day is the day before
    ends: bool  # no renewal: cancellation pending or auto-renew off
    unit_price: str | None
    term_price: str | None
    # Changes scheduled for the renewal (billing.changes): the plan's name, the seats.
    pending_plan: str | None = None
    renewal_seats: int | None = None
    # A running trial, or one that ended unconverted: no Options, Subscribe Now instead.
    trial: bool = False
    ended_trial: bool = False


def _row(
    priced: PricedSubscription, language: str, pending_plans: dict[int, Plan] | None = None
) -> SubscriptionRow:
    subscription = priced.subscription
    if subscription.trial_end is not None and subscription.status in (
        Subscription.Status.TRIAL,
        Subscription.Status.EXPIRED,
    ):
        # Nothing is sold yet: no price, the trial's own last day.
        return SubscriptionRow(
            subscription=subscription,
            last_day=subscription.trial_end - timedelta(days=1),
            ends=True,
            unit_price=None,
            term_price=None,
            trial=subscription.is_trial,
            ended_trial=subscription.is_ended_trial,
        )
    term_amount = priced.term_amount
    ends = (
        subscription.status == Subscription.Status.PENDING_CANCELLATION
        or not subscription.auto_renew
    )
    pending = (pending_plans or {}).get(subscription.pending_plan_id or 0)
    return SubscriptionRow(
        subscription=subscription,
        last_day=subscription.term_end - timedelta(days=1),
        ends=ends,
        pending_plan=(
            f"{pending.get_tier_display()} · {pending.get_interval_display()}"
            if pending is not None and not ends
            else None
        ),
        renewal_seats=subscription.renewal_seats if not ends else None,
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
    if billing_center_account(signed_in_person(request)) is not None:
        return redirect("billing:subscriptions")
    return redirect("billing:wrong_place")


@login_required
@require_safe
def subscriptions(request: HttpRequest) -> HttpResponse:
    person = signed_in_person(request)
    account = billing_center_account(person)
    if account is None:
        return redirect("billing:wrong_place")
    language = person.language
    priced_rows = live_subscriptions_priced(account_id=account.pk, currency=account.currency)
    # A query more only when a change is scheduled.
    pending_plans = plans_by_id(
        {p.subscription.pending_plan_id for p in priced_rows if p.subscription.pending_plan_id}
    )
    rows = [_row(priced, language, pending_plans) for priced in priced_rows]
    rows += [
        _row(
            PricedSubscription(subscription=trial, currency=account.currency, unit_amount=None),
            language,
        )
        for trial in ended_trials(account_id=account.pk)
    ]
    return render(
        request,
        "billing_center/subscriptions.html",
        {
            "section": "subscriptions",
            "account": account,
            "person": person,
            "rows": rows,
            "country": country_name(account.country, language),
            "payment_method": default_payment_method(account_id=account.pk),
        },
    )
