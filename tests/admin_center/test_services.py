"""The new services on their own: rules that the pages cannot reach."""

from __future__ import annotations

import pytest

from seatwise.accounts.contact_requests import billing_admin_contact
from seatwise.accounts.models import Person
from seatwise.core.errors import Refused
from seatwise.subscriptions.invitations import person_invite
from seatwise.subscriptions.licensing import license_products_set, licenses_bulk_set
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from tests.admin_center.conftest import counts
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def test_invite_with_another_accounts_subscription_creates_nobody(account):
    theirs = make_subscription(make_account(language="en"), seats=5)
    before = counts()

    with pytest.raises(Refused) as refused:
        person_invite(
            account=account,
            email="x@example.com",
            first_name="X",
            last_name="Y",
            language="en",
            product_subscriptions=[theirs],
            notify=True,
            by=SYSTEM,
        )

    assert refused.value.code == "subscription_not_available"
    assert counts() == before


def test_products_set_leaves_seats_of_ended_subscriptions_alone(account):
    ended = make_subscription(account, seats=5)
    person = make_person(account)
    license_assign(subscription=ended, person=person, by=SYSTEM)
    Subscription.objects.filter(pk=ended.pk).update(status="expired")
    live = make_subscription(account, seats=5)

    change = license_products_set(person=person, subscriptions=[live], notify=False, by=SYSTEM)

    assert [s.pk for s in change.added] == [live.pk]
    assert change.removed == ()
    assert set(
        LicenseAssignment.objects.filter(person=person).values_list("subscription_id", flat=True)
    ) == {ended.pk, live.pk}


def test_products_set_refuses_a_removed_person(account):
    live = make_subscription(account, seats=5)
    person = make_person(account)
    Person.objects.filter(pk=person.pk).update(account=None, is_active=False)
    person.refresh_from_db()

    with pytest.raises(Refused) as refused:
        license_products_set(person=person, subscriptions=[live], notify=True, by=SYSTEM)

    assert refused.value.code == "not_a_member"


def test_bulk_refuses_people_of_another_account(account):
    live = make_subscription(account, seats=5)
    stranger = make_person(make_account(language="en"))
    before = counts()

    with pytest.raises(Refused) as refused:
        licenses_bulk_set(subscription=live, people=[stranger], assign=True, notify=True, by=SYSTEM)

    assert refused.value.code == "not_a_member"
    assert counts() == before


def test_only_an_account_admin_who_is_not_billing_admin_may_email_the_billing_admin(account):
    plain_user = make_person(account)
    before = counts()

    with pytest.raises(Refused) as plain:
        billing_admin_contact(requester=plain_user, note="", by=SYSTEM)
    with pytest.raises(Refused) as itself:
        billing_admin_contact(requester=billing_contact(account), note="", by=SYSTEM)

    assert (plain.value.code, itself.value.code) == ("not_an_account_admin", "is_billing_admin")
    assert counts() == before
