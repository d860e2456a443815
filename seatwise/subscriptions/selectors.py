from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from seatwise.catalog.models import Price
from seatwise.core.money import quantize
from seatwise.core.paging import keyset_page
from seatwise.core.prepared import prepared
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription


def subscriptions_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Subscription], int | None]:
    qs = (
        Subscription.objects.filter(account_id=account_id)
        .select_related("product", "plan")
        .order_by("pk")
    )
    return keyset_page(qs, after=after, limit=limit)


def assignments_page(
    *, subscription_id: int, after: int | None, limit: int
) -> tuple[list[LicenseAssignment], int | None]:
    qs = LicenseAssignment.objects.filter(subscription_id=subscription_id).order_by("pk")
    return keyset_page(qs, after=after, limit=limit)


def subscription_get(subscription_id: int, *, with_plan: bool = True) -> Subscription | None:
    """A subscription, with its product and plan joined unless ``with_plan`` is false: a
    caller that does not show them saves the joins."""
    return next(iter(_subscription(subscription_id, with_plan=with_plan)), None)


@prepared
def _subscription(subscription_id: int, *, with_plan: bool) -> QuerySet[Subscription]:
    qs = (
        Subscription.objects.select_related("product", "plan")
        if with_plan
        else Subscription.objects.all()
    )
    return qs.filter(pk=subscription_id)


@prepared
def _live_subscriptions(account_id: int) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(account_id=account_id, status__in=LIVE_STATUSES)
        .select_related("product", "plan")
        .order_by("product__sort_order", "product__name", "pk")
    )


def live_subscriptions(*, account_id: int) -> list[Subscription]:
    """An account's live subscriptions (at most one per product) with product and plan, in the
    catalog's product order: one (prepared) query."""
    return _live_subscriptions(account_id)


@prepared
def _ended_trials(account_id: int) -> QuerySet[Subscription]:
    live = Subscription.objects.filter(account_id=account_id, status__in=LIVE_STATUSES)
    return (
        Subscription.objects.filter(
            account_id=account_id,
            status=Subscription.Status.EXPIRED,
            trial_end__isnull=False,
        )
        .exclude(product_id__in=live.values("product_id"))
        .select_related("product", "plan")
        .order_by("product__sort_order", "product__name", "pk")
    )


def ended_trials(*, account_id: int) -> list[Subscription]:
    """The account's trials that expired unconverted, of products it has no live subscription
    of (those it can still convert with Subscribe Now), in the catalog's product order."""
    return _ended_trials(account_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedSubscription:
    """A subscription with the price of its plan in the account's currency.

    ``unit_amount`` is the price of one seat for one term, net of VAT; None when the plan has
    no price in that currency (any more).
    """

    subscription: Subscription
    currency: str
    unit_amount: Decimal | None

    @property
    def term_amount(self) -> Decimal | None:
        """All seats for one term, rounded once (seatwise.core.money)."""
        if self.unit_amount is None:
            return None
        return quantize(self.unit_amount * self.subscription.seats, self.currency)


@prepared
def _live_subscriptions_priced(account_id: int, currency: str) -> QuerySet[Subscription]:
    price = Price.objects.filter(plan_id=OuterRef("plan_id"), currency=currency).values(
        "unit_amount"
    )
    return _live_subscriptions.build(account_id).annotate(
        plan_unit_amount=Subquery(price, output_field=Price._meta.get_field("unit_amount"))
    )


def live_subscriptions_priced(*, account_id: int, currency: str) -> list[PricedSubscription]:
    """``live_subscriptions`` with their plans' prices in ``currency`` (the plan and currency
    have one price at most): one (prepared) query, whatever the number of subscriptions."""
    return [
        PricedSubscription(
            subscription=s,
            currency=currency,
            unit_amount=s.plan_unit_amount,  # type: ignore[attr-defined]
        )
        for s in _live_subscriptions_priced(account_id, currency)
    ]
