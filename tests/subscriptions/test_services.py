from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign, license_unassign
from tests.factories import SYSTEM, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def test_monthly_term_ends_one_calendar_month_later_clamped():
    account = make_account()

    subscription = make_subscription(account, term_start=date(2027, 1, 31))

    assert (subscription.term_start, subscription.term_end) == (
        date(2027, 1, 31),
        date(2027, 2, 28),
    )


def test_annual_term():
    subscription = make_subscription(
        make_account(), plan_code="goto-webinar-business-yearly", term_start=date(2028, 2, 29)
    )

    assert subscription.term_end == date(2029, 2, 28)


@pytest.mark.parametrize("seats", [0, -1, 10_001, True])
def test_refuses_seats_out_of_range(seats):
    account = make_account()

    with pytest.raises(Invalid) as refusal:
        make_subscription(account, seats=seats)

    assert refusal.value.code == "invalid_seats"
    assert not Subscription.objects.filter(account=account).exists()


def test_one_live_subscription_per_product():
    account = make_account()
    make_subscription(account, plan_code="goto-meeting-standard-monthly")

    with pytest.raises(Refused) as refusal:
        make_subscription(account, plan_code="goto-meeting-business-yearly")

    assert refusal.value.code == "product_already_subscribed"
    assert Subscription.objects.filter(account=account).count() == 1


class TestSeats:
    def test_assigned_seats_never_exceed_bought_seats(self):
        account = make_account()
        subscription = make_subscription(account, seats=2)
        people = [make_person(account) for _ in range(3)]
        license_assign(subscription=subscription, person=people[0], by=SYSTEM)
        license_assign(subscription=subscription, person=people[1], by=SYSTEM)
        audit_before = AuditEntry.objects.count()

        with pytest.raises(Refused) as refusal:
            license_assign(subscription=subscription, person=people[2], by=SYSTEM)

        assert refusal.value.code == "no_free_seat"
        subscription.refresh_from_db()
        assert (subscription.seats, subscription.seats_assigned) == (2, 2)
        assert LicenseAssignment.objects.filter(subscription=subscription).count() == 2
        assert AuditEntry.objects.count() == audit_before

    def test_database_refuses_more_assigned_than_bought(self):
        subscription = make_subscription(make_account(), seats=1)

        with pytest.raises(IntegrityError), transaction.atomic():
            Subscription.objects.filter(pk=subscription.pk).update(seats_assigned=F("seats") + 1)

    def test_database_refuses_cutting_seats_below_assigned(self):
        account = make_account()
        subscription = make_subscription(account, seats=2)
        license_assign(subscription=subscription, person=make_person(account), by=SYSTEM)
        license_assign(subscription=subscription, person=make_person(account), by=SYSTEM)

        with pytest.raises(IntegrityError), transaction.atomic():
            Subscription.objects.filter(pk=subscription.pk).update(seats=1)

    def test_a_person_holds_one_seat_per_subscription(self):
        account = make_account()
        subscription = make_subscription(account, seats=3)
        person = make_person(account)
        license_assign(subscription=subscription, person=person, by=SYSTEM)

        with pytest.raises(Refused) as refusal:
            license_assign(subscription=subscription, person=person, by=SYSTEM)

        assert refusal.value.code == "already_assigned"
        subscription.refresh_from_db()
        assert subscription.seats_assigned == 1

    def test_refuses_a_person_of_another_account(self):
        subscription = make_subscription(make_account(), seats=3)
        stranger = make_person(make_account())

        with pytest.raises(Refused) as refusal:
            license_assign(subscription=subscription, person=stranger, by=SYSTEM)

        assert refusal.value.code == "not_a_member"
        assert not LicenseAssignment.objects.exists()

    def test_unassign_frees_the_seat(self):
        account = make_account()
        subscription = make_subscription(account, seats=1)
        person = make_person(account)
        license_assign(subscription=subscription, person=person, by=SYSTEM)

        license_unassign(subscription=subscription, person=person, by=SYSTEM)

        assert subscription.seats_assigned == 0
        assert not LicenseAssignment.objects.exists()
        with pytest.raises(Refused) as refusal:
            license_unassign(subscription=subscription, person=person, by=SYSTEM)
        assert refusal.value.code == "not_assigned"
