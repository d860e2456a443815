"""Priced lines and their VAT as plain JSON, and back: what a purchase stores when the customer
confirms it, so that its invoice is issued later from exactly the amounts they saw.

The VAT's legal note is not stored as text but follows from the category, so the invoice
prints it in the buyer's language whenever it is issued.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.utils.functional import Promise

from seatwise.pricing.lines import LineKind, ProratedLine
from seatwise.tax.decisions import (
    OUTSIDE_SCOPE_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxCategory,
    TaxDecision,
)

_LEGAL_NOTES: dict[str, str | Promise] = {
    "standard": "",
    "reverse_charge": REVERSE_CHARGE_NOTE,
    "outside_scope": OUTSIDE_SCOPE_NOTE,
}


def lines_snapshot(
    *, lines: tuple[ProratedLine, ...] | list[ProratedLine], tax: TaxDecision
) -> dict[str, Any]:
    return {
        "lines": [
            {
                "kind": line.kind,
                "plan_code": line.plan_code,
                "quantity": line.quantity,
                "unit_amount": str(line.unit_amount),
                "currency": line.currency,
                "period_start": line.period_start.isoformat(),
                "period_end": line.period_end.isoformat(),
                "days": line.days,
                "term_days": line.term_days,
                "amount": str(line.amount),
            }
            for line in lines
        ],
        "tax": {
            "category": tax.category,
            "rate": str(tax.rate),
            "rate_country": tax.rate_country,
            "buyer_vat_id": tax.buyer_vat_id,
        },
    }


def lines_restore(snapshot: dict[str, Any]) -> tuple[tuple[ProratedLine, ...], TaxDecision]:
    lines = tuple(
        ProratedLine(
            kind=cast(LineKind, row["kind"]),
            plan_code=row["plan_code"],
            quantity=int(row["quantity"]),
            unit_amount=Decimal(row["unit_amount"]),
            currency=row["currency"],
            period_start=date.fromisoformat(row["period_start"]),
            period_end=date.fromisoformat(row["period_end"]),
            days=int(row["days"]),
            term_days=int(row["term_days"]),
            amount=Decimal(row["amount"]),
        )
        for row in snapshot["lines"]
    )
    tax = snapshot["tax"]
    category = cast(TaxCategory, tax["category"])
    return lines, TaxDecision(
        category=category,
        rate=Decimal(tax["rate"]),
        rate_country=tax["rate_country"],
        legal_note=_LEGAL_NOTES[category],
        buyer_vat_id=tax["buyer_vat_id"],
    )
