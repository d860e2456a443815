"""Free trials: the Billing Center's **Try** of a product the account does not have yet.

**The rules** (help center article change-plan-or-seats; the product's terms in the catalog,
``Product.trial_days`` and ``Product.trial_seat_limit``):

- A trial is a ``Subscription`` with status ``trial``, a plan and its seats (at most the
  product's seat limit) for ``[term_start, trial_end)``. It is live: it gives access at once
  (the person who starts it may be given a seat right away), its seats are assigned as usual
  in the Admin Center, and the account has it instead of a paid subscription of its product.
  A welcome e-mail goes to the billing contact.
- **One trial per product and account, ever**: ``trial_end`` stays on the row once the trial
  is converted or has expired, and the partial unique index ``one_trial_per_product`` holds
  it in the database as ``trial_start`` does in the service. Only online accounts try
  products (a corporate account's products come from its sales representative), and only
  a product with no live subscription of the account.
- **Nothing is charged**: a trial has no invoice, no card, no renewal (the bill run takes
  active subscriptions only). At ``trial_end`` the daily job ``trials_expire`` sets it to
  ``expired``: access ends, the licenses stay recorded, and no e-mail asks for money.
- **Reminders**: the billing contact is e-mailed in their language 7 days and 1 day before
  the end (``trial_reminders_send``, daily), each once (``Subscription.trial_reminder`` under
  the row's lock; a job that first runs on the last day sends the 1-day reminder alone).
- **Subscribe Now** converts a running or an ended trial into a paid subscription whose term
  starts on the day of conversion: a purchase of the sales pipeline
  (``billing.new_subscriptions``), which calls ``trial_convert`` once it is paid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account, Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import price_of
from seatwise.core.errors import Invalid, Refused
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import LIVE_STATUSES, Subscription
from seatwise.subscriptions.services import (
    MAX_SEATS,
    SUBSCRIPTION_AUDIT_FIELDS,
    license_assign,
)

logger = logging.getLogger(__name__)

TRIAL_AUDIT_FIELDS = [*SUBSCRIPTION_AUDIT_FIELDS, "trial_end"]
# The reminders before a trial ends, nearest first: (days before the end, its window).
REMINDER_DAYS = (1, 7)
BATCH_SIZE = 200


def trial_start_check(*, account: Account, plan: Plan, seats: int) -> None:
    """The refusals of ``trial_start`` that need no lock (the form shows them before)."""
    if account.kind != Account.Kind.ONLINE:
        raise Refused(
            "corporate_account",
            _("A corporate account's products are added by its sales representative."),
            field="plan_id",
        )
    product = plan.product
    if not plan.is_active or not product.is_active:
        raise Refused("plan_inactive", _("This plan is no longer sold."), field="plan_id")
    if not product.offers_trial:
        raise Refused(
            "trial_not_offered",
            _("%(product)s has no free trial.") % {"product": product.name},
            field="plan_id",
        )
    if price_of(plan=plan, currency=account.currency) is None:
        raise Refused(
            "no_price_in_currency",
            _("This plan has no price in the account's currency."),
            field="plan_id",
        )
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise Invalid(
            "invalid_seats",
            _("The number of seats is a whole number from 1 to %(max)d.") % {"max": MAX_SEATS},
            field="seats",
        )
    if seats > product.trial_seat_limit:
        raise Refused(
            "trial_seat_limit",
            _("A trial of %(product)s has at most %(limit)d seats.")
            % {"product": product.name, "limit": product.trial_seat_limit},
            field="seats",
        )


def trial_available_check(*, account_id: int, product_id: int) -> None:
    """Refuse a trial of a product the account has (live), or has tried before."""
    rows = Subscription.objects.filter(account_id=account_id, product_id=product_id)
    if rows.filter(status__in=LIVE_STATUSES).exists():
        raise Refused(
            "product_already_subscribed",
            _("The account already has a subscription to this product."),
            field="plan_id",
        )
    if rows.filter(trial_end__isnull=False).exists():
        raise Refused(
            "trial_used",
            _("This account has had its trial of this product. Buy it to go on using it."),
            field="plan_id",
        )


def trial_start(
    *,
    account: Account,
    plan: Plan,
    seats: int,
    by: Actor,
    on: date | None = None,
    assign_to: Person | None = None,
) -> Subscription:
    """Start a free trial of ``plan`` with ``seats`` seats from ``on`` (today) for the
    product's trial length; ``assign_to`` (the person who starts it) gets a seat at once.
    See the module docstring for the rules. Audited; the welcome e-mail is queued with it."""
    trial_start_check(account=account, plan=plan, seats=seats)
    start = on or timezone.localdate()
    end = start + timedelta(days=plan.product.trial_days)
    with transaction.atomic():
        account_lock(account.pk)
        trial_available_check(account_id=account.pk, product_id=plan.product_id)
        trial = Subscription.objects.create(
            account=account,
            product_id=plan.product_id,
            plan=plan,
            seats=seats,
            term_start=start,
            term_end=end,
            trial_end=end,
            status=Subscription.Status.TRIAL,
            # Nothing renews a trial: Subscribe Now turns it into a subscription.
            auto_renew=False,
        )
        audit_record(
            by=by,
            action="subscription.trial_start",
            obj=trial,
            account_id=account.pk,
            new=snapshot(trial, TRIAL_AUDIT_FIELDS),
        )
        if assign_to is not None and assign_to.account_id == account.pk:
            license_assign(subscription=trial, person=assign_to, by=by)
        _trial_email(trial, kind="trial_welcome", key=f"trial_welcome:{trial.pk}")
    return trial


def trial_convert(
    *,
    subscription_id: int,
    plan: Plan,
    seats: int,
    term_start: date,
    term_end: date,
    term_unit_amount: Decimal,
    by: Actor,
    paid_by: Mapping[str, object],
) -> Subscription:
    """Subscribe Now, once paid: the running or ended trial becomes an active subscription of
    ``plan`` for ``[term_start, term_end)``, renewed as usual, with its licenses kept (never
    fewer seats than are assigned). Call it in the paying purchase's transaction
    (``billing.new_subscriptions``); ``paid_by`` names its invoice and charge for the audit
    trail. A trial converted already is left as it is."""
    held = subscription_lock(subscription_id)
    if held.trial_end is None or held.status not in (
        Subscription.Status.TRIAL,
        Subscription.Status.EXPIRED,
    ):
        logger.warning("subscription %s: not a trial to convert", held.pk)
        return held
    if held.status == Subscription.Status.EXPIRED:
        trial_available_for_conversion(held)
    old = snapshot(held, TRIAL_AUDIT_FIELDS)
    held.plan = plan
    held.seats = max(seats, held.seats_assigned)
    held.term_start = term_start
    held.term_end = term_end
    held.term_unit_amount = term_unit_amount
    held.status = Subscription.Status.ACTIVE
    held.auto_renew = True
    held.save(
        update_fields=[
            "plan",
            "seats",
            "term_start",
            "term_end",
            "term_unit_amount",
            "status",
            "auto_renew",
        ]
    )
    audit_record(
        by=by,
        action="subscription.trial_convert",
        obj=held,
        account_id=held.account_id,
        old=old,
        new={**snapshot(held, TRIAL_AUDIT_FIELDS), **paid_by},
    )
    return held


def trial_available_for_conversion(trial: Subscription) -> None:
    """An ended trial is converted only while the account has no other live subscription of
    its product (bought meanwhile)."""
    if (
        Subscription.objects.filter(
            account_id=trial.account_id, product_id=trial.product_id, status__in=LIVE_STATUSES
        )
        .exclude(pk=trial.pk)
        .exists()
    ):
        raise Refused(
            "product_already_subscribed",
            _("The account already has a subscription to this product."),
            field="subscription",
        )


def trials_expire(*, on: date, by: Actor) -> int:
    """Expire every trial whose end has come (``trial_end`` on or before ``on``): nothing is
    charged, no e-mail is sent. Idempotent; the number expired."""
    expired = 0
    after = 0
    while True:
        ids = list(
            Subscription.objects.filter(
                status=Subscription.Status.TRIAL, trial_end__lte=on, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return expired
        after = ids[-1]
        for subscription_id in ids:
            expired += _trial_expire(subscription_id, on=on, by=by)


def _trial_expire(subscription_id: int, *, on: date, by: Actor) -> bool:
    with transaction.atomic():
        held = subscription_lock(subscription_id)
        if held.status != Subscription.Status.TRIAL or held.trial_end is None:
            return False
        if held.trial_end > on:
            return False
        old = snapshot(held, ["status"])
        held.status = Subscription.Status.EXPIRED
        held.save(update_fields=["status"])
        audit_record(
            by=by,
            action="subscription.trial_expire",
            obj=held,
            account_id=held.account_id,
            old=old,
            new={**snapshot(held, ["status"]), "trial_end": held.trial_end.isoformat()},
        )
    return True


def reminder_due(*, trial_end: date, on: date) -> int | None:
    """The reminder whose window holds ``on`` (days before ``trial_end``: 1, or 2 to 7)."""
    days_left = (trial_end - on).days
    if days_left < 1:
        return None
    for days in REMINDER_DAYS:
        if days_left <= days:
            return days
    return None


def trial_reminders_send(*, on: date, by: Actor) -> int:
    """E-mail the billing contact of each trial that ends within 7 days (see the module
    docstring); the number sent. Idempotent."""
    sent = 0
    after = 0
    window_end = on + timedelta(days=max(REMINDER_DAYS))
    while True:
        batch = list(
            Subscription.objects.filter(
                status=Subscription.Status.TRIAL,
                trial_end__gt=on,
                trial_end__lte=window_end,
                pk__gt=after,
            )
            .order_by("pk")
            .values_list("pk", "trial_end", "trial_reminder")[:BATCH_SIZE]
        )
        if not batch:
            return sent
        after = batch[-1][0]
        for subscription_id, trial_end, last in batch:
            assert trial_end is not None  # filtered on it
            due = reminder_due(trial_end=trial_end, on=on)
            if due is None or (last is not None and last <= due):
                continue
            try:
                sent += _trial_remind(subscription_id, on=on, by=by)
            except Exception:
                # One trial's failure must not stop the run; the next run tries again.
                logger.exception("trial reminder of subscription %s failed", subscription_id)


def _trial_remind(subscription_id: int, *, on: date, by: Actor) -> bool:
    with transaction.atomic():
        held = subscription_lock(subscription_id)
        if held.status != Subscription.Status.TRIAL or held.trial_end is None:
            return False
        due = reminder_due(trial_end=held.trial_end, on=on)
        if due is None or (held.trial_reminder is not None and held.trial_reminder <= due):
            return False
        old = snapshot(held, ["trial_reminder"])
        held.trial_reminder = due
        held.save(update_fields=["trial_reminder"])
        email = _trial_email(
            held,
            kind="trial_ending",
            key=f"trial_ending:{held.pk}:{due}",
            extra={"days": due},
        )
        audit_record(
            by=by,
            action="subscription.trial_reminder",
            obj=held,
            account_id=held.account_id,
            old=old,
            new={
                **snapshot(held, ["trial_reminder"]),
                "to": email.to_address if email else None,
            },
        )
    return True


def _trial_email(
    trial: Subscription, *, kind: str, key: str, extra: dict[str, object] | None = None
) -> OutgoingEmail | None:
    """An e-mail about the trial to the account's billing contact, in their language."""
    contact = billing_contact_of(trial.account)
    if contact is None:  # pragma: no cover - every account has one (accounts invariant)
        return None
    assert trial.trial_end is not None
    return email_queue(
        kind=kind,
        to_address=contact.email,
        to_person_id=contact.pk,
        account_id=trial.account_id,
        language=contact.language,
        context={
            "person": contact,
            "product": trial.product.name,
            "account_name": trial.account.name,
            "seats": trial.seats,
            # The trial is usable up to and including the day before ``trial_end``.
            "last_day": trial.trial_end - timedelta(days=1),
            "subscribe_url": settings.SEATWISE_SITE_URL
            + reverse("billing:subscription_subscribe", args=[trial.pk]),
            "admin_center_url": settings.SEATWISE_SITE_URL + reverse("admin_center:home"),
            **(extra or {}),
        },
        dedupe_key=key,
    )
