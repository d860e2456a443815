"""**Add a New Subscription** (Buy or Try) and **Subscribe Now** of a trial, in the Billing
Center of an online account: a purchase of the sales pipeline of kind ``new_subscription``.

**Buy** a product the account has no live subscription of: a plan, a number of seats, and a
first term that is either a whole term of the plan from today or, the customer's choice, ends
with the account's other subscriptions (co-termed: ``coterm_dates`` offers the ends that fall
within one term of the plan from today; the days to that end are charged pro rata,
``pricing.lines.preview_new_subscription``). The review shows the exact lines, VAT and total;
the purchase (``new_subscription_purchase``) starts under the account's lock with the price
reviewed (a different price now is refused), stores those lines, and the pipeline invoices
exactly them, charges what is due on the account's card for automatic payments (the card on
file, or the new card the customer has just put on file), creates the subscription, records
the payment and queues the invoice and receipt e-mails, each once (``billing.orders``: the
same key is the same purchase; a decline voids the invoice by a credit note and creates
nothing).

**Try** starts a free trial instead (``new_subscription_trial``; the rules are
``subscriptions.trials``'): nothing is invoiced or charged.

**Subscribe Now** (``trial_convert_purchase``) converts a running or an ended trial: a plan
of its product, its seats (never fewer than are assigned), a whole term from the day of
conversion; the same purchase, whose ``applied`` step converts the trial
(``subscriptions.trials.trial_convert``) instead of creating a subscription.

While one of these purchases is open, the account's other Billing Center purchases, and a
trial, are refused (``orders.purchase_in_flight_refuse``): the subscription the purchase
creates is not taken meanwhile. Corporate accounts get their products from their sales
representative: every service here refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor
from seatwise.billing.orders import (
    PURCHASABLE,
    CardPurchasePlan,
    PurchaseStatus,
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
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.payments.models import Charge
from seatwise.pricing.lines import Preview, preview_new_subscription
from seatwise.pricing.snapshot import lines_restore
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchase_run
from seatwise.subscriptions.models import LIVE_STATUSES, Subscription
from seatwise.subscriptions.services import MAX_SEATS, subscription_add, term_end_for
from seatwise.subscriptions.trials import (
    trial_available_for_conversion,
    trial_convert,
    trial_start,
)


@dataclass(frozen=True, slots=True)
class NewSubscriptionReview:
    """What a purchase would invoice and charge now (``preview``), for the first term
    ``[term_start, term_end)``."""

    plan: Plan
    seats: int
    term_start: date
    term_end: date
    preview: Preview


@dataclass(frozen=True, slots=True)
class NewSubscriptionResult:
    """What a purchase did: ``subscription`` once it is completed; ``message`` the card's
    message when it was not."""

    status: PurchaseStatus
    subscription: Subscription | None
    invoice: Invoice
    charge: Charge | None
    message: str


def coterm_dates(*, account_id: int, plan: Plan, on: date) -> list[date]:
    """The ends of the account's other subscriptions (active or pending cancellation) that a
    new subscription of ``plan`` starting ``on`` may be co-termed with: within its first
    term, never on its first day."""
    full_end = term_end_for(plan=plan, term_start=on)
    return sorted(
        set(
            Subscription.objects.filter(
                account_id=account_id,
                status__in=PURCHASABLE,
                term_end__gt=on,
                term_end__lt=full_end,
            )
            .exclude(product_id=plan.product_id)
            .values_list("term_end", flat=True)
        )
    )


def _online_required(account: Account) -> None:
    if account.kind != Account.Kind.ONLINE:
        raise Refused(
            "corporate_account",
            _("A corporate account's products are added by its sales representative."),
            field="plan_id",
        )


def _plan_sold(plan: Plan) -> None:
    if not plan.is_active or not plan.product.is_active:
        raise Refused("plan_inactive", _("This plan is no longer sold."), field="plan_id")


def _seats_check(seats: int) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )


def _preview(
    *, account: Account, plan: Plan, seats: int, on: date, term_end: date
) -> NewSubscriptionReview:
    purchase_in_flight_refuse(account_id=account.pk)
    tax = account_tax_decision(account=account, on=on)
    preview = preview_new_subscription(
        plan=plan,
        seats=seats,
        currency=account.currency,
        on=on,
        term_end=term_end,
        tax=tax,
    )
    return NewSubscriptionReview(plan, seats, on, term_end, preview)


def _buy_review(
    *, account: Account, plan: Plan, seats: int, on: date, coterm: date | None
) -> NewSubscriptionReview:
    """The checks of a Buy and its price; writes nothing."""
    _online_required(account)
    _plan_sold(plan)
    _seats_check(seats)
    if Subscription.objects.filter(
        account_id=account.pk, product_id=plan.product_id, status__in=LIVE_STATUSES
    ).exists():
        raise Refused(
            "product_already_subscribed",
            _("The account already has a subscription to this product."),
            field="plan_id",
        )
    if coterm is not None and coterm not in coterm_dates(account_id=account.pk, plan=plan, on=on):
        raise Refused(
            "coterm_unavailable",
            _("No other subscription of the account ends on that day within the first term."),
            field="term_end",
        )
    term_end = coterm or term_end_for(plan=plan, term_start=on)
    return _preview(account=account, plan=plan, seats=seats, on=on, term_end=term_end)


def new_subscription_review(
    *, account: Account, plan: Plan, seats: int, coterm: date | None = None, on: date | None = None
) -> NewSubscriptionReview:
    """What ``new_subscription_purchase`` would invoice and charge now, with the same
    refusals; writes nothing. ``coterm``: the end of another subscription to end with (one of
    ``coterm_dates``), else a whole term. The customer confirms with its gross as
    ``expected_gross``."""
    return _buy_review(
        account=account, plan=plan, seats=seats, on=on or timezone.localdate(), coterm=coterm
    )


def _run(purchase: Purchase, *, by: Actor) -> tuple[Purchase, PurchaseStatus, str]:
    done = purchase_run(purchase.pk, by=by)
    assert done.invoice is not None  # the first step, done before the charge
    status = purchase_status(done)
    return done, status, "" if status == "completed" else purchase_message(done)


def _start_and_run(
    *,
    account: Account,
    key: str,
    params: dict[str, Any],
    review: Callable[[Account], NewSubscriptionReview],
    expected_gross: Decimal | None,
    on: date,
    by: Actor,
) -> tuple[Purchase, PurchaseStatus, str]:
    """The purchase of ``key`` (started under the account's lock from ``review`` of the locked
    account, refused if its total is not the one reviewed), run through the pipeline."""
    kind = Purchase.Kind.NEW_SUBSCRIPTION

    def start(locked: Account) -> Purchase:
        preview = review(locked).preview
        price_changed_refuse(preview=preview, expected_gross=expected_gross)
        return card_purchase_start(
            kind=kind, account=locked, key=key, params=params, preview=preview, on=on, by=by
        )

    found = purchase_found_or_started(
        account=account, key=key, kind=kind, params=params, start=start
    )
    return _run(found, by=by)


def new_subscription_purchase(
    *,
    account: Account,
    plan: Plan,
    seats: int,
    by: Actor,
    idempotency_key: str,
    coterm: date | None = None,
    on: date | None = None,
    expected_gross: Decimal | None = None,
) -> NewSubscriptionResult:
    """**Buy**: a new subscription of ``plan`` with ``seats`` seats, paid by card now (see
    the module docstring). The same ``idempotency_key`` again is the same purchase, completed
    once; ``expected_gross`` is the total the customer reviewed. Call it outside
    ``transaction.atomic()``."""
    key = purchase_key_check(idempotency_key)
    params: dict[str, Any] = {
        "plan": plan.pk,
        "seats": seats,
        "coterm": coterm.isoformat() if coterm else "",
    }
    day = on or timezone.localdate()

    purchase, status, message = _start_and_run(
        account=account,
        key=key,
        params=params,
        review=lambda locked: _buy_review(
            account=locked, plan=plan, seats=seats, on=day, coterm=coterm
        ),
        expected_gross=expected_gross,
        on=day,
        by=by,
    )
    subscription = (
        Subscription.objects.select_related("product", "plan")
        .filter(account_id=account.pk, product_id=plan.product_id, status__in=LIVE_STATUSES)
        .first()
        if status == "completed"
        else None
    )
    assert purchase.invoice is not None
    return NewSubscriptionResult(status, subscription, purchase.invoice, purchase.charge, message)


def new_subscription_trial(
    *,
    account: Account,
    plan: Plan,
    seats: int,
    by: Actor,
    on: date | None = None,
    assign_to: Person | None = None,
) -> Subscription:
    """**Try**: a free trial of ``plan`` (``subscriptions.trials.trial_start``), refused while
    a purchase of the account is open (it may be creating a subscription of the product)."""
    _online_required(account)
    with transaction.atomic():
        account_lock(account.pk)
        purchase_in_flight_refuse(account_id=account.pk)
        return trial_start(
            account=account, plan=plan, seats=seats, by=by, on=on, assign_to=assign_to
        )


def _trial_of(subscription: Subscription, account: Account) -> Subscription:
    """The trial read again: running, or ended and not converted."""
    current = (
        Subscription.objects.select_related("account", "plan", "product")
        .filter(pk=subscription.pk, account_id=account.pk)
        .first()
    )
    if current is None or not (current.is_trial or current.is_ended_trial):
        raise Refused(
            "not_a_trial",
            _("Only a trial can be converted with Subscribe Now."),
            field="subscription",
        )
    return current


def _conversion_review(
    *, subscription: Subscription, account: Account, plan: Plan, seats: int, on: date
) -> NewSubscriptionReview:
    """The checks of Subscribe Now and its price; writes nothing."""
    _online_required(account)
    trial = _trial_of(subscription, account)
    if plan.product_id != trial.product_id:
        raise Refused(
            "plan_of_other_product",
            _("The new plan must be a plan of the same product."),
            field="plan_id",
        )
    _plan_sold(plan)
    _seats_check(seats)
    if seats < trial.seats_assigned:
        raise Refused(
            "seats_below_assigned",
            _(
                "%(assigned)d seats are assigned to users: the subscription cannot have "
                "fewer. Remove licenses in the Admin Center first."
            )
            % {"assigned": trial.seats_assigned},
            field="seats",
        )
    if trial.is_ended_trial:
        trial_available_for_conversion(trial)
    term_end = term_end_for(plan=plan, term_start=on)
    return _preview(account=account, plan=plan, seats=seats, on=on, term_end=term_end)


def trial_conversion_review(
    *, subscription: Subscription, plan: Plan, seats: int, on: date | None = None
) -> NewSubscriptionReview:
    """What ``trial_convert_purchase`` would invoice and charge now, with the same refusals;
    writes nothing."""
    return _conversion_review(
        subscription=subscription,
        account=subscription.account,
        plan=plan,
        seats=seats,
        on=on or timezone.localdate(),
    )


def trial_convert_purchase(
    *,
    subscription: Subscription,
    plan: Plan,
    seats: int,
    by: Actor,
    idempotency_key: str,
    on: date | None = None,
    expected_gross: Decimal | None = None,
) -> NewSubscriptionResult:
    """**Subscribe Now**: the trial (running or ended) becomes a subscription of ``plan`` with
    ``seats`` seats, its term starting today, paid by card now. Idempotent by key, as
    ``new_subscription_purchase``. Call it outside ``transaction.atomic()``."""
    key = purchase_key_check(idempotency_key)
    account = subscription.account
    params: dict[str, Any] = {"trial": subscription.pk, "plan": plan.pk, "seats": seats}
    day = on or timezone.localdate()

    purchase, status, message = _start_and_run(
        account=account,
        key=key,
        params=params,
        review=lambda locked: _conversion_review(
            subscription=subscription, account=locked, plan=plan, seats=seats, on=day
        ),
        expected_gross=expected_gross,
        on=day,
        by=by,
    )
    converted = (
        Subscription.objects.select_related("product", "plan").get(pk=subscription.pk)
        if status == "completed"
        else None
    )
    assert purchase.invoice is not None
    return NewSubscriptionResult(status, converted, purchase.invoice, purchase.charge, message)


class NewSubscriptionPlan(CardPurchasePlan):
    """A new subscription (Buy) or a trial converted (Subscribe Now), for the first term of
    the invoice's one line: its plan, seats, period and price per seat and term."""

    kind = Purchase.Kind.NEW_SUBSCRIPTION
    source = Invoice.Source.PURCHASE

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        lines, _tax = lines_restore(purchase.lines)
        line = lines[0]
        params = purchase.params
        plan = Plan.objects.select_related("product").get(pk=int(params["plan"]))
        paid_by = {
            "invoice": purchase.invoice.number if purchase.invoice else None,
            "charge": purchase.charge_id,
        }
        if "trial" in params:
            trial_convert(
                subscription_id=int(params["trial"]),
                plan=plan,
                seats=int(params["seats"]),
                term_start=line.period_start,
                term_end=line.period_end,
                term_unit_amount=line.unit_amount,
                by=by,
                paid_by=paid_by,
            )
            return
        # The product was checked free under the account's lock when the purchase started,
        # and no trial or other Billing Center purchase can start while it is open.
        subscription_add(
            account=purchase.account,
            plan=plan,
            seats=int(params["seats"]),
            by=by,
            term_start=line.period_start,
            term_end=line.period_end,
            term_unit_amount=line.unit_amount,
        )
