"""Account page and overview."""

from __future__ import annotations

import pytest

from seatwise.subscriptions.services import license_assign
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def test_account_page_shows_name_kind_and_billing_contact(signed_in, account):
    contact = billing_contact(account)

    page = signed_in.get("/admin-center/account/").content.decode()

    assert "Acme Online" in page
    assert "<dd>Online</dd>" in page
    assert f"{contact.full_name} (" in page
    assert f'href="mailto:{contact.email}"' in page


def test_account_page_of_a_corporate_account(client):
    account = make_account(kind="corporate", language="en", name="Big Corp")
    client.force_login(billing_contact(account))

    page = client.get("/admin-center/account/").content.decode()

    assert "<dd>Corporate</dd>" in page
    assert "Corporate Billing Portal" in page


def test_overview_counts_users_admins_and_suspended(signed_in, account):
    meeting = make_subscription(account, seats=5)
    holder = make_person(account)
    make_person(account)
    license_assign(subscription=meeting, person=holder, by=SYSTEM)

    response = signed_in.get("/admin-center/")

    counts = response.context["counts"]
    # billing contact + admin + holder + idle user; only the holder holds a product.
    assert (counts.total, counts.admins, counts.suspended) == (4, 2, 3)
    assert "GoTo Meeting" in response.content.decode()
