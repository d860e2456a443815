from __future__ import annotations

import pytest

from seatwise.accounts.models import Account, Person
from seatwise.accounts.services import account_admin_revoke
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from tests.factories import SYSTEM, billing_contact, make_account, make_person
from tests.step_up import sign_in_as


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ROOT_URLCONF = "tests.admin_center.urls"
    # The factories set passwords; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account() -> Account:
    """An online account, English: its billing contact is also its first account admin."""
    return make_account(language="en", name="Acme Online")


@pytest.fixture
def admin(account: Account) -> Person:
    """An account admin who is not the billing admin."""
    return make_person(account, admin=True, language="en")


@pytest.fixture
def signed_in(client, admin):
    # As the sign-in page leaves a session: a fresh step-up re-authentication.
    sign_in_as(client, admin)
    return client


def billing_contact_only(account: Account) -> Person:
    """Make the billing contact a billing contact only, not an account admin."""
    contact = billing_contact(account)
    if (
        not Person.objects.filter(account=account, is_account_admin=True)
        .exclude(pk=contact.pk)
        .exists()
    ):
        make_person(account, admin=True)
    account_admin_revoke(person=contact, by=SYSTEM)
    contact.refresh_from_db()
    return contact


def counts() -> tuple[int, int, int, int, tuple[int, ...]]:
    """Everything a refused action must leave as it was."""
    return (
        Person.objects.count(),
        AuditEntry.objects.count(),
        OutgoingEmail.objects.count(),
        LicenseAssignment.objects.count(),
        tuple(Subscription.objects.order_by("pk").values_list("seats_assigned", flat=True)),
    )
