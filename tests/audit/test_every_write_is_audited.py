"""Every service write leaves exactly the audit entries it should: who, what, account, values."""

from __future__ import annotations

import pytest

from seatwise.accounts.services import (
    account_admin_grant,
    account_admin_revoke,
    billing_contact_set,
    corporate_password_set,
    person_add,
)
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.subscriptions.people import person_remove
from seatwise.subscriptions.services import license_assign, license_unassign
from tests.factories import make_account, make_card, make_person, make_subscription

pytestmark = pytest.mark.django_db
ALICE = Actor(kind="person", label="alice@example.com", person_id=None)


def new_entries(since: int) -> list[tuple[str, str, int | None]]:
    return list(
        AuditEntry.objects.filter(pk__gt=since)
        .order_by("pk")
        .values_list("action", "actor_label", "account_id")
    )


def last_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_account_create_is_audited():
    since = last_id()

    account = make_account(kind="corporate")

    assert new_entries(since) == [
        ("account.create", "tests", account.pk),
        ("person.add", "tests", account.pk),
        ("corporate_credential.create", "tests", account.pk),
    ]
    created = AuditEntry.objects.get(pk__gt=since, action="account.create")
    assert created.old is None
    assert created.new["kind"] == "corporate"
    assert created.actor_kind == "system"


@pytest.mark.parametrize(
    ("write", "actions"),
    [
        (
            lambda a, p, s: person_add(
                account=a, email="new@x.test", first_name="N", last_name="P", by=ALICE
            ),
            ["person.add"],
        ),
        (lambda a, p, s: account_admin_grant(person=p, by=ALICE), ["person.account_admin_grant"]),
        (
            lambda a, p, s: billing_contact_set(account=a, person=p, by=ALICE),
            ["account.billing_contact_set", "corporate_credential.password_clear"],
        ),
        (
            lambda a, p, s: corporate_password_set(
                account=a, password="portal-secret-2026", by=ALICE
            ),
            ["corporate_credential.password_set"],
        ),
        (lambda a, p, s: license_assign(subscription=s, person=p, by=ALICE), ["license.assign"]),
        (lambda a, p, s: make_card(a), None),  # the factory acts as "tests"
        (lambda a, p, s: person_remove(person=p, by=ALICE), ["person.remove"]),
    ],
)
def test_each_write_is_audited_with_actor_and_account(write, actions):
    account = make_account(kind="corporate")
    person = make_person(account)
    subscription = make_subscription(account, seats=3)
    since = last_id()

    write(account, person, subscription)

    entries = new_entries(since)
    if actions is None:
        assert entries == [("payment_method.add", "tests", account.pk)]
    else:
        assert entries == [(action, "alice@example.com", account.pk) for action in actions]


def test_license_unassign_and_admin_revoke_are_audited():
    account = make_account()
    person = make_person(account, admin=True)
    subscription = make_subscription(account, seats=1)
    license_assign(subscription=subscription, person=person, by=ALICE)
    since = last_id()

    license_unassign(subscription=subscription, person=person, by=ALICE)
    account_admin_revoke(person=person, by=ALICE)

    assert new_entries(since) == [
        ("license.unassign", "alice@example.com", account.pk),
        ("person.account_admin_revoke", "alice@example.com", account.pk),
    ]
