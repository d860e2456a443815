"""The files of issued documents, rendered once and kept as they were sent (GoBD; § 14b UStG:
the copy of the invoice that was issued is what is kept).

Each issued document gets two files: its PDF/A-3 (Factur-X, with its EN 16931 CII embedded) and
its UBL 2.1. They are rendered from the document's snapshot (``selectors.document_for``), which
holds only what was known at issue, and stored in ``ArchivedDocument`` with their SHA-256 bound
to the document's hash (``chain.archive_chain_hash``). Downloads, the API and e-mail
attachments serve these stored bytes, so a document is the same file every time, whatever
was paid, renamed or re-priced since.

**When.** Rendering costs a good part of a second (WeasyPrint), so it never runs inside the
issuing transaction: issuing enqueues ``tasks.documents_archive_task`` with the transaction
(``core.tasking.enqueue_on_commit``), and a worker archives the document once it has
committed. A download or an e-mail that comes first archives it then: whoever inserts the row
first wins (a unique constraint per document and format), and the other serves the winner's
bytes, so no two different copies of a document are ever handed out.
``documents_archive_pending`` (``manage.py documents_archive``, and every ten minutes) archives
every document that has no files yet: those issued before archiving existed, or whose task
was lost with a broker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Count

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.invoicing.chain import archive_chain_hash
from seatwise.invoicing.einvoice import invoice_ubl_xml
from seatwise.invoicing.models import ArchivedDocument, Invoice
from seatwise.invoicing.rendering import invoice_pdf
from seatwise.invoicing.selectors import document_for
from seatwise.notifications.attachments import Attachment

PDF: str = ArchivedDocument.Format.PDF
UBL: str = ArchivedDocument.Format.UBL
# The MIME type and file name extension of each format.
MEDIA_TYPES: dict[str, str] = {PDF: "application/pdf", UBL: "application/xml"}
EXTENSIONS: dict[str, str] = {PDF: "pdf", UBL: "xml"}


def _render(invoice: Invoice, file_format: str) -> bytes:
    document = document_for(invoice)
    return invoice_pdf(document) if file_format == PDF else invoice_ubl_xml(document)


def stored_once[T](
    *, stored: Callable[[], T | None], render: Callable[[], bytes], store: Callable[[bytes], T]
) -> T:
    """The one archived copy of a file: ``stored()`` if there is one, else ``render()`` stored by
    ``store(content)`` (which inserts the row, with its audit entry). Renders outside any
    transaction, then stores in one; when another worker or request stored its copy meanwhile
    (the row's unique constraint), theirs is the copy, and this rendering is dropped. Receipts
    (``billing.receipts``) are archived this way too."""
    found = stored()
    if found is not None:
        return found
    content = render()
    try:
        with transaction.atomic():
            return store(content)
    except IntegrityError:
        winner = stored()
        if winner is None:  # not a twin's copy: another constraint failed
            raise
        return winner


def document_file(*, invoice: Invoice, file_format: str, by: Actor) -> ArchivedDocument:
    """The archived file of ``invoice`` in ``file_format`` ("pdf" or "ubl"): the stored one,
    or rendered now and stored once (see the module docstring). Call it outside any
    transaction: it renders before it writes."""
    if file_format not in (PDF, UBL):
        raise ValueError(f"unknown document format {file_format!r}")

    def store(content: bytes) -> ArchivedDocument:
        digest = hashlib.sha256(content).hexdigest()
        archived = ArchivedDocument.objects.create(
            invoice=invoice,
            format=file_format,
            content=content,
            sha256=digest,
            chain_hash=archive_chain_hash(
                document_hash=invoice.hash, format=file_format, sha256=digest
            ),
        )
        audit_record(
            by=by,
            action="invoice.archive",
            obj=archived,
            account_id=invoice.account_id,
            new={
                "number": invoice.number,
                "format": file_format,
                "sha256": digest,
                "bytes": len(content),
            },
        )
        return archived

    return stored_once(
        stored=lambda: ArchivedDocument.objects.filter(invoice=invoice, format=file_format).first(),
        render=lambda: _render(invoice, file_format),
        store=store,
    )


def document_archive(*, invoice_id: int, by: Actor) -> None:
    """Archive both files of one document (idempotent: what is stored stays)."""
    invoice = Invoice.objects.select_related("corrects").get(pk=invoice_id)
    for file_format in (PDF, UBL):
        document_file(invoice=invoice, file_format=file_format, by=by)


def documents_archive_pending(*, by: Actor, limit: int | None = None) -> int:
    """Archive the documents that lack a file, oldest first; returns how many were done."""
    pending = (
        Invoice.objects.annotate(files=Count("archives"))
        .filter(files__lt=len(ArchivedDocument.Format.values))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for invoice_id in list(pending[:limit] if limit else pending):
        document_archive(invoice_id=invoice_id, by=by)
        done += 1
    return done


def file_name(invoice: Invoice, file_format: str) -> str:
    return f"{invoice.number}.{EXTENSIONS[file_format]}"


def _attachment(invoice_id: int, file_format: str) -> Attachment:
    invoice = Invoice.objects.select_related("corrects").get(pk=invoice_id)
    archived = document_file(
        invoice=invoice, file_format=file_format, by=Actor.system("notifications.delivery")
    )
    return Attachment(
        filename=file_name(invoice, file_format),
        content=bytes(archived.content),
        mimetype=MEDIA_TYPES[file_format],
    )


def invoice_pdf_attachment(invoice_id: int) -> Attachment:
    """The ``invoice_pdf`` e-mail attachment (``notifications.attachments``): the archived
    PDF, the same bytes as every download of the document."""
    return _attachment(invoice_id, PDF)


def invoice_ubl_attachment(invoice_id: int) -> Attachment:
    """The ``invoice_ubl`` e-mail attachment: the archived UBL 2.1 XML."""
    return _attachment(invoice_id, UBL)
