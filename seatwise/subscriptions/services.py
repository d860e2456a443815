"""Writes of the subscriptions domain: subscriptions and license assignments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock_only
from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import price_of
from seatwise.core.dates import add_months
from seatwise.core.errors import Invalid, Refused
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription

MAX_SEATS = 10_000
TERM_START_MIN = date(2000, 1, 1)
TERM_START_MAX = date(2099, 12, 31)
SUBSCRIPTION_AUDIT_FIELDS = [
    "product",
    "plan",
    "seats",
    "term_start",
    "term_end",
    "status",
    "auto_renew",
    "term_unit_amount",
]


def term_end_for(*, plan: Plan, term_start: date) -> date:
    return add_months(term_start, 1 if plan.interval == Plan.Interval.MONTH else 12)


def subscription_add(
    *,
    account: Account,
    plan: Plan,
    seats: int,
    by: Actor,
    term_start: date | None = None,
    auto_renew: bool = True,
    term_end: date | None = None,
    term_unit_amount: Decimal | None = None,
) -> Subscription:
    """Add a subscription of ``plan`` with ``seats`` seats; one live subscription per product.

    The term is one whole term of the plan from ``term_start`` (today), or ends on
    ``term_end`` within it (a first term co-termed with the account's other subscriptions,
    ``billing.new_subscriptions``). ``term_unit_amount``: the price per seat and term the
    first term was sold at, as invoiced (default: today's catalog price)."""
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )
    if not plan.is_active or not plan.product.is_active:
        raise Refused("plan_inactive", _("This plan is no longer sold."), field="plan_id")
    unit_amount = price_of(plan=plan, currency=account.currency)
    if unit_amount is None:
        raise Refused(
            "no_price_in_currency",
            _("This plan has no price in the account's currency."),
            field="plan_id",
        )
    start = term_start or timezone.now().date()
    if not TERM_START_MIN <= start <= TERM_START_MAX:
        raise Invalid(
            "term_start_out_of_range",
            _("The term starts between 2000-01-01 and 2099-12-31."),
            field="term_start",
        )
    full_end = term_end_for(plan=plan, term_start=start)
    end = term_end or full_end
    if not start < end <= full_end:
        raise Invalid(
            "term_end_out_of_range",
            _("The first term ends within one term of the plan."),
            field="term_end",
        )
    with transaction.atomic():
        account_lock_only(account.pk)
        if Subscription.objects.filter(
            account=account, product_id=plan.product_id, status__in=LIVE_STATUSES
        ).exists():
            raise Refused(
                "product_already_subscribed",
                _("The account already has a subscription to this product."),
                field="plan_id",
            )
        subscription = Subscription.objects.create(
            account=account,
            # The product as the plan holds it (read above): the audit entry names it.
            product=plan.product,
            plan=plan,
            seats=seats,
            term_start=start,
            term_end=end,
            auto_renew=auto_renew,
            # The term is sold at today's catalog price, or as invoiced (see ``Subscription``).
            term_unit_amount=term_unit_amount if term_unit_amount is not None else unit_amount,
        )
        audit_record(
            by=by,
            action="subscription.add",
            obj=subscription,
            account_id=account.pk,
            new=snapshot(subscription, SUBSCRIPTION_AUDIT_FIELDS),
        )
    return subscription


def license_assign(*, subscription: Subscription, person: Person, by: Actor) -> LicenseAssignment:
    """Give ``person`` one seat of the subscription's product.

    The seat is taken by a conditional UPDATE (``seats_assigned < seats``) in the same
    transaction as the assignment row, so concurrent assignments can never exceed the seats
    bought; the check constraint guards the same invariant in the database.
    """
    if person.account_id != subscription.account_id or not person.is_active:
        raise Refused(
            "not_a_member",
            _("Licenses can only be assigned to members of the account."),
            field="person_id",
        )
    if subscription.status not in LIVE_STATUSES:
        raise Refused("subscription_ended", _("This subscription has ended."))
    with transaction.atomic():
        if LicenseAssignment.objects.filter(subscription=subscription, person=person).exists():
            raise Refused(
                "already_assigned",
                _("%(name)s already holds a seat of %(product)s.")
                % {"name": person.full_name, "product": subscription.product.name},
                field="person_id",
            )
        taken = Subscription.objects.filter(
            pk=subscription.pk, seats_assigned__lt=F("seats"), status__in=LIVE_STATUSES
        ).update(seats_assigned=F("seats_assigned") + 1)
        if (
            not taken
            and not Subscription.objects.filter(
                pk=subscription.pk, status__in=LIVE_STATUSES
            ).exists()
        ):
            raise Refused("subscription_ended", _("This subscription has ended."))
        if not taken:
            raise Refused(
                "no_free_seat",
                _("All seats of %(product)s are assigned. Buy more seats first.")
                % {"product": subscription.product.name},
            )
        try:
            with transaction.atomic():
                assignment = LicenseAssignment.objects.create(
                    subscription=subscription, person=person
                )
        except IntegrityError:
            raise Refused(
                "already_assigned",
                _("%(name)s already holds a seat of %(product)s.")
                % {"name": person.full_name, "product": subscription.product.name},
                field="person_id",
            ) from None
        audit_record(
            by=by,
            action="license.assign",
            obj=assignment,
            account_id=subscription.account_id,
            new={"subscription": subscription.pk, "person": person.pk},
        )
    subscription.refresh_from_db(fields=["seats_assigned"])
    return assignment


def license_unassign(*, subscription: Subscription, person: Person, by: Actor) -> None:
    with transaction.atomic():
        deleted = _release(subscription_id=subscription.pk, person=person, by=by)
        if not deleted:
            raise Refused(
                "not_assigned",
                _("%(name)s holds no seat of %(product)s.")
                % {"name": person.full_name, "product": subscription.product.name},
                field="person_id",
            )
    subscription.refresh_from_db(fields=["seats_assigned"])


def _release(*, subscription_id: int, person: Person, by: Actor) -> bool:
    assignment = LicenseAssignment.objects.filter(
        subscription_id=subscription_id, person=person
    ).first()
    if assignment is None:
        return False
    assignment_pk = assignment.pk
    assignment.delete()
    Subscription.objects.filter(pk=subscription_id).update(seats_assigned=F("seats_assigned") - 1)
    assignment.pk = assignment_pk
    audit_record(
        by=by,
        action="license.unassign",
        obj=assignment,
        account_id=person.account_id,
        old={"subscription": subscription_id, "person": person.pk},
    )
    return True


def licenses_release_all(*, person: Person, by: Actor) -> int:
    """Free every seat ``person`` holds (when they leave the account). Call inside a transaction."""
    released = 0
    for subscription_id in list(
        LicenseAssignment.objects.filter(person=person).values_list("subscription_id", flat=True)
    ):
        released += _release(subscription_id=subscription_id, person=person, by=by)
    return released
