"""Row locks of the payments app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from django.db.models import Q

from seatwise.payments.models import (
    Charge,
    PaymentMethod,
    PaymentProfile,
    Refund,
    TestGatewayMode,
)


def charge_lock_by_key(idempotency_key: str) -> Charge | None:
    return Charge.objects.select_for_update().filter(idempotency_key=idempotency_key).first()


def charge_lock(charge_id: int) -> Charge:
    return Charge.objects.select_for_update().get(pk=charge_id)


def refund_lock_by_key(idempotency_key: str) -> Refund | None:
    return Refund.objects.select_for_update().filter(idempotency_key=idempotency_key).first()


def refund_lock(refund_id: int) -> Refund:
    return Refund.objects.select_for_update().select_related("charge").get(pk=refund_id)


def payment_method_lock(payment_method_id: int) -> PaymentMethod:
    return PaymentMethod.objects.select_for_update().get(pk=payment_method_id)


def payment_method_lock_matching(payment_method_id: int, where: Q) -> PaymentMethod | None:
    """The card if it still matches ``where``, locked, or None. Its account is read with it
    but not locked (``of=("self",)``): ``payment_method_add`` locks the account before the
    cards, so locking the account after the card could deadlock with it."""
    return (
        PaymentMethod.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(where, pk=payment_method_id)
        .first()
    )


def gateway_test_mode_lock() -> TestGatewayMode | None:
    """The test gateway's mode row, locked, or None while no mode was ever set."""
    return TestGatewayMode.objects.select_for_update().filter(pk=1).first()


def payment_profile_lock(account_id: int) -> PaymentProfile | None:
    """The account's Payment Profile row, locked, or None while it has none (a card)."""
    return PaymentProfile.objects.select_for_update().filter(account_id=account_id).first()
