from __future__ import annotations

from decimal import Decimal

from seatwise.catalog.models import Plan, Price, Product
from seatwise.core.memo import memoized
from seatwise.core.paging import keyset_page


def price_of(*, plan: Plan, currency: str) -> Decimal | None:
    """The plan's price per seat and term in ``currency``; None when it has none (remembered
    within a ``core.memo`` scope: a bill run's batch)."""
    return memoized(
        ("price_of", plan.pk, currency),
        lambda: (
            Price.objects.filter(plan=plan, currency=currency)
            .values_list("unit_amount", flat=True)
            .first()
        ),
    )


def products_page(*, after: int | None, limit: int) -> tuple[list[Product], int | None]:
    qs = Product.objects.order_by("pk")
    return keyset_page(qs, after=after, limit=limit)


def plans_page(
    *, after: int | None, limit: int, product_id: int | None = None
) -> tuple[list[Plan], int | None]:
    """Keyset page of plans with their product and prices: two queries whatever the page."""
    qs = Plan.objects.select_related("product").prefetch_related("prices").order_by("pk")
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return keyset_page(qs, after=after, limit=limit)


def plan_get(*, plan_id: int | None = None, code: str | None = None) -> Plan | None:
    """A plan with its product, by id or by code."""
    qs = Plan.objects.select_related("product")
    if plan_id is not None:
        return qs.filter(pk=plan_id).first()
    if code is not None:
        return qs.filter(code=code).first()
    return None
