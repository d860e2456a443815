"""Row locks of the invoicing app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row locks. Call inside ``transaction.atomic()``.

Lock order, everywhere: the corrected or paid invoice first, then an account's open credits,
then a series counter.
"""

from __future__ import annotations

from collections.abc import Sequence

from seatwise.invoicing.models import AccountCredit, DocumentSeries, Invoice


def series_lock(*, series: str, year: int) -> DocumentSeries:
    """The counter row of ``series`` in ``year``, created if missing, locked.

    The insert is race-free: ``ON CONFLICT DO NOTHING`` (``INSERT OR IGNORE`` on SQLite) lets
    concurrent first issues of a year all succeed; a writer that loses the race waits for the
    winner's commit, inserts nothing, and then queues on the row lock like everyone else.
    """
    DocumentSeries.objects.bulk_create(
        [DocumentSeries(series=series, year=year)], ignore_conflicts=True
    )
    return DocumentSeries.objects.select_for_update().get(series=series, year=year)


def invoice_lock(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def open_credits_lock(*, account_ids: Sequence[int]) -> list[AccountCredit]:
    """The credits of these accounts with something left, oldest first, locked: the next
    invoice of an account uses them up in this order (per currency), and no two invoices use
    the same amount."""
    if not account_ids:
        return []
    return list(
        AccountCredit.objects.select_for_update()
        .select_related("credit_note")
        .filter(account_id__in=account_ids, remaining__gt=0)
        .order_by("created_at", "id")
    )
