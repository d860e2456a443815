"""Document numbers: ``<series>-<year>-<sequence:06d>``, gapless per series and year.

A number is allocated only at issue, inside the issuing transaction, from the locked counter
row (``lock_objects.series_lock``), never from a database sequence: a sequence skips values
on rollback, and a gap in invoice numbers is what tax auditors ask about. If the issuing
transaction rolls back, so does the counter, so no number is ever lost. The unique
constraints on ``Invoice`` back this up: a bug here fails loudly instead of duplicating.
"""

from __future__ import annotations

from dataclasses import dataclass

from seatwise.invoicing.models import DocumentSeries


@dataclass(frozen=True, slots=True)
class Allocated:
    series: str
    year: int
    sequence: int
    number: str
    previous_hash: str


def format_number(*, series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:06d}"


def number_allocate(*, counter: DocumentSeries) -> Allocated:
    """Take the next number of a counter row locked by the caller (and advance the counter).

    The caller stores the document and then ``chain_advance`` s the same row, in the same
    transaction.
    """
    sequence = counter.next_number
    counter.next_number = sequence + 1
    counter.save(update_fields=["next_number"])
    return Allocated(
        series=counter.series,
        year=counter.year,
        sequence=sequence,
        number=format_number(series=counter.series, year=counter.year, sequence=sequence),
        previous_hash=counter.last_hash,
    )


def chain_advance(*, counter: DocumentSeries, document_hash: str) -> None:
    counter.last_hash = document_hash
    counter.save(update_fields=["last_hash"])
