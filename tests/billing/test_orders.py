"""Buying seats mid-term: preview → invoice → charge → seats, exactly once per key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from seatwise.billing.orders import seats_purchase
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.pricing.lines import preview_seat_addition
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
    make_subscription,
)
from tests.sales.crashing import crash_after
from tests.tax.data import ensure_eu_vat_rates

TERM_START = date(2026, 3, 1)  # a 31-day term: [2026-03-01, 2026-04-01)
ON = date(2026, 3, 11)  # 21 days left
DECLINING_CARD = "4000000000000341"


@pytest.fixture(autouse=True)
def _reference_data(request):
    if "django_db" in {mark.name for mark in request.node.iter_markers()}:
        ensure_default_catalog()
        ensure_eu_vat_rates()


def german_subscription(*, card: str = "4242424242424242", language: str = "en") -> Subscription:
    account = make_account(country="DE", currency="EUR", language=language)
    make_card(account, card)
    make_person(account, admin=True)  # an admin who must get no billing e-mail
    return make_subscription(account, seats=5, term_start=TERM_START)


def buy(subscription: Subscription, *, key: str = "order-1", seats: int = 3):
    return seats_purchase(
        subscription=subscription, seats_to_add=seats, by=SYSTEM, idempotency_key=key, on=ON
    )


@pytest.mark.django_db(transaction=True)
def test_purchase_invoices_the_preview_charges_it_adds_seats_and_mails_the_pdfs(
    smtp_server, run_worker
):
    # Given 5 seats of GoTo Meeting Standard (14.00 EUR a month) for a German consumer
    subscription = german_subscription()
    tax = account_tax_decision(account=subscription.account, on=ON)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=3, on=ON, tax=tax)

    # When 3 seats are bought with 21 of 31 days left
    purchase = buy(subscription)

    # Then the invoice shows the preview to the cent: 14 × 3 × 21/31 = 28.45, VAT 19 % 5.41
    assert (preview.totals.net, preview.totals.tax, preview.totals.gross) == (
        Decimal("28.45"),
        Decimal("5.41"),
        Decimal("33.86"),
    )
    invoice = purchase.invoice
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("28.45"),
        Decimal("5.41"),
        Decimal("33.86"),
    )
    assert (invoice.status, invoice.paid_amount, invoice.source) == (
        "paid",
        Decimal("33.86"),
        "seats",
    )
    assert purchase.status == "completed"
    assert purchase.message == "The seats were added."
    assert (purchase.charge.status, purchase.charge.amount) == ("succeeded", Decimal("33.86"))
    subscription.refresh_from_db()
    assert subscription.seats == 8

    # And the billing contact, and no one else, gets the invoice and the receipt with PDFs
    run_worker()
    contact = billing_contact(subscription.account)
    received = sorted(
        (
            recipients,
            message["Subject"],
            [part.get_filename() for part in message.iter_attachments()],
            [part.get_content()[:4] for part in message.iter_attachments()],
        )
        for recipients, message in smtp_server.messages
    )
    receipt_number = f"RCT-{purchase.charge.settled_at.year}-{purchase.charge.pk:06d}"
    assert received == [
        (
            [contact.email],
            f"Your Seatwise invoice {invoice.number}",
            [f"{invoice.number}.pdf"],
            [b"%PDF"],
        ),
        (
            [contact.email],
            f"Your Seatwise payment receipt {receipt_number}",
            [f"{receipt_number}.pdf"],
            [b"%PDF"],
        ),
    ]


@pytest.mark.django_db
def test_decline_voids_the_invoice_by_a_credit_note_adds_no_seats_and_sends_nothing():
    subscription = german_subscription(card=DECLINING_CARD)

    purchase = buy(subscription)

    assert purchase.status == "declined"
    assert purchase.message == "The card was declined. Use another card or ask your bank."
    # The decline rule (billing.orders): no stray open invoice; a full credit note voids it.
    assert (purchase.invoice.status, purchase.invoice.paid_amount) == (
        "credited",
        Decimal("0.00"),
    )
    note = Invoice.objects.get(corrects=purchase.invoice)
    assert note.gross_total == purchase.invoice.gross_total
    subscription.refresh_from_db()
    assert subscription.seats == 5
    assert OutgoingEmail.objects.count() == 0


@pytest.mark.django_db
def test_same_key_twice_one_invoice_one_charge_seats_once():
    subscription = german_subscription()

    first = buy(subscription)
    second = buy(subscription)

    assert first.invoice.pk == second.invoice.pk
    assert first.charge.pk == second.charge.pk
    assert second.status == "completed"
    assert Invoice.objects.filter(account=subscription.account).count() == 1
    assert Charge.objects.count() == 1
    assert TestGatewayCharge.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == ["invoice", "receipt"]


@pytest.mark.django_db
def test_a_crash_after_the_charge_is_completed_once_by_the_retry(monkeypatch):
    # Given a purchase that crashed after the gateway charged: invoice issued, charge
    # succeeded, but no payment recorded and no seats added
    subscription = german_subscription()
    with crash_after(monkeypatch, "charged"):
        buy(subscription)
    invoice = Invoice.objects.get()
    assert (invoice.status, subscription.seats) == ("open", 5)

    # When the purchase is retried with the same key, twice
    retried = buy(subscription)
    buy(subscription)

    # Then it completed exactly once
    assert retried.status == "completed"
    assert retried.invoice.pk == invoice.pk
    assert Invoice.objects.filter(account=subscription.account).count() == 1
    assert TestGatewayCharge.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", Decimal("33.86"))
    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert OutgoingEmail.objects.count() == 2


@pytest.mark.django_db
def test_unknown_outcome_is_processing_and_a_retry_after_settling_completes():
    from seatwise.payments.gateways.test import set_test_gateway_mode

    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)

    pending = buy(subscription)

    assert pending.status == "processing"
    subscription.refresh_from_db()
    assert subscription.seats == 5
    assert OutgoingEmail.objects.count() == 0

    # The retry asks the gateway (never charges again) and completes the purchase.
    done = buy(subscription)
    assert done.status == "completed"
    assert TestGatewayCharge.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.seats == 8
