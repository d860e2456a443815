"""The hash chain of issued documents (issue 4; in the spirit of VeriFactu and GoBD).

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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from seatwise.invoicing.models import GENESIS_HASH, DocumentSeries, Invoice, InvoiceLine

_MONEY = Decimal("0.01")
_UNIT = Decimal("0.0001")


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(_MONEY))


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def canonical_content(
    invoice: Invoice, lines: Iterable[InvoiceLine], *, corrects_number: str
) -> dict[str, Any]:
    return {
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
                "unit_price": str(Decimal(line.unit_price).quantize(_UNIT)),
                "net_amount": _money(line.net_amount),
                "period_start": _date(line.period_start),
                "period_end": _date(line.period_end),
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "previous_hash": invoice.previous_hash,
    }


def document_hash(
    invoice: Invoice, lines: Iterable[InvoiceLine], *, corrects_number: str = ""
) -> str:
    content = canonical_content(invoice, lines, corrects_number=corrects_number)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class ChainReport:
    documents: int = 0
    chains: int = 0
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
    return report
