"""Background tasks of invoicing. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task

from seatwise.audit.actors import Actor


@task()
def document_archive_task(*, invoice_id: int) -> None:
    """Render and archive an issued document's PDF and UBL once (``invoicing.archive``): the
    task documents were enqueued as before ``documents_archive_task``; kept for those still
    queued at an upgrade."""
    from seatwise.invoicing.archive import document_archive

    document_archive(invoice_id=invoice_id, by=Actor.system("invoicing.archive"))


@task()
def documents_archive_pending_task() -> int:
    """Archive what no task archived: documents of before, or whose task a broker lost."""
    from seatwise.invoicing.archive import documents_archive_pending

    return documents_archive_pending(by=Actor.system("invoicing.archive"), limit=500)


@task()
def documents_archive_task(*, invoice_ids: list[int]) -> None:
    """Render and archive the PDF and UBL of issued documents once each (a block issued
    together, ``services.ARCHIVE_BATCH`` at most)."""
    from seatwise.invoicing.archive import document_archive

    for invoice_id in invoice_ids:
        document_archive(invoice_id=invoice_id, by=Actor.system("invoicing.archive"))
