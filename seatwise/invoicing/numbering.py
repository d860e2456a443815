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


def format_number(*, series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:06d}"


def numbers_allocate(*, counter: DocumentSeries, count: int) -> list[Allocated]:
    """The next ``count`` numbers of a counter row locked by the caller, as one block (a bill
    run's batch takes its numbers at once). The counter advances in memory; ``chain_advance``
    saves it with the hash of the block's last document, in the same transaction."""
    if count < 1:
        raise ValueError("a block has at least one number")
    first = counter.next_number
    counter.next_number = first + count
    return [
        Allocated(
            series=counter.series,
            year=counter.year,
            sequence=sequence,
            number=format_number(series=counter.series, year=counter.year, sequence=sequence),
        )
        for sequence in range(first, first + count)
    ]


def chain_advance(*, counter: DocumentSeries, document_hash: str) -> None:
    """Save the counter after a block: its next number and the head of its hash chain."""
    counter.last_hash = document_hash
    counter.save(update_fields=["next_number", "last_hash"])
