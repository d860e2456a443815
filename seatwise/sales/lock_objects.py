"""Row locks of the sales app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``.

Lock order: the purchase first, then what its plan's step locks (the account, an invoice,
a subscription)."""

from __future__ import annotations

from seatwise.sales.models import Purchase


def purchase_lock(purchase_id: int) -> Purchase:
    return Purchase.objects.select_for_update().select_related("account").get(pk=purchase_id)


def purchases_lock(purchase_ids: list[int]) -> list[Purchase]:
    """Several purchases, locked in id order (so two batches never wait on each other)."""
    return list(
        Purchase.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=purchase_ids)
        .order_by("pk")
    )
