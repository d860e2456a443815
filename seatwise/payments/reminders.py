"""Card-expiry reminders tell the billing contact before the card that
renewals and orders are charged to stops working.

**The rule.** A card can be charged until the last day of its expiry month (``expires_on``).
The account's *default automatic* card that is not removed gets two reminders, each at most
once per card and expiry date:

- ``30_days`` when 8 to 30 days are left until ``expires_on``;
- ``7_days`` when 0 to 7 days are left.

So every card due for one expires at the end of this month or the next. A day the job did not
run is caught up on the next run: a reminder is sent once its window opens, and only the
nearest one (a job that first runs 5 days before expiry sends ``7_days`` alone). Expired
cards (``expires_on`` before today), removed cards, cards that are not the default and cards
given for one payment only (not automatic) get nothing.

Each reminder is recorded (``CardExpiryReminder``, unique per card, reminder and expiry), its
e-mail queued and its audit entry written in one transaction: a second run the same day or
later sends nothing new, and two runs at once send one e-mail. The e-mail goes to the billing
contact in their language and shows the card's brand, last four digits and expiry only, with
the link to update the payment method: the Billing Center for an online account, the
Corporate Billing Portal for a corporate one.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from seatwise.accounts.models import Account
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.dates import add_months
from seatwise.notifications.services import email_queue
from seatwise.payments.lock_objects import payment_method_lock_matching
from seatwise.payments.models import CardExpiryReminder, PaymentMethod

logger = logging.getLogger(__name__)

EMAIL_KIND = "card_expiring"
BATCH_SIZE = 200
# Nearest first: the reminder due is the first whose window (days left <= days) holds today.
REMINDERS: tuple[tuple[str, int], ...] = (
    (CardExpiryReminder.Reminder.DAYS_7, 7),
    (CardExpiryReminder.Reminder.DAYS_30, 30),
)


def reminder_due(*, expires_on: date, on: date) -> str | None:
    """The reminder whose window holds ``on`` for a card charged until ``expires_on``."""
    days_left = (expires_on - on).days
    if days_left < 0:
        return None
    for reminder, days in REMINDERS:
        if days_left <= days:
            return reminder
    return None


def _chargeable_defaults() -> Q:
    return Q(is_default=True, is_automatic=True, removed_at__isnull=True)


def card_expiry_reminders_send(*, on: date, by: Actor) -> int:
    """Send the reminders due on ``on``; the number sent. Idempotent (module docstring)."""
    next_month = add_months(on.replace(day=1), 1)
    expiring = Q(exp_year=on.year, exp_month=on.month) | Q(
        exp_year=next_month.year, exp_month=next_month.month
    )
    sent = 0
    after = 0
    while True:
        batch = list(
            PaymentMethod.objects.filter(_chargeable_defaults(), expiring, pk__gt=after).order_by(
                "pk"
            )[:BATCH_SIZE]
        )
        if not batch:
            break
        after = batch[-1].pk
        done = set(
            CardExpiryReminder.objects.filter(
                payment_method_id__in=[method.pk for method in batch]
            ).values_list("payment_method_id", "reminder", "expires_on")
        )
        for method in batch:
            reminder = reminder_due(expires_on=method.expires_on, on=on)
            if reminder is None or (method.pk, reminder, method.expires_on) in done:
                continue
            try:
                sent += card_expiry_reminder_send(
                    payment_method_id=method.pk, reminder=reminder, by=by
                )
            except Exception:
                # One card's failure (a template, a missing contact) must not stop the run;
                # it is logged and tried again by the next run.
                logger.exception("card-expiry reminder for payment method %s failed", method.pk)
    logger.info("card-expiry reminders: %s sent for %s", sent, on.isoformat())
    return sent


def card_expiry_reminder_send(*, payment_method_id: int, reminder: str, by: Actor) -> bool:
    """Record, e-mail and audit one reminder, once: False when it was already sent or the card
    is no longer the account's default automatic card."""
    with transaction.atomic():
        # The card's row only (not the account's): payment_method_add locks the account and
        # then the cards, so taking the account here as well could deadlock with it.
        method = payment_method_lock_matching(payment_method_id, _chargeable_defaults())
        if method is None:
            return False
        account = method.account
        contact = billing_contact_of(account)
        if contact is None:  # pragma: no cover - every account has one (accounts invariant)
            logger.warning("account %s has no billing contact: no card reminder", account.pk)
            return False
        try:
            with transaction.atomic():
                record = CardExpiryReminder.objects.create(
                    payment_method=method,
                    reminder=reminder,
                    expires_on=method.expires_on,
                    to_address=contact.email,
                )
        except IntegrityError:
            return False  # sent by an earlier or a concurrent run
        email = email_queue(
            kind=EMAIL_KIND,
            to_address=contact.email,
            to_person_id=contact.pk,
            account_id=account.pk,
            language=contact.language,
            context={
                "person": contact,
                # What may be shown of a card: brand, last four digits, expiry. Never the token.
                "brand": method.brand_label,
                "last4": method.last4,
                "expiry": method.expiry,
                "expires_on": method.expires_on,
                "corporate": account.is_corporate,
                "update_url": _update_url(account),
            },
            dedupe_key=f"{EMAIL_KIND}:{method.pk}:{reminder}:{method.expires_on.isoformat()}",
        )
        record.email_id = email.pk
        record.save(update_fields=["email_id"])
        audit_record(
            by=by,
            action="payment_method.expiry_reminder",
            obj=method,
            account_id=account.pk,
            new={
                "reminder": reminder,
                "expires_on": method.expires_on.isoformat(),
                "to": contact.email,
                "email": email.pk,
            },
        )
    return True


def _update_url(account: Account) -> str:
    """Where the billing contact updates the card: the Corporate Billing Portal for a corporate
    account, the Billing Center's Payment Method page for an online one."""
    path = reverse("corporate:home" if account.is_corporate else "billing:payment_method")
    return f"{settings.SEATWISE_SITE_URL}{path}"
