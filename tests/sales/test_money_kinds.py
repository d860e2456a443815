"""The crash test of the sales pipeline for the kinds that issue no invoice of their own: Pay
Now (a payment of an open invoice) and a refund (money a credit note gives back). Crashed right
after any step, each is completed exactly once by the resume job: one gateway call, the
payment or refund recorded once, the customer told once, each step audited once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.billing.invoice_payments import invoice_pay
from seatwise.billing.orders import seats_purchase
from seatwise.billing.refunds import credit_note_refund
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Refund, TestGatewayCharge, TestGatewayRefund
from seatwise.payments.services import call_grace
from seatwise.sales.models import STEPS, Purchase
from seatwise.sales.runner import purchases_resume
from tests.corporate.helpers import corporate_account, issue_invoice
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.sales.crashing import crash_after
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

CRASH_STEPS = [step for step in STEPS if step != "completed"]


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def resume_until_done() -> None:
    later = timezone.now() + call_grace()
    assert purchases_resume(by=SYSTEM) == 0  # its caller's time is not over yet
    assert purchases_resume(by=SYSTEM, now=later) == 1
    assert purchases_resume(by=SYSTEM, now=later) == 0


def assert_steps_audited_once(kind: str) -> None:
    purchase = Purchase.objects.get(kind=kind)
    assert (purchase.status, purchase.step) == ("completed", "completed")
    actions = list(
        AuditEntry.objects.filter(action__startswith="purchase.", object_id=str(purchase.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["purchase.started", *(f"purchase.{step}" for step in STEPS)]


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_pay_now_crashed_after_each_step_is_paid_once(monkeypatch, step):
    account = corporate_account(language="en")
    card = make_card(account, "4242424242424242")
    invoice, _ = issue_invoice(account)

    with crash_after(monkeypatch, step):
        invoice_pay(
            invoice=invoice,
            amount=None,
            payment_method=card,
            by=SYSTEM,
            idempotency_key="pay-now-form-1",
        )
    resume_until_done()

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", Decimal("83.30"))
    assert TestGatewayCharge.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="receipt").count() == 1
    assert_steps_audited_once("pay_now")


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_a_refund_crashed_after_each_step_gives_the_money_back_once(monkeypatch, step):
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account, "4242424242424242")
    subscription = make_subscription(account, seats=5, term_start=date(2026, 3, 1))
    bought = seats_purchase(
        subscription=subscription,
        seats_to_add=3,
        by=SYSTEM,
        idempotency_key="k-1",
        on=date(2026, 3, 11),
    )
    note = credit_note_issue(
        invoice=bought.invoice,
        reason="Seats bought by mistake",
        settlement=Invoice.Settlement.REFUND,
        amount_net=Decimal("10.00"),
        by=SYSTEM,
        idempotency_key="support:credit-1",
    )

    with crash_after(monkeypatch, step):
        credit_note_refund(credit_note=note, by=SYSTEM)
    resume_until_done()

    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.credit_note_id) == (
        "succeeded",
        Decimal("11.90"),
        note.pk,
    )
    assert TestGatewayRefund.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="refund").count() == 1
    assert_steps_audited_once("refund")
