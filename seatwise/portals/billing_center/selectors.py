"""Reads of the Billing Center, always inside the billing admin's own account. The invoice
history, shared with the Corporate Billing Portal, is read by ``billing.selectors``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from seatwise.catalog.models import Plan, Price, Product
from seatwise.subscriptions.models import LIVE_STATUSES, Subscription


def subscription_in_account(*, account_id: int, subscription_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("product", "plan")
        .filter(pk=subscription_id, account_id=account_id)
        .first()
    )


@dataclass(frozen=True, slots=True)
class PlanOption:
    """A plan the subscription may change to, with its price per seat and term (None: no
    price in the account's currency, so it cannot be chosen)."""

    plan: Plan
    unit_amount: Decimal | None


def plan_options(*, subscription: Subscription, currency: str) -> list[PlanOption]:
    """The plans of the subscription's product that are offered (and its current plan), with
    their prices in ``currency``, lowest tier first: two queries."""
    plans = list(
        Plan.objects.filter(product_id=subscription.product_id)
        .filter(Q(is_active=True) | Q(pk=subscription.plan_id))
        .select_related("product")
        .order_by("tier_rank", "interval", "pk")
    )
    prices: dict[int, Decimal] = dict(
        Price.objects.filter(plan__in=plans, currency=currency).values_list(
            "plan_id", "unit_amount"
        )
    )
    return [PlanOption(plan=plan, unit_amount=prices.get(plan.pk)) for plan in plans]


def plans_by_id(plan_ids: set[int]) -> dict[int, Plan]:
    """Plans by id (the pending plans of a page of subscriptions): one query, none for none."""
    if not plan_ids:
        return {}
    return Plan.objects.in_bulk(plan_ids)


@dataclass(frozen=True, slots=True)
class ProductOption:
    """A product the account may add: ``trial_available`` when it may also try it (the
    product has a trial and the account never had one of it)."""

    product: Product
    trial_available: bool


def new_product_options(*, account_id: int, currency: str) -> list[ProductOption]:
    """The products the account has no live subscription of, sold (an active plan with a
    price in ``currency``), in the catalog's order: two queries."""
    rows = Subscription.objects.filter(account_id=account_id)
    tried = set(rows.filter(trial_end__isnull=False).values_list("product_id", flat=True))
    products = (
        Product.objects.filter(
            is_active=True,
            plans__is_active=True,
            plans__prices__currency=currency,
        )
        .exclude(pk__in=rows.filter(status__in=LIVE_STATUSES).values("product_id"))
        .distinct()
        .order_by("sort_order", "name")
    )
    return [
        ProductOption(product=p, trial_available=p.offers_trial and p.pk not in tried)
        for p in products
    ]


def product_plan_options(*, product_id: int, currency: str) -> list[PlanOption]:
    """The active plans of a product with their prices in ``currency``, lowest tier and
    monthly first: two queries."""
    plans = list(
        Plan.objects.filter(product_id=product_id, is_active=True)
        .select_related("product")
        .order_by("tier_rank", "interval", "pk")
    )
    prices: dict[int, Decimal] = dict(
        Price.objects.filter(plan__in=plans, currency=currency).values_list(
            "plan_id", "unit_amount"
        )
    )
    return [PlanOption(plan=plan, unit_amount=prices.get(plan.pk)) for plan in plans]
