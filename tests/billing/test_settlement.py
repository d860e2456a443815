"""Purchases whose payment outcome was unknown: "processing", then settled by the payments
reconciler, then completed exactly once by the pipeline's resume job (or voided on a
decline)."""

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
from seatwise.core.errors import Refused
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchases_resume
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
from tests.sales.crashing import crash_after
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


def resume() -> int:
    """The resume job as it runs once the purchase's caller may have given up."""
    return purchases_resume(by=SYSTEM, now=timezone.now() + call_grace())


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
    # Left alone while a gateway call of its caller may still be under way
    assert purchases_resume(by=SYSTEM) == 0

    # When the reconciler asks the gateway, and the settlement job runs twice
    assert reconcile() == 1
    assert resume() == 1
    assert resume() == 0

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
    assert resume() == 1
    assert upgrade(subscription).status == "completed"  # the retry: nothing more
    assert resume() == 0

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
    assert resume() == 0

    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert AuditEntry.objects.filter(action="subscription.seats_add").count() == 1


def test_a_processing_purchase_declined_at_the_gateway_is_voided_and_changes_nothing():
    subscription = german_subscription(card=DECLINING_CARD)
    set_test_gateway_mode("timeout_after_charge", times=1)
    pending = buy(subscription)
    assert pending.status == "processing"

    reconcile()
    assert resume() == 1
    assert resume() == 0

    pending.invoice.refresh_from_db()
    assert pending.invoice.status == "credited"
    note = Invoice.objects.get(kind="credit_note")
    assert (note.corrects_id, note.gross_total) == (pending.invoice.pk, Decimal("33.86"))
    subscription.refresh_from_db()
    assert subscription.seats == 5
    assert OutgoingEmail.objects.count() == 0
    assert buy(subscription).status == "declined"
    assert Invoice.objects.count() == 2


def test_a_purchase_whose_caller_crashed_after_the_invoice_is_completed_once(monkeypatch):
    # Given a purchase whose caller crashed right after its invoice was issued
    subscription = german_subscription()
    with crash_after(monkeypatch, "invoiced"):
        buy(subscription)
    invoice = Invoice.objects.get()
    assert (invoice.status, Charge.objects.count()) == ("open", 0)

    # Not yet: its caller may still be on the way to the gateway
    assert purchases_resume(by=SYSTEM) == 0
    assert TestGatewayCharge.objects.count() == 0
    # Once the caller may have given up, the resume job charges and completes it, once
    assert resume() == 1
    assert resume() == 0

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", Decimal("33.86"))
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.seats == 8
    # A late retry with the same key finds it done and charges nothing more
    assert buy(subscription).status == "completed"
    assert TestGatewayCharge.objects.count() == 1
    assert Purchase.objects.get().step == "completed"


def test_the_task_settles_purchases():
    from seatwise.sales.tasks import purchases_resume_task

    subscription = german_subscription()
    set_test_gateway_mode("timeout_after_charge", times=1)
    buy(subscription)
    reconcile()

    assert purchases_resume_task.call() == 0  # its caller's time is not over yet
    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1)):
        assert purchases_resume_task.call() == 1
        assert purchases_resume_task.call() == 0
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
