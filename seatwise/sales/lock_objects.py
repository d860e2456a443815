"""Row locks of the sales app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``.

Lock order: the purchase first, then what its plan's step locks (the account, an invoice,
a subscription)."""

from __future__ import annotations

from seatwise.sales.models import Purchase


def purchase_lock(purchase_id: int) -> Purchase:
    return Purchase.objects.select_for_update().select_related("account").get(pk=purchase_id)


def purchases_lock(purchase_ids: list[int], *, accounts: bool = True) -> list[Purchase]:
    """Several purchases, locked in id order (so two batches never wait on each other); with
    their accounts unless ``accounts`` is False (a batch step that reads what it needs
    set-based)."""
    locked = Purchase.objects.select_for_update(of=("self",))
    if accounts:
        locked = locked.select_related("account")
    return list(locked.filter(pk__in=purchase_ids).order_by("pk"))
