"""Row locks of the payments app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.payments.models import Charge, Refund


def charge_lock_by_key(idempotency_key: str) -> Charge | None:
    return Charge.objects.select_for_update().filter(idempotency_key=idempotency_key).first()


def charge_lock(charge_id: int) -> Charge:
    return Charge.objects.select_for_update().get(pk=charge_id)


def refund_lock_by_key(idempotency_key: str) -> Refund | None:
    return Refund.objects.select_for_update().filter(idempotency_key=idempotency_key).first()


def refund_lock(refund_id: int) -> Refund:
    return Refund.objects.select_for_update().select_related("charge").get(pk=refund_id)
