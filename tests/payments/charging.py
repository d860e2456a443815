"""Helpers for the charge tests."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.db import connection

from seatwise.payments.models import Charge, PaymentMethod
from seatwise.payments.services import charge_card
from tests.factories import SYSTEM


def charge(
    method: PaymentMethod,
    *,
    key: str = "order-1",
    amount: str = "49.90",
    one_time: bool = False,
    invoice_id: int | None = None,
) -> Charge:
    return charge_card(
        account=method.account,
        payment_method=method,
        amount=Decimal(amount),
        currency="EUR",
        idempotency_key=key,
        purpose="order",
        by=SYSTEM,
        invoice_id=invoice_id,
        one_time=one_time,
    )


def row_counts() -> Counter[str]:
    counts: Counter[str] = Counter()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def added_rows(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return {t: after[t] - before[t] for t in after if after[t] != before[t]}


def reconcile_after_grace() -> int:
    """``charges_reconcile`` as it runs once every call of now is surely over: one second after
    the grace (``SEATWISE_GATEWAY_GRACE_SECONDS``), on a clock moved forward."""
    import time_machine
    from django.utils import timezone

    from seatwise.payments.reconcile import charges_reconcile
    from seatwise.payments.services import call_grace

    with time_machine.travel(timezone.now() + call_grace() + timedelta(seconds=1), tick=False):
        return charges_reconcile(by=SYSTEM)
