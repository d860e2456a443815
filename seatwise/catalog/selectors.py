from __future__ import annotations

from decimal import Decimal

from seatwise.catalog.models import Plan, Price


def price_of(*, plan: Plan, currency: str) -> Decimal | None:
    return (
        Price.objects.filter(plan=plan, currency=currency)
        .values_list("unit_amount", flat=True)
        .first()
    )
