"""Purchases whose payment outcome was unknown: "processing", then settled by the payments
reconciler, then completed exactly once by ``purchases_settle`` (or voided on a decline)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.billing.changes import plan_change
from seatwise.billing.invoice_payments import invoice_pay
from seatwise.billing.orders import seats_purchase
from seatwise.billing.settlement import STRAY_AFTER, purchases_settle
from seatwise.core.errors import Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import invoice_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.pricing.lines import preview_seat_addition
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
    plan,
)
from tests.payments.charging import reconcile_after_grace
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 3, 1)
ON = date(2026, 3, 11)
DECLINING_CARD = "4000000000000341"
BUSINESS = "goto-meeting-business-monthly"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def german_subscription(card: str = "4242424242424242") -> Subscription:
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account, card)
    return make_subscription(account, seats=5, term_start=TERM_START)


def reconcile() -> int:
    return reconcile_after_grace()


def buy(subscription: Subscription, key: str = "order-1"):
    return seats_purchase(
        subscription=subscription, seats_to_add=3, by=SYSTEM, idempotency_key=key, on=ON
    )


def upgrade(subscription: Subscription, key: str = "change-1"):
    return plan_change(
        subscription=subscription, new_plan=plan(BUSINESS), by=SYSTEM, idempotency_key=key, on=ON
    )


def test_a_processing_seat_purchase_is_completed_once_after_the_reconciler_settles_it():
    # Given a purchase whose charge went through at the gateway but timed out here
    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    pending = buy(subscription)
    assert pending.status == "processing"
    assert pending.invoice.status == "open"
    assert purchases_settle(by=SYSTEM) == 0  # the outcome is still unknown: nothing to do

    # When the reconciler asks the gateway, and the settlement job runs twice
    assert reconcile() == 1
    assert purchases_settle(by=SYSTEM) == 1
    assert purchases_settle(by=SYSTEM) == 0

    # Then the seats were added once, the invoice is paid, and the mails are queued once
    subscription.refresh_from_db()
    assert subscription.seats == 8
    pending.invoice.refresh_from_db()
    assert (pending.invoice.status, pending.invoice.paid_amount) == ("paid", Decimal("33.86"))
    assert AuditEntry.objects.filter(action="subscription.seats_add").count() == 1
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == ["invoice", "receipt"]

    # And the customer's own retry with the same key finds it done: no charge, no seats more
    retried = buy(subscription)
    assert retried.status == "completed"
    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2


def test_a_processing_upgrade_is_completed_once():
    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    assert upgrade(subscription).status == "processing"
    subscription.refresh_from_db()
    assert subscription.plan.code == "goto-meeting-standard-monthly"

    reconcile()
    assert purchases_settle(by=SYSTEM) == 1
    assert upgrade(subscription).status == "completed"  # the retry: nothing more
    assert purchases_settle(by=SYSTEM) == 0

    subscription.refresh_from_db()
    assert subscription.plan.code == BUSINESS
    assert Invoice.objects.get().status == "paid"
    assert AuditEntry.objects.filter(action="subscription.plan_change").count() == 1
    assert TestGatewayCharge.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2


def test_the_retry_first_then_the_job_completes_once():
    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    buy(subscription)

    # The customer retries before the reconciler ran: the retry asks the gateway itself
    assert buy(subscription).status == "completed"
    reconcile()
    assert purchases_settle(by=SYSTEM) == 0

    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert AuditEntry.objects.filter(action="subscription.seats_add").count() == 1


def test_a_processing_purchase_declined_at_the_gateway_is_voided_and_changes_nothing():
    subscription = german_subscription(card=DECLINING_CARD)
    set_test_gateway_mode("timeout_after_charge", times=1)
    pending = buy(subscription)
    assert pending.status == "processing"

    reconcile()
    assert purchases_settle(by=SYSTEM) == 1
    assert purchases_settle(by=SYSTEM) == 0

    pending.invoice.refresh_from_db()
    assert pending.invoice.status == "credited"
    note = Invoice.objects.get(kind="credit_note")
    assert (note.corrects_id, note.gross_total) == (pending.invoice.pk, Decimal("33.86"))
    subscription.refresh_from_db()
    assert subscription.seats == 5
    assert OutgoingEmail.objects.count() == 0
    assert buy(subscription).status == "declined"
    assert Invoice.objects.count() == 2


def test_an_invoice_whose_purchase_crashed_before_the_charge_is_voided_later():
    # Given a purchase that crashed right after issuing its invoice
    subscription = german_subscription()
    account = subscription.account
    tax = account_tax_decision(account=account, on=ON)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=3, on=ON, tax=tax)
    invoice = invoice_issue(
        account=account,
        lines=preview.lines,
        tax=tax,
        source="seats",
        by=SYSTEM,
        idempotency_key="order-1:invoice",
        issue_date=ON,
    )

    # Not yet: its purchase may still be on the way to the gateway
    assert purchases_settle(by=SYSTEM) == 0
    with time_machine.travel(timezone.now() + STRAY_AFTER + timedelta(seconds=1)):
        assert purchases_settle(by=SYSTEM) == 1

    invoice.refresh_from_db()
    assert invoice.status == "credited"
    # A late retry with the same key finds it voided and charges nothing
    assert buy(subscription).status == "not_attempted"
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 0
    subscription.refresh_from_db()
    assert subscription.seats == 5


def test_the_task_settles_purchases():
    from seatwise.billing.tasks import purchases_settle_task

    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    buy(subscription)
    reconcile()

    assert purchases_settle_task.call() == 1
    assert purchases_settle_task.call() == 0
    subscription.refresh_from_db()
    assert subscription.seats == 8


def test_pay_now_refuses_the_invoice_of_a_purchase_still_processing():
    # Given a seat purchase whose charge outcome is not known yet
    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    pending = buy(subscription)
    assert pending.status == "processing"
    charges_before = TestGatewayCharge.objects.count()

    # Paying its invoice now could charge twice: refused, nothing charged
    with pytest.raises(Refused) as refusal:
        invoice_pay(
            invoice=pending.invoice,
            amount=None,
            payment_method=subscription.account.payment_methods.get(),
            by=SYSTEM,
            idempotency_key="pay-now-form-1",
        )
    assert refusal.value.code == "nothing_due"
    assert TestGatewayCharge.objects.count() == charges_before
