"""Invariants under concurrent writers, on SQLite (IMMEDIATE transactions) and PostgreSQL."""

from __future__ import annotations

import pytest

from seatwise.accounts.models import Person
from seatwise.accounts.services import billing_contact_set
from seatwise.core.errors import Refused
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from tests.concurrency import all_at_once
from tests.factories import SYSTEM, make_account, make_person, make_subscription


def run_concurrently(functions):
    """Each function's outcome, all released at once: "ok", or the code of its refusal."""

    def outcome_of(function):
        def run() -> str:
            try:
                function()
            except Refused as refusal:
                return refusal.code
            return "ok"

        return run

    return all_at_once([outcome_of(f) for f in functions])


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_never_exceed_the_seats_bought():
    account = make_account()
    subscription = make_subscription(account, seats=3)
    people = [make_person(account) for _ in range(8)]

    outcomes = run_concurrently(
        [
            (lambda p=p: license_assign(subscription=subscription, person=p, by=SYSTEM))
            for p in people
        ]
    )

    assert outcomes == ["no_free_seat"] * 5 + ["ok"] * 3
    subscription.refresh_from_db()
    assert subscription.seats_assigned == 3
    assert LicenseAssignment.objects.filter(subscription=subscription).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_billing_contact_changes_leave_exactly_one():
    account = make_account()
    candidates = [make_person(account) for _ in range(6)]

    outcomes = run_concurrently(
        [
            (lambda p=p: billing_contact_set(account=account, person=p, by=SYSTEM))
            for p in candidates
        ]
    )

    assert outcomes == ["ok"] * 6
    contacts = list(Person.objects.filter(account=account, is_billing_contact=True))
    assert len(contacts) == 1
    assert contacts[0].pk in {p.pk for p in candidates}
    assert Subscription.objects.count() == 0
