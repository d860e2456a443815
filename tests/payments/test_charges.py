"""charge_card: one gateway charge per idempotency key, every outcome recorded."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.payments.gateways.base import (
    CardDetails,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
)
from seatwise.payments.gateways.test import TestGateway, set_test_gateway_mode
from seatwise.payments.models import (
    Charge,
    PaymentMethod,
    TestGatewayCard,
    TestGatewayCharge,
)
from seatwise.payments.reconcile import charges_reconcile
from seatwise.payments.selectors import charge_get, charges_for_invoice
from seatwise.payments.services import call_grace, charge_card, payment_method_add
from tests.dbdump import dump_all_rows
from tests.factories import SYSTEM, make_account, make_card
from tests.payments.charging import added_rows, charge, reconcile_after_grace, row_counts

pytestmark = pytest.mark.django_db

CHARGE_ROWS = {"payments_charge": 1, "payments_testgatewaycharge": 1, "audit_auditentry": 1}


def test_successful_charge_is_recorded_with_its_audit_entry():
    method = make_card(make_account())
    before = row_counts()

    result = charge(method, key="order-1", amount="49.90", invoice_id=77)

    assert (result.status, result.amount, result.currency, result.attempts) == (
        "succeeded",
        Decimal("49.90"),
        "EUR",
        1,
    )
    assert result.gateway_charge_id.startswith("ch_")
    assert result.settled_at is not None
    assert added_rows(before, row_counts()) == CHARGE_ROWS
    gateway_row = TestGatewayCharge.objects.get()
    assert (gateway_row.idempotency_key, gateway_row.amount, gateway_row.status) == (
        "order-1",
        Decimal("49.90"),
        "succeeded",
    )
    entry = AuditEntry.objects.get(action="payment.charge_succeeded")
    assert (entry.object_id, entry.account_id, entry.new["amount"], entry.new["invoice_id"]) == (
        str(result.pk),
        method.account_id,
        "49.90",
        77,
    )
    assert charge_get(result.pk) == result
    assert charges_for_invoice(77) == [result]
    with translation.override("en"):
        assert result.message == "The payment was successful."


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        (
            "4000000000000341",
            "card_declined",
            "The card was declined. Use another card or ask your bank.",
        ),
        (
            "4000000000009995",
            "insufficient_funds",
            "The card was declined for insufficient funds. Use another card or ask your bank.",
        ),
    ],
)
def test_declined_charge_changes_nothing_but_its_own_rows(number, code, message):
    method = make_card(make_account(), number=number)
    before = row_counts()

    result = charge(method)

    assert (result.status, result.decline_code, result.settled_at is not None) == (
        "declined",
        code,
        True,
    )
    with translation.override("en"):
        assert result.message == message
    assert added_rows(before, row_counts()) == CHARGE_ROWS
    assert AuditEntry.objects.filter(action="payment.charge_declined").count() == 1
    assert TestGatewayCharge.objects.get().status == "declined"


def test_expired_card_is_declined_with_its_message():
    method = make_card(make_account())
    last_year = timezone.now().year - 1
    TestGatewayCard.objects.filter(token=method.token).update(exp_year=last_year)

    result = charge(method)

    assert (result.status, result.decline_code) == ("declined", "expired_card")
    with translation.override("en"):
        assert result.message == "This card has expired."


def test_same_key_twice_charges_once_and_returns_the_same_charge():
    method = make_card(make_account())
    first = charge(method, key="renewal-9")
    audit_before = AuditEntry.objects.count()

    second = charge(method, key="renewal-9")

    assert (second.pk, second.status, second.attempts) == (first.pk, "succeeded", 1)
    assert TestGatewayCharge.objects.count() == 1
    assert Charge.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_a_declined_key_stays_declined_on_retry():
    method = make_card(make_account(), number="4000000000000341")
    first = charge(method, key="k")

    second = charge(method, key="k")

    assert (second.pk, second.status) == (first.pk, "declined")
    assert TestGatewayCharge.objects.count() == 1


def test_same_key_for_another_amount_is_refused_and_changes_nothing():
    method = make_card(make_account())
    charge(method, key="k", amount="10.00")
    before = row_counts()

    with pytest.raises(Refused) as refusal:
        charge(method, key="k", amount="11.00")

    assert refusal.value.code == "idempotency_key_reused"
    assert added_rows(before, row_counts()) == {}


def test_gateway_refuses_a_reused_key_with_another_amount():
    method = make_card(make_account())
    gateway = TestGateway()
    gateway.charge(
        token=method.token,
        amount=Decimal("5.00"),
        currency="EUR",
        idempotency_key="k",
        description="",
    )

    with pytest.raises(IdempotencyKeyReused):
        gateway.charge(
            token=method.token,
            amount=Decimal("6.00"),
            currency="EUR",
            idempotency_key="k",
            description="",
        )
    assert TestGatewayCharge.objects.count() == 1


def test_timeout_after_charging_leaves_unknown_then_reconciler_settles_without_charging():
    method = make_card(make_account())
    set_test_gateway_mode("timeout_after_charge", times=1)

    result = charge(method, key="k")

    assert result.status == "unknown"
    assert result.settled_at is None
    assert TestGatewayCharge.objects.count() == 1
    with translation.override("en"):
        assert result.message.startswith("The payment service did not answer in time.")

    settled = reconcile_after_grace()

    result.refresh_from_db()
    assert (settled, result.status, result.attempts) == (1, "succeeded", 2)
    assert result.gateway_charge_id == TestGatewayCharge.objects.get().charge_id
    assert TestGatewayCharge.objects.count() == 1
    assert list(
        AuditEntry.objects.filter(object_type="payments.charge", object_id=str(result.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["payment.charge_unknown", "payment.charge_succeeded"]


def test_retry_of_an_unknown_charge_asks_the_gateway_instead_of_charging():
    method = make_card(make_account())
    set_test_gateway_mode("timeout_after_charge")  # every charge call times out after charging
    first = charge(method, key="k")

    second = charge(method, key="k")

    assert (first.status, second.pk, second.status) == ("unknown", first.pk, "succeeded")
    assert TestGatewayCharge.objects.count() == 1


def test_reconciler_never_calls_charge(monkeypatch):
    method = make_card(make_account())
    set_test_gateway_mode("fail", times=1)
    charge(method, key="a")
    Charge.objects.filter(idempotency_key="a").update(status="unknown")

    def forbidden(self, **kwargs):
        raise AssertionError("the reconciler charged")

    monkeypatch.setattr(TestGateway, "charge", forbidden)
    settled = reconcile_after_grace()

    assert settled == 1
    assert Charge.objects.get(idempotency_key="a").status == "not_attempted"
    assert TestGatewayCharge.objects.count() == 0


def test_unreachable_gateway_is_not_attempted_then_a_retry_charges_once():
    method = make_card(make_account())
    set_test_gateway_mode("fail", times=1)

    first = charge(method, key="k")

    assert (first.status, TestGatewayCharge.objects.count()) == ("not_attempted", 0)
    with translation.override("en"):
        assert first.message == (
            "The payment service could not be reached. Nothing was charged; please try again later."
        )
    assert reconcile_after_grace() == 0  # nothing unknown: not_attempted is certain

    second = charge(method, key="k")

    assert (second.pk, second.status, second.attempts) == (first.pk, "succeeded", 2)
    assert TestGatewayCharge.objects.count() == 1


def test_slow_gateway_answers_after_the_delay():
    method = make_card(make_account())
    set_test_gateway_mode("slow", times=1, delay_seconds=0.3)
    started = time.monotonic()

    result = charge(method)

    assert time.monotonic() - started >= 0.3
    assert result.status == "succeeded"
    assert charge(method, key="next").status == "succeeded"


def test_gateway_mode_counts_down_to_normal():
    method = make_card(make_account())
    gateway = TestGateway()
    set_test_gateway_mode("fail", times=2)
    kwargs = {"token": method.token, "amount": Decimal("1.00"), "currency": "EUR"}

    for key in ("a", "b"):
        with pytest.raises(GatewayUnavailable):
            gateway.charge(idempotency_key=key, description="", **kwargs)
    result = gateway.charge(idempotency_key="c", description="", **kwargs)

    assert result.status == "succeeded"
    set_test_gateway_mode("timeout_after_charge", times=1)
    with pytest.raises(GatewayTimeout):
        gateway.charge(idempotency_key="d", description="", **kwargs)
    assert gateway.retrieve_charge(idempotency_key="d") is not None
    assert gateway.retrieve_charge(idempotency_key="never") is None


def _crashed_pending(method: PaymentMethod, *, key: str, minutes_ago: int = 5) -> Charge:
    """The row a worker leaves when killed after step 1 (the claim) and before step 3."""
    return Charge.objects.create(
        account=method.account,
        payment_method=method,
        gateway="test",
        amount=Decimal("49.90"),
        currency="EUR",
        idempotency_key=key,
        purpose="order",
        status="pending",
        attempts=1,
        attempted_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_crash_before_the_gateway_call_retry_charges_once():
    method = make_card(make_account())
    left = _crashed_pending(method, key="k")

    result = charge(method, key="k")

    assert (result.pk, result.status, result.attempts) == (left.pk, "succeeded", 2)
    assert TestGatewayCharge.objects.count() == 1


def test_crash_after_the_gateway_charged_retry_does_not_charge_again():
    method = make_card(make_account())
    left = _crashed_pending(method, key="k")
    TestGateway().charge(
        token=method.token,
        amount=Decimal("49.90"),
        currency="EUR",
        idempotency_key="k",
        description="",
    )

    result = charge(method, key="k")

    assert (result.pk, result.status) == (left.pk, "succeeded")
    assert TestGatewayCharge.objects.count() == 1


def test_crashed_pending_charge_is_settled_by_the_reconciler():
    method = make_card(make_account())
    charged = _crashed_pending(method, key="charged")
    TestGateway().charge(
        token=method.token,
        amount=Decimal("49.90"),
        currency="EUR",
        idempotency_key="charged",
        description="",
    )
    never_sent = _crashed_pending(method, key="never-sent")
    in_flight = _crashed_pending(method, key="in-flight", minutes_ago=0)

    settled = charges_reconcile(by=SYSTEM)

    statuses = dict(Charge.objects.values_list("idempotency_key", "status"))
    assert settled == 2
    assert statuses == {
        "charged": "succeeded",
        "never-sent": "not_attempted",
        "in-flight": "pending",
    }
    assert TestGatewayCharge.objects.count() == 1
    assert charges_reconcile(by=SYSTEM) == 0  # idempotent
    assert (charged.pk, never_sent.pk, in_flight.pk) == tuple(
        Charge.objects.filter(idempotency_key__in=["charged", "never-sent", "in-flight"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_a_charge_in_flight_is_returned_without_calling_the_gateway():
    method = make_card(make_account())
    left = _crashed_pending(method, key="k", minutes_ago=0)

    result = charge(method, key="k")

    assert (result.pk, result.status, result.attempts) == (left.pk, "pending", 1)
    assert TestGatewayCharge.objects.count() == 0


def _one_time_card(account) -> PaymentMethod:
    return payment_method_add(
        account=account,
        card=CardDetails(
            number="5555555555554444",
            exp_month=12,
            exp_year=timezone.now().year + 2,
            cvc="123",
            holder_name="Ada",
        ),
        is_automatic=False,
        make_default=False,
        by=SYSTEM,
    )


def test_one_time_card_is_charged_when_the_caller_says_so():
    method = _one_time_card(make_account())

    result = charge(method, one_time=True)

    assert result.status == "succeeded"


def test_non_automatic_card_is_refused_for_automatic_charges_and_nothing_changes():
    method = _one_time_card(make_account())
    before = row_counts()

    with pytest.raises(Refused) as refusal, translation.override("en"):
        charge(method)

    assert refusal.value.code == "payment_method_not_automatic"
    with translation.override("en"):
        assert str(refusal.value.message) == (
            "This card was given for a single payment and cannot be charged automatically. "
            "Add a card for automatic payments."
        )
    assert added_rows(before, row_counts()) == {}


def test_removed_card_is_refused_even_for_one_time():
    method = make_card(make_account())
    PaymentMethod.objects.filter(pk=method.pk).update(removed_at=timezone.now(), is_default=False)
    before = row_counts()

    with pytest.raises(Refused) as refusal:
        charge(method, one_time=True)

    assert refusal.value.code == "payment_method_removed"
    assert added_rows(before, row_counts()) == {}


def test_another_accounts_card_is_refused():
    method = make_card(make_account())
    other = make_account()

    with pytest.raises(Invalid) as refusal:
        charge_card(
            account=other,
            payment_method=method,
            amount=Decimal("1.00"),
            currency="EUR",
            idempotency_key="k",
            purpose="order",
            by=SYSTEM,
        )

    assert refusal.value.code == "payment_method_other_account"
    assert Charge.objects.count() == 0


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "1.001"])
def test_invalid_amounts_are_refused(amount):
    method = make_card(make_account())

    with pytest.raises(Invalid) as refusal:
        charge(method, amount=amount)

    assert refusal.value.code == "amount_invalid"
    assert Charge.objects.count() == 0


def test_card_number_never_reaches_the_charge_rows_or_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    account = make_account()
    # A CVC with a leading zero: no id stored as text (an audit entry's object) can equal it.
    method = make_card(account, number="5555555555554444", cvc="042")
    set_test_gateway_mode("timeout_after_charge", times=1)

    charge(method, key="k")
    reconcile_after_grace()
    charge(method, key="k2")

    dump = dump_all_rows()
    # The CVC as a stored value of its own (a random token may well contain "042").
    for secret in ("5555555555554444", "555555555555", " '042' ", " '042'\n"):
        assert secret not in dump + "\n"
        assert secret not in caplog.text
    assert "4444" in dump
    assert Charge.objects.filter(status="succeeded").count() == 2


def test_reconcile_charges_command_settles_unknown_charges():
    method = make_card(make_account())
    set_test_gateway_mode("timeout_after_charge", times=1)
    result = charge(method, key="k")
    out = StringIO()

    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1), tick=False):
        call_command("reconcile_charges", stdout=out)

    result.refresh_from_db()
    assert (out.getvalue(), result.status) == ("1 charge(s) or refund(s) settled\n", "succeeded")
