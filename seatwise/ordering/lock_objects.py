"""Row locks of the ordering app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.ordering.models import Quote, ServiceOrder


def quote_lock(quote_id: int) -> Quote:
    return Quote.objects.select_for_update().get(pk=quote_id)


def open_quote_lock(account_id: int) -> Quote | None:
    """The account's open quote (one at most), locked, or None."""
    return (
        Quote.objects.select_for_update()
        .filter(account_id=account_id, status=Quote.Status.OPEN)
        .first()
    )


def service_order_lock(order_id: int) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().get(pk=order_id)


def service_order_lock_by_quote(quote_id: int) -> ServiceOrder | None:
    """The quote's service order, locked, or None while the quote has none."""
    return ServiceOrder.objects.select_for_update().filter(quote_id=quote_id).first()


def service_order_lock_by_quote_existing(quote_id: int) -> ServiceOrder:
    """The quote's service order, locked; ``ServiceOrder.DoesNotExist`` if it has none."""
    return ServiceOrder.objects.select_for_update().get(quote_id=quote_id)
