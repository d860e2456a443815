"""A gateway that answers late never leaves a customer charged for nothing: a slow answer still
completes the purchase once; a payment reported after its purchase was voided is refunded,
audited and told; a credit note settled by refund really gives the money back, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.billing.refunds import credit_note_refund, late_payments_settle
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments import reconcile as reconcile_module
from seatwise.payments.gateways import test as test_gateway
from seatwise.payments.gateways.base import GatewayTimeout
from seatwise.payments.gateways.test import TestGateway, set_test_gateway_mode
from seatwise.payments.models import Charge, Refund, TestGatewayCharge, TestGatewayRefund
from seatwise.payments.reconcile import charges_reconcile
from seatwise.payments.services import call_grace
from seatwise.sales.runner import purchases_resume
from tests.billing.test_settlement import buy, german_subscription
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def every_minute_jobs() -> tuple[int, int, int]:
    """What the scheduler runs every minute, in its order."""
    return (
        charges_reconcile(by=SYSTEM),
        purchases_resume(by=SYSTEM),
        late_payments_settle(by=SYSTEM),
    )


def test_a_gateway_that_answers_after_70_seconds_charges_once_and_adds_the_seats(monkeypatch):
    subscription = german_subscription()
    set_test_gateway_mode("slow", times=1, delay_seconds=70)
    during_the_call: list[tuple[int, int, int]] = []

    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slow_call(seconds: float) -> None:
            # A minute into the call the scheduler's jobs run, as they do every minute.
            clock.shift(60)
            during_the_call.append(every_minute_jobs())
            clock.shift(seconds - 60)

        monkeypatch.setattr(test_gateway, "slow_call", slow_call)
        result = buy(subscription)

        assert during_the_call == [(0, 0, 0)]
        assert result.status == "completed"
        charge = Charge.objects.get()
        assert (charge.status, charge.attempts) == ("succeeded", 1)
        assert TestGatewayCharge.objects.count() == 1
        result.invoice.refresh_from_db()
        assert (result.invoice.status, result.invoice.paid_amount) == ("paid", Decimal("33.86"))
        subscription.refresh_from_db()
        assert subscription.seats == 8

        # Minutes later, nothing is left to do: no void, no refund, no second charge.
        clock.shift(call_grace().total_seconds() + 600)
        assert every_minute_jobs() == (0, 0, 0)
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert Refund.objects.count() == TestGatewayRefund.objects.count() == 0


def test_a_payment_the_gateway_reports_after_the_purchase_was_voided_is_refunded_and_told(
    monkeypatch,
):
    subscription = german_subscription()
    set_test_gateway_mode("slow", times=1, delay_seconds=80)

    def client_gives_up(seconds: float) -> None:
        # The gateway client's timeout passes before the gateway has taken the request.
        raise GatewayTimeout("no answer within the client's timeout")

    monkeypatch.setattr(test_gateway, "slow_call", client_gives_up)
    pending = buy(subscription)
    assert pending.status == "processing"
    charge = Charge.objects.get()
    assert charge.status == "unknown"

    start = timezone.now()
    with time_machine.travel(start + call_grace() + timedelta(seconds=1), tick=False) as clock:
        # After the grace the gateway knows nothing of the key: never made, the purchase is
        # voided by a credit note that settles nothing.
        assert every_minute_jobs() == (1, 1, 0)
        charge.refresh_from_db()
        assert charge.status == "not_attempted"
        note = Invoice.objects.get(kind="credit_note")
        assert (note.settlement, note.settlement_amount) == ("none", Decimal("0.00"))

        # Then the request the gateway had queued goes through after all.
        TestGateway()._charge_once(
            token=charge.payment_method.token,
            amount=charge.amount,
            currency=charge.currency,
            idempotency_key=charge.idempotency_key,
            description="",
        )
        # The reconciler asks again about a call it took for never made, a grace after it asked.
        clock.shift(call_grace().total_seconds() + 1)
        assert every_minute_jobs() == (1, 0, 1)
        clock.shift(60)
        assert every_minute_jobs() == (0, 0, 0)

    charge.refresh_from_db()
    assert charge.status == "succeeded"
    refund = Refund.objects.get()
    assert (refund.charge_id, refund.amount, refund.status) == (
        charge.pk,
        Decimal("33.86"),
        "succeeded",
    )
    gateway_refund = TestGatewayRefund.objects.get()
    assert (gateway_refund.charge_id, gateway_refund.amount) == (
        charge.gateway_charge_id,
        Decimal("33.86"),
    )
    subscription.refresh_from_db()
    assert subscription.seats == 5
    pending.invoice.refresh_from_db()
    assert (pending.invoice.status, pending.invoice.paid_amount) == ("credited", Decimal("0"))
    email = OutgoingEmail.objects.get(kind="refund")
    assert email.to_address == subscription.account.people.get().email
    assert "reached us when nothing was due for it any more" in email.body_text
    actions = list(
        AuditEntry.objects.filter(action__startswith="payment.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "payment.charge_succeeded_late",
        "payment.refund_succeeded",
        "payment.late_payment_refunded",
    ]


def paid_purchase():
    subscription = german_subscription()
    result = buy(subscription)
    assert result.status == "completed"
    result.invoice.refresh_from_db()
    return result.invoice


def test_a_credit_note_settled_by_refund_gives_the_money_back_through_the_gateway_once():
    invoice = paid_purchase()
    set_test_gateway_mode("fail", times=1)  # the gateway is down at first

    note = credit_note_issue(
        invoice=invoice,
        reason="Seats bought by mistake",
        settlement=Invoice.Settlement.REFUND,
        amount_net=Decimal("10.00"),
        by=SYSTEM,
        idempotency_key="support:credit-1",
    )
    first = credit_note_refund(credit_note=note, by=SYSTEM)

    assert (note.settlement, note.settlement_amount) == ("refund", Decimal("11.90"))
    assert [r.status for r in first] == ["not_attempted"]
    assert TestGatewayRefund.objects.count() == 0
    # The pipeline's resume job retries under the same key until the refund is made, once.
    later = timezone.now() + call_grace() + timedelta(seconds=1)
    assert purchases_resume(by=SYSTEM) == 0  # not before the grace
    assert purchases_resume(by=SYSTEM, now=later) == 1
    assert purchases_resume(by=SYSTEM, now=later) == 0
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.credit_note_id, refund.attempts) == (
        "succeeded",
        Decimal("11.90"),
        note.pk,
        2,
    )
    assert TestGatewayRefund.objects.get().amount == Decimal("11.90")
    assert OutgoingEmail.objects.filter(kind="refund").count() == 1
    assert "We refunded" in OutgoingEmail.objects.get(kind="refund").body_text


def test_a_refund_never_gives_back_more_than_the_charge_took():
    invoice = paid_purchase()
    full = credit_note_issue(
        invoice=invoice,
        reason="Cancelled",
        amount_net=invoice.net_total,
        settlement=Invoice.Settlement.REFUND,
        by=SYSTEM,
        idempotency_key="support:credit-all",
    )
    refunds = credit_note_refund(credit_note=full, by=SYSTEM)
    again = credit_note_refund(credit_note=full, by=SYSTEM)

    assert [r.amount for r in refunds] == [Decimal("33.86")]
    assert [r.pk for r in again] == [r.pk for r in refunds]
    assert TestGatewayRefund.objects.count() == 1
    assert reconcile_module.charges_reconcile(by=SYSTEM) == 0


def unpaid_invoice():
    from seatwise.invoicing.seller import account_tax_decision
    from seatwise.invoicing.services import invoice_issue
    from seatwise.pricing.lines import preview_seat_addition
    from tests.billing.test_settlement import ON

    subscription = german_subscription()
    tax = account_tax_decision(account=subscription.account, on=ON)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=3, on=ON, tax=tax)
    return invoice_issue(
        account=subscription.account, lines=preview.lines, tax=tax, source="seats", by=SYSTEM
    )


def test_a_pay_now_payment_settled_by_the_reconciler_is_recorded_with_its_receipt_once():
    from seatwise.billing.invoice_payments import invoice_pay

    invoice = unpaid_invoice()
    set_test_gateway_mode("timeout_after_charge", times=1)
    paying = invoice_pay(
        invoice=invoice,
        amount=None,
        payment_method=invoice.account.payment_methods.get(),
        by=SYSTEM,
        idempotency_key="pay-now-form-1",
    )
    assert paying.status == "processing"

    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1), tick=False):
        # The reconciler settles the charge; the pipeline's resume job records the payment
        assert every_minute_jobs() == (1, 1, 0)
        assert every_minute_jobs() == (0, 0, 0)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", invoice.gross_total)
    assert OutgoingEmail.objects.filter(kind="receipt").count() == 1
    assert Refund.objects.count() == 0


def test_a_pay_now_payment_reported_after_the_invoice_was_paid_otherwise_is_refunded():
    from seatwise.billing.invoice_payments import invoice_pay
    from seatwise.invoicing.services import invoice_record_payment

    invoice = unpaid_invoice()
    set_test_gateway_mode("timeout_after_charge", times=1)
    invoice_pay(
        invoice=invoice,
        amount=None,
        payment_method=invoice.account.payment_methods.get(),
        by=SYSTEM,
        idempotency_key="pay-now-form-1",
    )
    # Meanwhile the customer paid by bank transfer.
    invoice_record_payment(
        invoice=invoice, amount=invoice.gross_total, reference="bank:1", by=SYSTEM
    )

    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1), tick=False):
        # Settled; the payment finds nothing left to pay and ends unrecorded; refunded
        assert every_minute_jobs() == (1, 1, 1)
        assert every_minute_jobs() == (0, 0, 0)

    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", invoice.gross_total)
    assert TestGatewayRefund.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", invoice.gross_total)
    assert OutgoingEmail.objects.filter(kind="refund").count() == 1


def test_a_refund_whose_answer_never_came_is_settled_by_asking_the_gateway_never_twice():
    invoice = paid_purchase()
    set_test_gateway_mode("timeout_after_charge", times=1)  # refunded, then no answer

    note = credit_note_issue(
        invoice=invoice,
        reason="Seats bought by mistake",
        settlement=Invoice.Settlement.REFUND,
        amount_net=Decimal("10.00"),
        by=SYSTEM,
        idempotency_key="support:credit-timeout",
    )
    first = credit_note_refund(credit_note=note, by=SYSTEM)

    assert [r.status for r in first] == ["unknown"]
    assert TestGatewayRefund.objects.count() == 1
    # Within the grace nobody asks; after it the reconciler asks and records the refund.
    assert charges_reconcile(by=SYSTEM) == 0
    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1), tick=False):
        assert charges_reconcile(by=SYSTEM) == 1
        # The resume job records it and tells the customer, once
        assert purchases_resume(by=SYSTEM) == 1
        assert purchases_resume(by=SYSTEM) == 0
        assert late_payments_settle(by=SYSTEM) == 0
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", Decimal("11.90"))
    assert TestGatewayRefund.objects.count() == 1
    # The customer is told once, though the reconciler, not the caller, saw it succeed.
    assert OutgoingEmail.objects.filter(kind="refund").count() == 1


def test_the_every_minute_search_reads_the_charges_of_the_window_by_their_index():
    """Every minute, however many charges and purchases there are: only the charges that
    succeeded in the window are read, through their index, and each is looked up in the
    purchases by index (never a scan of either table)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_account, make_card

    # A table of many charges, all settled long before the window: the planner must find the
    # window's few by their index (on an empty table PostgreSQL may as well walk the primary
    # key and filter: the same cost for no rows).
    card = make_card(make_account())
    long_ago = timezone.now() - timedelta(days=400)
    Charge.objects.bulk_create(
        Charge(
            account_id=card.account_id,
            payment_method=card,
            gateway="test",
            amount=Decimal("10.00"),
            currency="EUR",
            idempotency_key=f"old-charge-{n}",
            purpose="test",
            status=Charge.Status.SUCCEEDED,
            settled_at=long_ago + timedelta(minutes=n),
        )
        for n in range(2000)
    )
    with CaptureQueriesContext(connection) as queries:
        late_payments_settle(by=SYSTEM)
    [search] = [q["sql"] for q in queries if 'FROM "payments_charge"' in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE payments_charge")
            cursor.execute("SET LOCAL enable_seqscan = off")  # the plan of a big table
            cursor.execute(f"EXPLAIN {search}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {search}")
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "charge_settled_idx" in plan, plan
    assert "SCAN" not in plan.replace("Index Scan", "").replace("Index Only Scan", ""), plan
    assert "Seq Scan" not in plan, plan
