"""Plan and seat changes of an online subscription in the Billing Center: plan and seat changes
take effect at once, prorated; a lower tier takes effect at renewal; a prepaid term is not
refunded.

**Plan** (``plan_change``), by ``pricing.plan_change``'s rule:

- An **upgrade** (a higher tier, same interval) takes effect now. Its invoice is built from the
  very ``pricing.preview_plan_change`` call that priced it: a credit line for the old plan's
  unused days at the price the term was sold at (``Subscription.term_unit_amount``, not today's
  catalog price) and a charge line for the new plan's same days at today's catalog price, VAT on
  the net. It is paid by the three idempotent steps of every purchase (``billing.orders``:
  invoice, charge with the idempotency key, completion once), then the plan is switched with an
  audit entry (a pending change is dropped: the upgrade supersedes it; the term's price becomes
  the new plan's, as charged) and the invoice and receipt e-mails are queued. A declined (or
  never attempted) charge voids the invoice at once by a full credit note and changes nothing
  (the decline rule, ``billing.orders``). An upgrade whose total is zero switches at once with
  no invoice; one whose total would be negative (a catalog whose higher tier is cheaper) is
  refused.
- A **downgrade** (a lower or equal tier) or a **change of interval** is scheduled: it sets
  ``pending_plan`` (audited), charges nothing, and takes effect at renewal (``term_end``),
  where ``billing.renewals`` invoices the new plan's full term and switches to it.
- Choosing the **current plan** again clears a pending change (the undo).

**Seats**: adding seats is ``orders.seats_purchase`` (charged pro rata now). Reducing seats
(``renewal_seats_set``) is a decision of this module: the current term is prepaid and is not
refunded, so the seats stay until the term ends, and ``renewal_seats`` says how many the
renewal invoices. It is never below the seats assigned now (the customer removes licenses
first) nor below one; the renewal takes ``max(renewal_seats, seats assigned then)``, so no
one loses a license by it. Setting the current number again clears it (the undo).

A scheduled change (plan or seats) can only be made while the renewal is ahead: not on a
subscription that ends at term end (Pending Cancellation: reactivate first), and not once the
term has ended (the renewal invoice is issued then, and must match what the renewal applies).
Corporate subscriptions are changed in the Corporate Billing Portal, so these services refuse
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.orders import (
    PURCHASABLE,
    CardPurchasePlan,
    automatic_card_of,
    card_purchase_start,
    price_changed_refuse,
    purchase_found_or_started,
    purchase_in_flight_refuse,
    purchase_key_check,
    purchase_message,
    purchase_status,
)
from seatwise.catalog.models import Plan
from seatwise.core.errors import Invalid, Refused
from seatwise.core.money import quantize
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.payments.models import Charge
from seatwise.pricing.lines import Preview, preview_plan_change
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchase_run
from seatwise.subscriptions.lock_objects import subscription_lock_in_account
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import MAX_SEATS

PlanChangeStatus = Literal[
    "completed", "declined", "not_attempted", "processing", "scheduled", "cleared", "unchanged"
]
SeatsChangeStatus = Literal["scheduled", "cleared", "unchanged"]
PLAN_FIELDS = ["plan", "pending_plan", "term_unit_amount"]


@dataclass(frozen=True, slots=True)
class PlanChangeResult:
    """What ``plan_change`` did. ``effective_on``: the day the plan applies from (today for an
    upgrade, the renewal day for a scheduled change); ``message``: the card's message when a
    charge was not completed, else empty."""

    status: PlanChangeStatus
    subscription: Subscription
    invoice: Invoice | None
    charge: Charge | None
    effective_on: date | None
    message: str = ""


@dataclass(frozen=True, slots=True)
class PlanChangeReview:
    """What a plan change would do: ``now`` (an upgrade: ``preview`` is what is invoiced and
    charged, effective ``effective_on`` = today), ``at_renewal`` (scheduled for
    ``effective_on``, the renewal day; ``preview`` has no lines), ``clear`` (the current plan
    chosen again: a scheduled change is dropped), ``none`` (nothing to do)."""

    kind: Literal["now", "at_renewal", "clear", "none"]
    preview: Preview | None
    effective_on: date


@dataclass(frozen=True, slots=True)
class SeatsChangeResult:
    status: SeatsChangeStatus
    subscription: Subscription
    effective_on: date


def _current(*, subscription: Subscription, account: Account, lock: bool) -> Subscription:
    """The subscription read again (under the account's lock, held by the caller, when
    ``lock``), online only, active or pending cancellation."""
    if account.kind != Account.Kind.ONLINE:
        raise Refused(
            "corporate_account",
            _("This subscription is managed in the Corporate Billing Portal."),
            field="subscription",
        )
    if lock:
        current = subscription_lock_in_account(
            account_id=account.pk, subscription_id=subscription.pk
        )
    else:
        current = (
            Subscription.objects.select_related("account", "plan", "product", "pending_plan")
            .filter(pk=subscription.pk, account_id=account.pk)
            .first()
        )
    if current is None or current.status not in PURCHASABLE:
        raise Refused(
            "subscription_not_active",
            _("Only an active subscription can be changed."),
            field="subscription",
        )
    return current


def _renewal_ahead_required(current: Subscription, day: date) -> None:
    if current.status != Subscription.Status.ACTIVE or not current.auto_renew:
        raise Refused(
            "not_renewed",
            _(
                "This subscription ends with its term and is not renewed: reactivate it to "
                "change it from the renewal on."
            ),
            field="subscription",
        )
    if not current.term_start <= day < current.term_end:
        raise Refused(
            "outside_term",
            _("The change must fall within the subscription's current term."),
            field="subscription",
        )


def _pending_plan_set(*, current: Subscription, plan: Plan | None, by: Actor) -> bool:
    """Set (or clear, None) the plan that applies from the renewal; False: nothing to do."""
    if current.pending_plan_id == (plan.pk if plan else None):
        return False
    old = snapshot(current, ["pending_plan"])
    current.pending_plan = plan
    current.save(update_fields=["pending_plan"])
    audit_record(
        by=by,
        action="subscription.plan_schedule" if plan else "subscription.plan_schedule_clear",
        obj=current,
        account_id=current.account_id,
        old=old,
        new={**snapshot(current, ["pending_plan"]), "effective_on": str(current.term_end)},
    )
    return True


def _term_price_charged(invoice: Invoice) -> Decimal:
    """The price per seat and term at which an upgrade's invoice charged the new plan.

    The charge is the invoice's last line (``pricing.plan_change`` puts it after the credit).
    A prorated line keeps the term price it was computed from (``InvoiceLine.term_unit_price``);
    a line of the whole term (an upgrade on the term's first day) has none, and is that price
    for each of its seats.
    """
    line = invoice.lines.order_by("-position").first()
    assert line is not None  # an upgrade invoice has its credit and its charge line
    if line.term_unit_price is not None:
        return line.term_unit_price
    return quantize(line.net_amount / line.quantity, invoice.currency)


class PlanChangePlan(CardPurchasePlan):
    """An upgrade: the plan switched (a pending change dropped) at the price the invoice
    charged for it."""

    kind = Purchase.Kind.PLAN_CHANGE
    source = Invoice.Source.PLAN_CHANGE

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        assert purchase.invoice is not None
        plan = Plan.objects.get(pk=int(purchase.params["plan"]))
        price = _term_price_charged(purchase.invoice)

        def switch(held: Subscription) -> None:
            held.plan = plan
            held.pending_plan = None
            held.term_unit_amount = price

        self.subscription_change(
            purchase, fields=PLAN_FIELDS, action="subscription.plan_change", change=switch, by=by
        )


def _plan_decision(
    *, current: Subscription, account: Account, new_plan: Plan, day: date
) -> PlanChangeReview:
    """The checks of a plan change and what it would do; writes nothing."""
    if new_plan.product_id != current.product_id:
        raise Refused(
            "plan_of_other_product",
            _("The new plan must be a plan of the same product."),
            field="plan_id",
        )
    if new_plan.pk == current.plan_id:
        if current.pending_plan_id is None:
            return PlanChangeReview("none", None, day)
        _renewal_ahead_required(current, day)  # the undo of a scheduled change
        return PlanChangeReview("clear", None, current.term_end)
    if not new_plan.is_active:
        raise Refused("plan_not_offered", _("This plan is no longer offered."), field="plan_id")
    purchase_in_flight_refuse(account_id=account.pk)
    tax = account_tax_decision(account=account, on=day)
    preview = preview_plan_change(subscription=current, new_plan=new_plan, on=day, tax=tax)
    if preview.effective == "at_renewal":
        _renewal_ahead_required(current, day)
        return PlanChangeReview("at_renewal", preview, current.term_end)
    if preview.totals.gross < 0:
        raise Refused(
            "upgrade_cheaper",
            _("This plan costs less than the current one: it cannot be an upgrade."),
            field="plan_id",
        )
    if preview.totals.gross > 0:
        automatic_card_of(account)
    return PlanChangeReview("now", preview, day)


def plan_change_review(
    *, subscription: Subscription, new_plan: Plan, on: date | None = None
) -> PlanChangeReview:
    """What ``plan_change`` would do, with the same refusals; writes nothing. For an upgrade,
    ``preview`` holds the exact lines and totals that would be invoiced and charged now; the
    customer confirms with its gross as ``expected_gross``."""
    account = subscription.account
    current = _current(subscription=subscription, account=account, lock=False)
    return _plan_decision(
        current=current, account=account, new_plan=new_plan, day=on or timezone.localdate()
    )


def _plan_change_start(
    *,
    subscription: Subscription,
    account: Account,
    new_plan: Plan,
    day: date,
    key: str,
    expected_gross: Decimal | None,
    by: Actor,
) -> Purchase | PlanChangeResult:
    """Under the account's lock: schedule, clear or switch at no cost (the result), or start
    an upgrade's purchase (to be invoiced and paid)."""
    current = _current(subscription=subscription, account=account, lock=True)
    review = _plan_decision(current=current, account=account, new_plan=new_plan, day=day)
    if review.kind == "none":
        return PlanChangeResult("unchanged", current, None, None, None)
    if review.kind == "clear":
        _pending_plan_set(current=current, plan=None, by=by)
        return PlanChangeResult("cleared", current, None, None, None)
    if review.kind == "at_renewal":
        _pending_plan_set(current=current, plan=new_plan, by=by)
        return PlanChangeResult("scheduled", current, None, None, current.term_end)
    assert review.preview is not None
    price_changed_refuse(preview=review.preview, expected_gross=expected_gross)
    if review.preview.totals.gross == 0:
        # Nothing to pay: switched at once, with no invoice, at the new plan's price as
        # previewed (the charge line comes after the credit).
        old = snapshot(current, PLAN_FIELDS)
        current.plan = new_plan
        current.pending_plan = None
        current.term_unit_amount = review.preview.lines[-1].unit_amount
        current.save(update_fields=PLAN_FIELDS)
        audit_record(
            by=by,
            action="subscription.plan_change",
            obj=current,
            account_id=current.account_id,
            old=old,
            new=snapshot(current, PLAN_FIELDS),
        )
        return PlanChangeResult("completed", current, None, None, day)
    return card_purchase_start(
        kind=Purchase.Kind.PLAN_CHANGE,
        account=account,
        key=key,
        params=_upgrade_params(subscription=current, new_plan=new_plan),
        preview=review.preview,
        on=day,
        by=by,
    )


def _upgrade_params(*, subscription: Subscription, new_plan: Plan) -> dict[str, int]:
    return {"subscription": subscription.pk, "plan": new_plan.pk}


def plan_change(
    *,
    subscription: Subscription,
    new_plan: Plan,
    by: Actor,
    idempotency_key: str,
    on: date | None = None,
    expected_gross: Decimal | None = None,
) -> PlanChangeResult:
    """Change ``subscription`` to ``new_plan`` on ``on`` (today): see the module docstring.

    Calling it again with the same ``idempotency_key`` completes an upgrade exactly once and
    charges once. ``expected_gross``: the total the customer reviewed; a different price now
    is refused before anything is written. Call it outside ``transaction.atomic()``.
    """
    key = purchase_key_check(idempotency_key)
    account = subscription.account
    kind = Purchase.Kind.PLAN_CHANGE
    params = _upgrade_params(subscription=subscription, new_plan=new_plan)
    day = on or timezone.localdate()
    found = purchase_found_or_started(
        account=account,
        key=key,
        kind=kind,
        params=params,
        start=lambda locked: _plan_change_start(
            subscription=subscription,
            account=locked,
            new_plan=new_plan,
            day=day,
            key=key,
            expected_gross=expected_gross,
            by=by,
        ),
    )
    if isinstance(found, PlanChangeResult):
        return found
    purchase = purchase_run(found.pk, by=by)
    status = purchase_status(purchase)
    current = Subscription.objects.select_related("plan", "product", "pending_plan").get(
        pk=subscription.pk
    )
    invoice = purchase.invoice
    if status == "completed":
        assert invoice is not None
        return PlanChangeResult(status, current, invoice, purchase.charge, invoice.issue_date)
    return PlanChangeResult(
        status, current, invoice, purchase.charge, None, purchase_message(purchase)
    )


def _seats_decision(
    *, current: Subscription, seats: int, day: date
) -> tuple[SeatsChangeStatus, int | None]:
    """The checks of a seat reduction, and (status, the ``renewal_seats`` to store)."""
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )
    if seats > current.seats:
        raise Refused(
            "seats_to_buy",
            _("To have more seats, buy them: they are charged pro rata from today."),
            field="seats",
        )
    target = None if seats == current.seats else seats
    if target == current.renewal_seats:
        return "unchanged", target
    _renewal_ahead_required(current, day)
    if target is not None and target < current.seats_assigned:
        raise Refused(
            "seats_below_assigned",
            _(
                "%(assigned)d seats are assigned to users: the subscription cannot have "
                "fewer. Remove licenses in the Admin Center first."
            )
            % {"assigned": current.seats_assigned},
            field="seats",
        )
    return ("scheduled" if target is not None else "cleared"), target


def renewal_seats_review(
    *, subscription: Subscription, seats: int, on: date | None = None
) -> SeatsChangeResult:
    """What ``renewal_seats_set`` would do, with the same refusals; writes nothing."""
    current = _current(subscription=subscription, account=subscription.account, lock=False)
    status, _target = _seats_decision(current=current, seats=seats, day=on or timezone.localdate())
    return SeatsChangeResult(status, current, current.term_end)


def renewal_seats_set(
    *, subscription: Subscription, seats: int, by: Actor, on: date | None = None
) -> SeatsChangeResult:
    """Fewer seats from the renewal on (see the module docstring): ``seats`` is the new total.

    ``seats`` equal to the current number clears a scheduled reduction; more seats are bought
    with ``orders.seats_purchase`` instead. Idempotent: setting the same number again writes
    nothing.
    """
    day = on or timezone.localdate()
    with transaction.atomic():
        locked_account = account_lock(subscription.account_id)
        current = _current(subscription=subscription, account=locked_account, lock=True)
        status, target = _seats_decision(current=current, seats=seats, day=day)
        if status == "unchanged":
            return SeatsChangeResult(status, current, current.term_end)
        old = snapshot(current, ["renewal_seats"])
        current.renewal_seats = target
        current.save(update_fields=["renewal_seats"])
        audit_record(
            by=by,
            action=(
                "subscription.renewal_seats_set"
                if target is not None
                else "subscription.renewal_seats_clear"
            ),
            obj=current,
            account_id=current.account_id,
            old=old,
            new={**snapshot(current, ["renewal_seats"]), "effective_on": str(current.term_end)},
        )
    return SeatsChangeResult(status, current, current.term_end)
