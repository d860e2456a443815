"""Prices, proration and totals: the one computation behind every amount Seatwise charges.

The pure functions (``term_price``, ``term_line``, ``proration``, ``plan_change``,
``totals``) take plain values and touch no database; the ``preview_*`` functions read the
catalog price and call them. A price preview and the invoice of the same purchase are built
from the same ``preview_*`` call, so that the amount shown before a purchase is, to the cent,
the amount invoiced.

Prices are per seat for one full term of the plan, net of VAT. A term is the date range
``[term_start, term_end)``. Changes mid-term are co-termed: they are charged (or credited)
pro rata by day to the end of the current term, never beyond.

**The rounding rule** (also in docs/billing.md), with ``seatwise.core.money.quantize``
(ROUND_HALF_UP to the currency's minor unit; for negative amounts half away from zero, so a
credit mirrors the charge it reverses):

1. each line is computed exactly and rounded **once**:
   ``amount = quantize(unit_amount × quantity × days / term_days)``;
2. the net total is the sum of the rounded line amounts (no further rounding);
3. VAT is computed **once per document** on that net total, per VAT category, as EN 16931
   does (BR-CO-14: the VAT total is the sum of the category amounts; BR-S-08: a category's
   VAT is its rate applied to the sum of its lines' net amounts): ``tax = quantize(net ×
   rate / 100)``. A Seatwise document has one VAT category, so one VAT amount;
4. ``gross = net + tax``.

So ``net == sum(lines)``, ``gross == net + tax`` hold exactly. Rounding per line means that
adding n seats one at a time may differ from adding n seats at once by at most (n + 1) / 2
minor units (each of the n + 1 roundings moves the amount by at most half a unit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _

from seatwise.catalog.selectors import price_of
from seatwise.core.dates import add_months
from seatwise.core.errors import Invalid, Refused
from seatwise.core.money import quantize
from seatwise.subscriptions.services import MAX_SEATS, term_end_for
from seatwise.tax.decisions import TaxDecision

if TYPE_CHECKING:
    from seatwise.catalog.models import Plan
    from seatwise.subscriptions.models import Subscription

LineKind = Literal["term", "term_cotermed", "seats_added", "plan_credit", "plan_charge"]
Effective = Literal["now", "at_renewal"]

# Enough digits for any exact product of catalog values (12-digit prices × 10,000 seats ×
# 366 days) and a quotient far finer than the minor unit, so only ``quantize`` rounds.
_PRECISION = 60


@dataclass(frozen=True, slots=True)
class ProratedLine:
    """One invoice line: ``quantity`` seats for the days ``[period_start, period_end)``.

    ``unit_amount`` is the catalog price of one seat for a whole term of ``term_days`` days;
    ``days`` is the number of days charged; ``amount`` is the rounded line amount, negative
    for a credit. ``plan_code`` names the plan the line is for (for the description).
    """

    kind: LineKind
    plan_code: str
    quantity: int
    unit_amount: Decimal
    currency: str
    period_start: date
    period_end: date
    days: int
    term_days: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """What ``plan_change`` needs to know of a plan: plain values. ``unit_amount`` is the net
    price of one seat for a whole term: for the plan changed from, the price the current term
    was sold at; for the plan changed to, today's catalog price."""

    code: str
    tier_rank: int
    interval: str
    unit_amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanChange:
    """``now``: the lines to invoice today; ``at_renewal``: nothing is invoiced now."""

    effective: Effective
    lines: tuple[ProratedLine, ...]


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    currency: str
    tax_decision: TaxDecision


@dataclass(frozen=True, slots=True)
class Preview:
    """Everything an invoice of the purchase shows: its lines, its totals, and when it acts."""

    effective: Effective
    lines: tuple[ProratedLine, ...]
    totals: Totals


def _check_amount(unit_amount: Decimal) -> None:
    if not isinstance(unit_amount, Decimal) or not unit_amount.is_finite() or unit_amount < 0:
        raise ValueError("unit_amount must be a finite, non-negative Decimal")


def _check_seats(seats: int) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError("seats must be a positive int")


def _check_term(term_start: date, term_end: date, on: date) -> None:
    if not term_start <= on < term_end:
        raise ValueError("on must lie inside the term [term_start, term_end)")


def _prorate(
    unit_amount: Decimal, quantity: int, days: int, term_days: int, currency: str
) -> Decimal:
    with localcontext(prec=_PRECISION):
        exact = unit_amount * quantity * days / term_days
    return quantize(exact, currency)


def term_price(*, unit_amount: Decimal, seats: int, currency: str) -> Decimal:
    """The price of ``seats`` seats for one full term."""
    _check_amount(unit_amount)
    _check_seats(seats)
    return quantize(unit_amount * seats, currency)


def term_line(
    *,
    unit_amount: Decimal,
    seats: int,
    currency: str,
    term_start: date,
    term_end: date,
    plan_code: str = "",
) -> ProratedLine:
    """The line of a whole term (a new subscription or a renewal)."""
    term_days = (term_end - term_start).days
    return ProratedLine(
        kind="term",
        plan_code=plan_code,
        quantity=seats,
        unit_amount=unit_amount,
        currency=currency,
        period_start=term_start,
        period_end=term_end,
        days=term_days,
        term_days=term_days,
        amount=term_price(unit_amount=unit_amount, seats=seats, currency=currency),
    )


def proration(
    *,
    unit_amount: Decimal,
    seats: int,
    currency: str,
    term_start: date,
    term_end: date,
    on: date,
    plan_code: str = "",
) -> ProratedLine:
    """``seats`` seats added on day ``on``, charged by day to the end of the term (co-termed).

    ``amount = quantize(unit_amount × seats × (term_end − on).days / (term_end −
    term_start).days)``: the day ``on`` itself is charged, so seats added on the first day
    cost exactly the full term price.
    """
    _check_amount(unit_amount)
    _check_seats(seats)
    _check_term(term_start, term_end, on)
    term_days = (term_end - term_start).days
    days = (term_end - on).days
    return ProratedLine(
        kind="seats_added",
        plan_code=plan_code,
        quantity=seats,
        unit_amount=unit_amount,
        currency=currency,
        period_start=on,
        period_end=term_end,
        days=days,
        term_days=term_days,
        amount=_prorate(unit_amount, seats, days, term_days, currency),
    )


def cotermed_line(
    *,
    unit_amount: Decimal,
    seats: int,
    currency: str,
    term_start: date,
    term_end: date,
    on: date,
    plan_code: str = "",
) -> ProratedLine:
    """A new subscription's first term from ``on`` to ``term_end``, the end of the account's
    other subscriptions (co-termed): what ``proration`` charges for the days of the nominal
    term ``[term_start, term_end)`` left from ``on``, as a first term (kind ``term_cotermed``)."""
    line = proration(
        unit_amount=unit_amount,
        seats=seats,
        currency=currency,
        term_start=term_start,
        term_end=term_end,
        on=on,
        plan_code=plan_code,
    )
    return ProratedLine(
        kind="term_cotermed",
        plan_code=line.plan_code,
        quantity=line.quantity,
        unit_amount=line.unit_amount,
        currency=line.currency,
        period_start=line.period_start,
        period_end=line.period_end,
        days=line.days,
        term_days=line.term_days,
        amount=line.amount,
    )


def plan_change(
    *,
    old: PlanPrice,
    new: PlanPrice,
    seats: int,
    currency: str,
    term_start: date,
    term_end: date,
    on: date,
) -> PlanChange:
    """Change from plan ``old`` to ``new`` on day ``on`` (an upgrade now, prorated; a
    downgrade at renewal).

    - An **upgrade** (higher ``tier_rank``, same interval) takes effect now, for the rest of
      the current term: a credit for the unused days of ``old`` (negative) and a charge for
      the same days of ``new``, each rounded once. The credit is exactly what the same seats
      of ``old`` cost for those days at ``old.unit_amount``, the price they were sold at.
    - A **downgrade** (lower or equal ``tier_rank``) and any **change of interval** take
      effect at renewal: the current term is paid and runs unchanged (no refunds of prepaid
      terms), nothing is invoiced now, and the renewal invoices the new plan's full term.
      (An interval change cannot be co-termed: the new price is for a term of another length.)
    """
    if old.code == new.code:
        raise ValueError("a plan change needs two different plans")
    _check_amount(old.unit_amount)
    _check_amount(new.unit_amount)
    _check_seats(seats)
    _check_term(term_start, term_end, on)
    if new.interval != old.interval or new.tier_rank <= old.tier_rank:
        return PlanChange(effective="at_renewal", lines=())
    term_days = (term_end - term_start).days
    days = (term_end - on).days

    def line(kind: LineKind, plan: PlanPrice, sign: int) -> ProratedLine:
        # A zero credit stays 0.00, not -0.00.
        amount = _prorate(plan.unit_amount, seats, days, term_days, currency)
        return ProratedLine(
            kind=kind,
            plan_code=plan.code,
            quantity=seats,
            unit_amount=plan.unit_amount,
            currency=currency,
            period_start=on,
            period_end=term_end,
            days=days,
            term_days=term_days,
            amount=amount if sign > 0 or not amount else -amount,
        )

    return PlanChange(
        effective="now", lines=(line("plan_credit", old, -1), line("plan_charge", new, 1))
    )


def totals(*, lines: Iterable[ProratedLine], tax: TaxDecision, currency: str) -> Totals:
    """Net, VAT and gross of a document, by the rounding rule of this module."""
    net = quantize(Decimal(0), currency)
    for item in lines:
        if item.currency != currency:
            raise ValueError("every line of a document is in the document's currency")
        net += item.amount
    with localcontext(prec=_PRECISION):
        exact_tax = net * tax.rate / 100
    tax_amount = quantize(exact_tax, currency)
    return Totals(
        net=net, tax=tax_amount, gross=net + tax_amount, currency=currency, tax_decision=tax
    )


# --- Previews: the catalog price of a live subscription, then the pure functions ------------


def _unit_amount(*, plan: Plan, currency: str) -> Decimal:
    amount = price_of(plan=plan, currency=currency)
    if amount is None:
        raise Refused(
            "no_price_in_currency",
            _("This plan has no price in the account's currency."),
            field="plan_id",
        )
    return amount


def sold_unit_amount(subscription: Subscription) -> Decimal:
    """The net price of one seat for a whole term at which ``subscription``'s current term was
    sold: what the customer paid, whatever the catalog says today.

    The source is ``Subscription.term_unit_amount``, written in the same transaction as the sale
    of the term: the catalog price when the subscription was added, the renewal invoice's
    whole-term line per seat at renewal, the term price of the upgrade invoice's charge line at
    an upgrade. It is read from the subscription rather than looked up among invoices because no
    invoice line names the subscription it billed, and the subscription holds the price for
    exactly the plan and term it is on now. Seats added during the term
    (``orders.seats_purchase``, the Corporate Billing Portal's orders) were charged pro rata at
    the catalog price of their day and count at this price too. A subscription whose price was
    never known (see ``subscriptions`` migration 0004) falls back to the catalog price.
    """
    if subscription.term_unit_amount is not None:
        return subscription.term_unit_amount
    return _unit_amount(plan=subscription.plan, currency=subscription.account.currency)


def _check_on(subscription: Subscription, on: date) -> None:
    if not subscription.term_start <= on < subscription.term_end:
        raise Refused(
            "outside_term",
            _("The change must fall within the subscription's current term."),
        )


def preview_seat_addition(
    *, subscription: Subscription, seats_to_add: int, on: date, tax: TaxDecision
) -> Preview:
    """The lines and totals of adding ``seats_to_add`` seats to ``subscription`` on ``on``.

    The invoice of the purchase is built from this same call, so it shows these amounts.
    """
    if (
        isinstance(seats_to_add, bool)
        or not isinstance(seats_to_add, int)
        or not 1 <= seats_to_add <= MAX_SEATS - subscription.seats
    ):
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )
    _check_on(subscription, on)
    currency = subscription.account.currency
    line = proration(
        unit_amount=_unit_amount(plan=subscription.plan, currency=currency),
        seats=seats_to_add,
        currency=currency,
        term_start=subscription.term_start,
        term_end=subscription.term_end,
        on=on,
        plan_code=subscription.plan.code,
    )
    return Preview(
        effective="now",
        lines=(line,),
        totals=totals(lines=(line,), tax=tax, currency=currency),
    )


def preview_plan_change(
    *, subscription: Subscription, new_plan: Plan, on: date, tax: TaxDecision
) -> Preview:
    """The lines and totals of changing ``subscription`` to ``new_plan`` on ``on``.

    An upgrade is invoiced now (see ``plan_change``): the unused days of the current plan are
    credited at the price the term was sold at (``sold_unit_amount``), the same days of the new
    plan are charged at today's catalog price. The review shown to the customer and the
    invoice are both this call's lines, so they agree to the cent. A downgrade or an interval
    change previews as ``at_renewal`` with no lines and zero totals.
    """
    if new_plan.product_id != subscription.product_id:
        raise Refused(
            "plan_of_other_product",
            _("The new plan must be a plan of the same product."),
            field="plan_id",
        )
    if new_plan.pk == subscription.plan_id:
        raise Refused("same_plan", _("The subscription is already on this plan."), field="plan_id")
    _check_on(subscription, on)
    currency = subscription.account.currency
    old_plan = subscription.plan
    change = plan_change(
        old=PlanPrice(
            code=old_plan.code,
            tier_rank=old_plan.tier_rank,
            interval=old_plan.interval,
            unit_amount=sold_unit_amount(subscription),
        ),
        new=PlanPrice(
            code=new_plan.code,
            tier_rank=new_plan.tier_rank,
            interval=new_plan.interval,
            unit_amount=_unit_amount(plan=new_plan, currency=currency),
        ),
        seats=subscription.seats,
        currency=currency,
        term_start=subscription.term_start,
        term_end=subscription.term_end,
        on=on,
    )
    return Preview(
        effective=change.effective,
        lines=change.lines,
        totals=totals(lines=change.lines, tax=tax, currency=currency),
    )


def preview_new_subscription(
    *, plan: Plan, seats: int, currency: str, on: date, term_end: date, tax: TaxDecision
) -> Preview:
    """The lines and totals of a new subscription of ``plan`` with ``seats`` seats from ``on``
    to ``term_end``, at today's catalog price.

    ``term_end`` is the end of a whole term from ``on`` (one ``term_line``), or an earlier day
    within that term, the end of the account's other subscriptions (co-termed: the days from
    ``on`` of the term of the plan's length that ends then, ``cotermed_line``). The invoice of
    the purchase is built from this same call, so it shows these amounts.
    """
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )
    unit_amount = _unit_amount(plan=plan, currency=currency)
    full_end = term_end_for(plan=plan, term_start=on)
    if term_end == full_end:
        line = term_line(
            unit_amount=unit_amount,
            seats=seats,
            currency=currency,
            term_start=on,
            term_end=full_end,
            plan_code=plan.code,
        )
    elif on < term_end < full_end:
        line = cotermed_line(
            unit_amount=unit_amount,
            seats=seats,
            currency=currency,
            term_start=nominal_term_start(plan=plan, term_end=term_end),
            term_end=term_end,
            on=on,
            plan_code=plan.code,
        )
    else:
        raise Refused(
            "coterm_outside_term",
            _("A co-termed subscription ends within its first term."),
            field="term_end",
        )
    return Preview(
        effective="now",
        lines=(line,),
        totals=totals(lines=(line,), tax=tax, currency=currency),
    )


def nominal_term_start(*, plan: Plan, term_end: date) -> date:
    """The start of the term of ``plan``'s length that ends on ``term_end``."""
    return add_months(term_end, -1 if plan.interval == "month" else -12)
