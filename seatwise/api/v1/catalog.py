"""The catalog, read-only: products, and plans with their prices."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from seatwise.api.auth import requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import Money, money
from seatwise.api.v1.paging import NextAfter, PageQuery, page
from seatwise.catalog.models import Plan, Price
from seatwise.catalog.selectors import plans_page, products_page
from seatwise.core.validation import ID_MAX

router = Router(tags=["catalog"])


class ProductOut(Schema):
    id: int
    code: str
    name: str
    seat_expansion_supported: bool
    is_active: bool


class ProductPage(Schema):
    items: list[ProductOut]
    next_after: NextAfter


class PriceOut(Schema):
    currency: str
    unit_amount: Money = Field(description="Net price of one seat for one term.")

    @staticmethod
    def resolve_unit_amount(price: Price) -> str:
        return money(price.unit_amount, price.currency)


class PlanOut(Schema):
    id: int
    code: str
    product_id: int
    product_code: str
    tier: Literal["standard", "business", "enterprise"]
    interval: Literal["month", "year"]
    is_active: bool
    prices: list[PriceOut]

    @staticmethod
    def resolve_product_code(plan: Plan) -> str:
        return plan.product.code

    @staticmethod
    def resolve_prices(plan: Plan) -> list[Price]:
        # Prefetched by the selector; sorted here so that the order is stable.
        return sorted(plan.prices.all(), key=lambda price: price.currency)


class PlanPage(Schema):
    items: list[PlanOut]
    next_after: NextAfter


class PlanQuery(PageQuery):
    product_id: int | None = Field(
        None, ge=1, le=ID_MAX, description="Only the plans of this product."
    )


@router.get("/products", auth=requires(Scope.CATALOG_READ), response={200: ProductPage, **errors()})
def list_products(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Every product, sold or not, by id."""
    return page(*products_page(after=query.after, limit=query.page_size()))


@router.get("/plans", auth=requires(Scope.CATALOG_READ), response={200: PlanPage, **errors()})
def list_plans(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    """Every plan with its price per seat and term in each currency, by id."""
    return page(
        *plans_page(after=query.after, limit=query.page_size(), product_id=query.product_id)
    )
