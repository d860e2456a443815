"""The support console's account reads (seatwise.support.selectors): the overview of an
account in a fixed number of queries and its people page by page (its audit trail's reads:
tests/audit/test_selectors.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatwise.accounts.models import CorporateCredential
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue
from seatwise.ordering.models import Quote
from seatwise.ordering.services import quote_accept
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.payments.services import payment_method_add
from seatwise.subscriptions.services import license_assign
from seatwise.support import selectors
from seatwise.support.models import Case
from seatwise.support.selectors import CardOnFile, account_overview, account_people_page
from tests.factories import SYSTEM, billing_contact, make_account, make_person
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.ordering.helpers import checkout, corporate, quote_for
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

REMOVED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def case(account, number: str, subject: str, status: str = Case.Status.OPEN) -> Case:
    return Case.objects.create(
        number=number,
        topic=Case.Topic.BILLING,
        status=status,
        account=account,
        requester_name="Bill Contact",
        requester_email="bill@example.com",
        requester_language="en",
        subject=subject,
        resolution=Case.Resolution.ANSWERED if status == Case.Status.CLOSED else "",
    )


@pytest.fixture
def small():
    """A corporate account with three people, three subscriptions (one seat assigned), a card
    and a removed one, an invoice and its credit note, an order and an open quote, two cases."""
    ensure_eu_vat_rates()
    c = corporate()
    contact = billing_contact(c.account)
    admin = make_person(c.account, admin=True)
    user = make_person(c.account)
    license_assign(subscription=c.meeting, person=user, by=SYSTEM)
    old_card = payment_method_add(
        account=c.account,
        card=CardDetails(
            number="5555555555554444",
            exp_month=12,
            exp_year=date.today().year + 2,
            cvc="123",
            holder_name="Bill Contact",
        ),
        make_default=False,
        by=SYSTEM,
    )
    PaymentMethod.objects.filter(pk=old_card.pk).update(removed_at=REMOVED_AT)
    invoice = invoice_issue(
        account=c.account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=Invoice.Source.PURCHASE,
        by=SYSTEM,
        issue_date=date(2026, 3, 1),
    )
    note = credit_note_issue(
        invoice=invoice,
        reason="Goodwill",
        settlement="none",
        amount_net=Decimal("10.00"),
        by=SYSTEM,
        issue_date=date(2026, 3, 2),
    )
    accepted = quote_accept(quote=quote_for(c), by=SYSTEM)
    order = checkout(accepted, c)
    open_quote = quote_for(c, meeting=1, training=1)
    first = case(c.account, "CS-000101", "Invoice question", Case.Status.CLOSED)
    second = case(c.account, "CS-000102", "Add seats")
    case(make_account(), "CS-000103", "Someone else's")
    return {
        "c": c,
        "people": (contact, admin, user),
        "old_card": old_card,
        "documents": (note, invoice),
        "order": order,
        "open_quote": open_quote,
        "cases": (second, first),
    }


def test_the_overview_of_a_small_account_holds_everything_in_nine_queries(
    small, django_assert_num_queries
):
    c = small["c"]
    contact, admin, user = small["people"]
    # When
    with django_assert_num_queries(9):
        o = account_overview(account_id=c.account.pk)
    # Then
    assert o is not None
    assert o.account == c.account
    assert o.corporate_credential == CorporateCredential.objects.get(account=c.account)
    assert o.billing_contact == contact
    assert [(p, p.is_billing_contact, p.is_account_admin) for p in o.people] == [
        (contact, True, True),
        (admin, False, True),
        (user, False, False),
    ]
    assert o.people_next is None
    assert [
        (s.product.name, s.plan.code, s.seats, s.seats_assigned, s.status)
        for s in o.subscriptions
    ] == [
        ("GoToAssist Remote Support v5", "gotoassist-remote-support-v5-standard-monthly", 2, 0,
         "active"),
        ("GoTo Training", "goto-training-business-yearly", 3, 0, "active"),
        ("GoTo Meeting", "goto-meeting-standard-monthly", 5, 1, "active"),
    ]  # fmt: skip
    assert o.subscriptions_more is False
    note, invoice = small["documents"]
    assert [(d.number, d.kind, d.gross_total, d.corrects) for d in o.invoices] == [
        (note.number, "credit_note", Decimal("11.90"), invoice),
        ("INV-2026-000001", "invoice", Decimal("83.30"), None),
    ]
    assert o.invoices_more is False
    year = date.today().year + 2
    assert o.payment_methods == (
        CardOnFile(
            id=small["old_card"].pk,
            brand_label="Mastercard",
            last4="4444",
            expiry=f"12/{year % 100:02d}",
            holder_name="Bill Contact",
            is_default=False,
            is_automatic=True,
            removed_at=REMOVED_AT,
        ),
        CardOnFile(
            id=c.card.pk,
            brand_label="Visa",
            last4="4242",
            expiry=f"12/{year % 100:02d}",
            holder_name="Bill Contact",
            is_default=True,
            is_automatic=True,
            removed_at=None,
        ),
    )
    assert [card.is_removed for card in o.payment_methods] == [True, False]
    assert o.payment_methods_more is False
    assert o.open_quotes == (small["open_quote"],)
    assert o.open_quotes[0].status == Quote.Status.OPEN
    assert o.service_orders == (small["order"],)
    assert o.service_orders_more is False
    assert o.cases == small["cases"]
    assert [(x.number, x.status) for x in o.cases] == [
        ("CS-000102", "open"),
        ("CS-000101", "closed"),
    ]
    assert o.cases_more is False


def test_the_overview_never_reads_a_card_token(small):
    with CaptureQueriesContext(connection) as queries:
        o = account_overview(account_id=small["c"].account.pk)
    assert o is not None
    assert {f.name for f in dataclasses.fields(CardOnFile)} == {
        "id",
        "brand_label",
        "last4",
        "expiry",
        "holder_name",
        "is_default",
        "is_automatic",
        "removed_at",
    }
    card_queries = [
        q["sql"] for q in queries.captured_queries if "payments_paymentmethod" in q["sql"]
    ]
    assert len(card_queries) == 1
    assert "token" not in card_queries[0]
    assert "gateway" not in card_queries[0]
    assert all(not hasattr(card, "token") for card in o.payment_methods)


def test_each_list_says_when_more_rows_exist(small, monkeypatch):
    for name in (
        "PEOPLE",
        "SUBSCRIPTIONS",
        "INVOICES",
        "PAYMENT_METHODS",
        "SERVICE_ORDERS",
        "CASES",
    ):
        monkeypatch.setattr(selectors, f"{name}_SHOWN", 1)
    o = account_overview(account_id=small["c"].account.pk)
    assert o is not None
    contact, _admin, _user = small["people"]
    assert o.people == (contact,)
    assert o.people_next == contact.pk
    assert o.subscriptions == (small["c"].remote,)
    assert o.invoices == (small["documents"][0],)
    assert o.payment_methods[0].id == small["old_card"].pk
    assert o.cases == (small["cases"][0],)
    assert (o.subscriptions_more, o.invoices_more, o.payment_methods_more, o.cases_more) == (
        True,
        True,
        True,
        True,
    )
    assert o.service_orders_more is False  # one order


def test_no_overview_of_a_missing_account(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert account_overview(account_id=999_999_999) is None


def test_the_people_of_an_account_page_by_page():
    account = make_account()
    contact = billing_contact(account)
    second, third = make_person(account), make_person(account)
    make_person(make_account())  # someone else's
    assert account_people_page(account_id=account.pk, after=None, limit=2) == (
        [contact, second],
        second.pk,
    )
    assert account_people_page(account_id=account.pk, after=second.pk, limit=2) == ([third], None)
