"""Background tasks of invoicing. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task

from seatwise.audit.actors import Actor


@task()
def document_archive_task(*, invoice_id: int) -> None:
    """Render and archive an issued document's PDF and UBL once (``invoicing.archive``)."""
    from seatwise.invoicing.archive import document_archive

    document_archive(invoice_id=invoice_id, by=Actor.system("invoicing.archive"))


@task()
def documents_archive_pending_task() -> int:
    """Archive what no task archived: documents of before, or whose task a broker lost."""
    from seatwise.invoicing.archive import documents_archive_pending

    return documents_archive_pending(by=Actor.system("invoicing.archive"), limit=500)
