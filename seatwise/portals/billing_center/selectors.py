"""Reads of the Billing Center, always inside the billing admin's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from seatwise.catalog.models import Plan, Price
from seatwise.core.money import quantize
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import amount_due_given
from seatwise.subscriptions.models import Subscription

INVOICES_PER_PAGE = 25
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def invoice_in_account(*, account_id: int, invoice_id: int) -> Invoice | None:
    """One invoice or credit note of the account; another account's id is "not found"."""
    return Invoice.objects.filter(pk=invoice_id, account_id=account_id).first()


def subscription_in_account(*, account_id: int, subscription_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("product", "plan")
        .filter(pk=subscription_id, account_id=account_id)
        .first()
    )


def invoice_history_page(
    *, account_id: int, after: int | None, limit: int = INVOICES_PER_PAGE
) -> tuple[list[Invoice], int | None]:
    """A keyset page of the account's invoices and credit notes, newest first (issue date,
    then id), and the id to continue after. Fetches ``limit + 1`` rows: no COUNT, no OFFSET.

    Each invoice carries ``credited_gross``, the gross of its credit notes, summed in the same
    query: with it ``amount_due`` below is ``invoicing.selectors.invoice_amount_due`` without
    a query per row.
    """
    credited = (
        Invoice.objects.filter(corrects=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE)
        .order_by()
        .values("corrects")
        .annotate(total=Sum("gross_total"))
        .values("total")
    )
    qs: QuerySet[Invoice] = (
        Invoice.objects.filter(account_id=account_id)
        .select_related("corrects")
        .annotate(
            credited_gross=Coalesce(
                Subquery(credited, output_field=_MONEY), Value(Decimal("0.00")), output_field=_MONEY
            )
        )
    )
    if after is not None:
        cursor = (
            Invoice.objects.filter(pk=after, account_id=account_id)
            .values_list("issue_date", flat=True)
            .first()
        )
        if cursor is not None:
            qs = qs.filter(_before(cursor, after))
    rows = list(qs.order_by("-issue_date", "-id")[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def _before(issue_date: date, invoice_id: int) -> Q:
    return Q(issue_date__lt=issue_date) | Q(issue_date=issue_date, id__lt=invoice_id)


def amount_due(invoice: Invoice) -> Decimal:
    """What is still to pay on an invoice of ``invoice_history_page`` (never below zero; a
    credit note owes nothing)."""
    credited = Decimal(getattr(invoice, "credited_gross", Decimal("0.00")))
    # SQLite sums decimals as floating point: back to whole cents.
    return quantize(amount_due_given(invoice, credited_gross=credited), invoice.currency)


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
