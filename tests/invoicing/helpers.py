"""Shared givens of the invoicing tests: a German consumer account and a priced term line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from seatwise.pricing.lines import ProratedLine, term_line
from seatwise.tax.decisions import TaxDecision

PLAN = "goto-meeting-standard-monthly"
TERM_START = date(2026, 3, 1)
TERM_END = date(2026, 4, 1)
ISSUED_ON = date(2026, 3, 1)
GERMAN_VAT = TaxDecision(
    category="standard", rate=Decimal("19.00"), rate_country="DE", legal_note=""
)


def five_seats(*, seats: int = 5, unit: str = "14.00", currency: str = "EUR") -> ProratedLine:
    """5 × 14.00 = 70.00 net for March 2026."""
    return term_line(
        unit_amount=Decimal(unit),
        seats=seats,
        currency=currency,
        term_start=TERM_START,
        term_end=TERM_END,
        plan_code=PLAN,
    )
