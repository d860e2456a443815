"""The hash chain of issued documents (in the spirit of VeriFactu and GoBD).

**Scope: one chain per series and year**, the same unit as the gapless numbering, so that the
one counter row locked to allocate a number (``DocumentSeries``) also guards the chain head:
the first document of a series in a year links to ``GENESIS_HASH``, each later one to the
hash of the document numbered just before it. The counter row keeps the head
(``last_hash``) and the next number, so deleting the *last* document, which no successor
would betray, is evident too.

``hash = sha256(canonical JSON of the document's immutable content)``: kind, number, series,
year, sequence, dates, currency, language, account, seller and buyer snapshots, VAT, totals,
User ID, purchase order, source, reason, the corrected number, every line, and
``previous_hash``. ``paid_amount`` and ``status`` are not part of it: they change by design.
The canonical JSON has sorted keys, no whitespace, amounts as fixed-point strings, dates in
ISO form, so that it is the same before and after a round trip through any database.

**Content versions.** A document's ``content_version`` says what its hash covers, so that what
is added later never breaks the hashes of what was issued before. Version 2 adds the credit
note's settlement and amount settled, the account credit applied at issue (amount and credit
notes), the VAT in the accounting currency with its ECB rate, the content version itself, and
per line the catalog price per term; unit prices are written to eight decimals (version 1: to
four, as its lines were stored). Version 3 adds how the invoice is to be paid
(``payment_means``, decided at issue from the account's Payment Profile).

**Archived files** (``ArchivedDocument``) are bound to the chain too: each stores the SHA-256
of its bytes and ``archive_chain_hash`` of the document's hash, the format and that digest,
and ``chain_verify`` recomputes both for every archived file. A receipt's archived PDF
(``ArchivedReceipt``) is no tax document and has no place in the chain: only its digest is
recomputed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone

from seatwise.invoicing.models import (
    GENESIS_HASH,
    ArchivedDocument,
    ArchivedReceipt,
    DocumentSeries,
    Invoice,
    InvoiceLine,
)

_MONEY = Decimal("0.01")
_UNIT = {1: Decimal("0.0001"), 2: Decimal("0.00000001"), 3: Decimal("0.00000001")}
_RATE = Decimal("0.00000001")
# How long after its issue a document may have no archived files yet.
ARCHIVE_GRACE = timedelta(days=1)


class LineContent(Protocol):
    """What the hash covers of a line: an ``InvoiceLine``, or the row a batch stores as one
    (``invoicing.services``)."""

    @property
    def position(self) -> int: ...
    @property
    def description(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def term_unit_price(self) -> Decimal | None: ...
    @property
    def net_amount(self) -> Decimal: ...
    @property
    def period_start(self) -> date | None: ...
    @property
    def period_end(self) -> date | None: ...


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(_MONEY))


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _optional_money(value: Decimal | None) -> str | None:
    return None if value is None else _money(value)


def canonical_content(
    invoice: Invoice, lines: Iterable[InvoiceLine] | Iterable[LineContent], *, corrects_number: str
) -> dict[str, Any]:
    version = invoice.content_version
    unit = _UNIT[version]
    content: dict[str, Any] = {
        "kind": invoice.kind,
        "number": invoice.number,
        "series": invoice.series,
        "year": invoice.year,
        "sequence": invoice.sequence,
        "account_id": invoice.account_id,
        "source": invoice.source,
        "issue_date": _date(invoice.issue_date),
        "due_date": _date(invoice.due_date),
        "currency": invoice.currency,
        "language": invoice.language,
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "tax_category": invoice.tax_category,
        "tax_rate": _money(invoice.tax_rate),
        "tax_rate_country": invoice.tax_rate_country,
        "tax_note": invoice.tax_note,
        "net_total": _money(invoice.net_total),
        "tax_total": _money(invoice.tax_total),
        "gross_total": _money(invoice.gross_total),
        "corporate_user_id": invoice.corporate_user_id,
        "purchase_order": invoice.purchase_order,
        "reason": invoice.reason,
        "corrects": corrects_number,
        "idempotency_key": invoice.idempotency_key,
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": _money(line.quantity),
                "unit_price": str(Decimal(line.unit_price).quantize(unit)),
                "net_amount": _money(line.net_amount),
                "period_start": _date(line.period_start),
                "period_end": _date(line.period_end),
                **(
                    {"term_unit_price": _optional_money(line.term_unit_price)}
                    if version >= 2
                    else {}
                ),
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "previous_hash": invoice.previous_hash,
    }
    if version >= 2:
        rate = invoice.vat_exchange_rate
        content.update(
            {
                "content_version": version,
                "settlement": invoice.settlement,
                "settlement_amount": _money(invoice.settlement_amount),
                "prepaid_amount": _money(invoice.prepaid_amount),
                "prepayments": invoice.prepayments,
                "vat_currency": invoice.vat_currency,
                "vat_currency_tax_total": _optional_money(invoice.vat_currency_tax_total),
                "vat_exchange_rate": None if rate is None else str(Decimal(rate).quantize(_RATE)),
                "vat_exchange_rate_date": _date(invoice.vat_exchange_rate_date),
            }
        )
    if version >= 3:
        content["payment_means"] = invoice.payment_means
    return content


def document_hash(
    invoice: Invoice,
    lines: Iterable[InvoiceLine] | Iterable[LineContent],
    *,
    corrects_number: str = "",
) -> str:
    content = canonical_content(invoice, lines, corrects_number=corrects_number)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def archive_chain_hash(*, document_hash: str, format: str, sha256: str) -> str:
    """What binds an archived file to its document: the file's digest, hashed with the
    document's own chain hash and the file's format."""
    return hashlib.sha256(f"{document_hash}:{format}:{sha256}".encode("ascii")).hexdigest()


@dataclass
class ChainReport:
    documents: int = 0
    chains: int = 0
    archived_files: int = 0
    series: set[str] = field(default_factory=set)
    # The first broken link of each broken chain, in words.
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _verify_one(
    counter: DocumentSeries | None, documents: Sequence[Invoice], label: str
) -> str | None:
    """The first broken link of one chain (one series in one year), or None."""
    previous_hash = GENESIS_HASH
    for expected, invoice in enumerate(documents, start=1):
        if invoice.sequence != expected:
            missing = f"{invoice.series}-{invoice.year}-{expected:06d}"
            return f"{label}: {missing} is missing (deleted document or gap in numbers)"
        if invoice.previous_hash != previous_hash:
            return f"{label}: {invoice.number} does not link to its predecessor"
        corrects = invoice.corrects.number if invoice.corrects else ""
        if document_hash(invoice, invoice.lines.all(), corrects_number=corrects) != invoice.hash:
            return f"{label}: {invoice.number} was changed after issue (hash mismatch)"
        previous_hash = invoice.hash
    if counter is None:
        return f"{label}: documents exist but the series counter is missing"
    last = len(documents)
    if counter.next_number != last + 1:
        missing = f"{counter.series}-{counter.year}-{last + 1:06d}"
        return f"{label}: {missing} is missing (the counter has issued {counter.next_number - 1})"
    if counter.last_hash != previous_hash:
        return f"{label}: the last document does not match the chain head"
    return None


def chain_verify() -> ChainReport:
    """Recompute every chain; report the first broken link of each."""
    report = ChainReport()
    counters = {(c.series, c.year): c for c in DocumentSeries.objects.all()}
    by_chain: dict[tuple[str, int], list[Invoice]] = {key: [] for key in counters}
    documents = (
        Invoice.objects.select_related("corrects")
        .prefetch_related("lines")
        .order_by("series", "year", "sequence")
    )
    for invoice in documents:
        by_chain.setdefault((invoice.series, invoice.year), []).append(invoice)
    for (series, year), chain in sorted(by_chain.items()):
        counter = counters.get((series, year))
        if not chain and counter is not None and counter.next_number == 1:
            continue
        report.documents += len(chain)
        report.chains += 1
        report.series.add(series)
        problem = _verify_one(counter, chain, f"{series}-{year}")
        if problem:
            report.problems.append(problem)
    report.problems.extend(_verify_archives(report))
    return report


def _verify_archives(report: ChainReport) -> list[str]:
    """Every archived file's digest and binding; and the files a document should have by now
    but has not: both formats, for every document issued more than ``ARCHIVE_GRACE`` ago
    (the archive task runs seconds after issue; a day later a missing file is a deleted one,
    or a worker that does not run)."""
    problems: list[str] = []
    hashes = dict(Invoice.objects.values_list("pk", "hash"))
    numbers = dict(Invoice.objects.values_list("pk", "number"))
    formats: dict[int, set[str]] = {}
    archives = ArchivedDocument.objects.order_by("invoice_id", "format").values_list(
        "invoice_id", "format", "content", "sha256", "chain_hash"
    )
    for invoice_id, file_format, content, digest, bound in archives.iterator(chunk_size=100):
        report.archived_files += 1
        formats.setdefault(invoice_id, set()).add(file_format)
        label = f"{numbers[invoice_id]}.{file_format}"
        if hashlib.sha256(bytes(content)).hexdigest() != digest:
            problems.append(f"archive: {label} was changed after archiving (SHA-256 mismatch)")
            continue
        expected = archive_chain_hash(
            document_hash=hashes[invoice_id], format=file_format, sha256=digest
        )
        if bound != expected:
            problems.append(f"archive: {label} is not bound to its document (chain hash)")
    due = Invoice.objects.filter(created_at__lt=timezone.now() - ARCHIVE_GRACE).order_by(
        "series", "year", "sequence"
    )
    for invoice_id, number in due.values_list("pk", "number").iterator(chunk_size=2000):
        for file_format in ArchivedDocument.Format.values:
            if file_format not in formats.get(invoice_id, ()):
                problems.append(
                    f"archive: {number}.{file_format} is missing (run manage.py documents_archive)"
                )
    receipts = ArchivedReceipt.objects.order_by("pk").values_list("number", "content", "sha256")
    for number, content, digest in receipts.iterator(chunk_size=100):
        report.archived_files += 1
        if hashlib.sha256(bytes(content)).hexdigest() != digest:
            problems.append(f"archive: {number}.pdf was changed after archiving (SHA-256 mismatch)")
    return problems
