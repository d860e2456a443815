"""Row locks of the invoicing app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row locks. Call inside ``transaction.atomic()``.

Lock order, everywhere: the corrected or paid invoice first, then an account's open credits,
then a series counter.
"""

from __future__ import annotations

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


def open_credits_lock(*, account_id: int, currency: str) -> list[AccountCredit]:
    """The account's credits in ``currency`` with something left, oldest first, locked: the
    next invoice uses them up in this order, and no two invoices use the same amount."""
    return list(
        AccountCredit.objects.select_for_update()
        .filter(account_id=account_id, currency=currency, remaining__gt=0)
        .order_by("created_at", "id")
    )
