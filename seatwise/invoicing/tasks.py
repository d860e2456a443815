"""Background tasks of invoicing. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task

from seatwise.audit.actors import Actor

# After the work a customer waits for (orders, charges, e-mail): on the database backend's
# one queue by this priority, on Redis by the queue of its own that workers take last
# (scripts/serve.sh worker). A bill run enqueues both at once, and a rendering takes a worker
# a quarter of a second.
ARCHIVE_PRIORITY = -10
ARCHIVE_QUEUE = "documents"


@task()
def document_archive_task(*, invoice_id: int) -> None:
    """Render and archive an issued document's PDF and UBL once (``invoicing.archive``): the
    task documents were enqueued as before ``documents_archive_task``; kept for those still
    queued at an upgrade."""
    from seatwise.invoicing.archive import document_archive

    document_archive(invoice_id=invoice_id, by=Actor.system("invoicing.archive"))


@task(queue_name=ARCHIVE_QUEUE, priority=ARCHIVE_PRIORITY)
def documents_archive_pending_task() -> int:
    """Archive what no task archived: documents of before, or whose task a broker lost."""
    from seatwise.invoicing.archive import documents_archive_pending

    return documents_archive_pending(by=Actor.system("invoicing.archive"), limit=500)


@task(queue_name=ARCHIVE_QUEUE, priority=ARCHIVE_PRIORITY)
def documents_archive_task(*, invoice_ids: list[int]) -> None:
    """Render and archive the PDF and UBL of issued documents once each (a block issued
    together, ``services.ARCHIVE_BATCH`` at most). An e-mail that attaches one before it is
    archived archives it then (``invoicing.archive``)."""
    from seatwise.invoicing.archive import document_archive

    for invoice_id in invoice_ids:
        document_archive(invoice_id=invoice_id, by=Actor.system("invoicing.archive"))
