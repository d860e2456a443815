"""The purchase order of a corporate account: its number, its expiration date, which invoices
print it, and the reminder before it expires.

The billing contact edits both in the Corporate Billing Portal (Account tab, **Purchase
order**). **The rule.** A purchase order whose expiration date is day D is printed on the
invoices issued *before* D: an invoice issued on D or later carries no purchase-order number
(``purchase_order_on``, the one place ``invoicing`` asks). Without an expiration date the number
is printed on every invoice issued from now on. Invoices already issued never change.

**The reminder.** The billing contact is e-mailed, in their language, 14 days before D
(``REMINDER_DAYS``): the daily job (``purchase_order_reminders_send``) sends it when 1 to 14
days are left, so a day the job did not run is caught up on the next run, and a purchase order
entered with less than 14 days left is reminded at once. It is sent once per account, number and
expiration date: the e-mail's ``dedupe_key`` names all three and is checked, and the e-mail and
its audit entry written, under the account's lock, so that runs on the same or later days, two
runs at once and a worker killed and run again send one e-mail. A new number or a new date is a
new purchase order, reminded again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid
from seatwise.core.validation import clean_text
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

logger = logging.getLogger(__name__)

PURCHASE_ORDER_MAX = 64
REMINDER_DAYS = 14
EMAIL_KIND = "purchase_order_expiring"
BATCH_SIZE = 200


def purchase_order_on(account: Account, *, on: date) -> str:
    """The purchase-order number an invoice of ``account`` issued on ``on`` carries: the
    account's number, or none once its expiration date has come (``on`` >= that date)."""
    expires_on = account.purchase_order_expires_on
    if expires_on is not None and on >= expires_on:
        return ""
    return account.purchase_order_number


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def account_purchase_order_set(
    *, account: Account, number: str, by: Actor, expires_on: date | None = None
) -> Account:
    """The purchase order printed on the account's invoices issued from now on (the Account
    tab's **Purchase order** section): its number and, optionally, the day it expires (invoices
    issued from that day on carry none). An empty number removes it; an expiration date without
    a number is refused (``purchase_order_expiry_without_number``) and nothing changes.
    Invoices already issued keep the number they were issued with. Saving the same values
    again writes nothing."""
    cleaned = clean_text(
        number, field="purchase_order_number", max_length=PURCHASE_ORDER_MAX, required=False
    )
    if expires_on is not None and not cleaned:
        raise Invalid(
            "purchase_order_expiry_without_number",
            _("An expiration date needs a purchase-order number."),
            field="purchase_order_expires_on",
        )
    with transaction.atomic():
        locked = account_lock(account.pk)
        if (locked.purchase_order_number, locked.purchase_order_expires_on) == (
            cleaned,
            expires_on,
        ):
            return locked
        old = {
            "purchase_order_number": locked.purchase_order_number,
            "purchase_order_expires_on": _iso(locked.purchase_order_expires_on),
        }
        locked.purchase_order_number = cleaned
        locked.purchase_order_expires_on = expires_on
        locked.save(update_fields=["purchase_order_number", "purchase_order_expires_on"])
        audit_record(
            by=by,
            action="account.purchase_order_set",
            obj=locked,
            account_id=locked.pk,
            old=old,
            new={"purchase_order_number": cleaned, "purchase_order_expires_on": _iso(expires_on)},
        )
    account.purchase_order_number = cleaned
    account.purchase_order_expires_on = expires_on
    return locked


def reminder_due(*, expires_on: date, on: date) -> bool:
    """Whether the reminder of a purchase order expiring on ``expires_on`` is due on ``on``:
    1 to ``REMINDER_DAYS`` days left (on its expiration day it is no longer printed)."""
    return 1 <= (expires_on - on).days <= REMINDER_DAYS


def reminder_key(*, account_id: int, number: str, expires_on: date) -> str:
    """The reminder's e-mail ``dedupe_key``: one per account, number and expiration date. The
    number (up to 64 characters of any script) goes in as its SHA-256."""
    digest = hashlib.sha256(number.encode()).hexdigest()
    return f"{EMAIL_KIND}:{account_id}:{expires_on.isoformat()}:{digest}"


def purchase_order_reminders_send(*, on: date, by: Actor) -> int:
    """Send the purchase-order reminders due on ``on``; the number sent. Idempotent (module
    docstring)."""
    expiring = Account.objects.filter(
        kind=Account.Kind.CORPORATE,
        purchase_order_expires_on__gte=on + timedelta(days=1),
        purchase_order_expires_on__lte=on + timedelta(days=REMINDER_DAYS),
    ).exclude(purchase_order_number="")
    sent = 0
    after = 0
    while True:
        batch = list(
            expiring.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "purchase_order_number", "purchase_order_expires_on")[:BATCH_SIZE]
        )
        if not batch:
            break
        after = batch[-1][0]
        keys = {
            pk: reminder_key(account_id=pk, number=number, expires_on=expires_on)
            for pk, number, expires_on in batch
            if expires_on is not None  # always: the filter asks for a date
        }
        done = set(
            OutgoingEmail.objects.filter(dedupe_key__in=keys.values()).values_list(
                "dedupe_key", flat=True
            )
        )
        for pk, key in keys.items():
            if key in done:
                continue
            try:
                sent += purchase_order_reminder_send(account_id=pk, on=on, by=by)
            except Exception:
                # One account's failure (a template, a missing contact) must not stop the run;
                # it is logged and tried again by the next run.
                logger.exception("purchase-order reminder for account %s failed", pk)
    logger.info("purchase-order reminders: %s sent for %s", sent, on.isoformat())
    return sent


def purchase_order_reminder_send(*, account_id: int, on: date, by: Actor) -> bool:
    """E-mail and audit the reminder of the account's purchase order, once: False when it was
    sent already or is not due on ``on`` (the purchase order changed since it was selected)."""
    with transaction.atomic():
        account = account_lock(account_id)
        number = account.purchase_order_number
        expires_on = account.purchase_order_expires_on
        if not number or expires_on is None or not account.is_corporate:
            return False
        if not reminder_due(expires_on=expires_on, on=on):
            return False
        key = reminder_key(account_id=account.pk, number=number, expires_on=expires_on)
        if OutgoingEmail.objects.filter(dedupe_key=key).exists():
            return False  # sent by an earlier run (a concurrent one waited for the lock)
        contact = billing_contact_of(account)
        if contact is None:  # pragma: no cover - every account has one (accounts invariant)
            logger.warning(
                "account %s has no billing contact: no purchase-order reminder", account_id
            )
            return False
        email = email_queue(
            kind=EMAIL_KIND,
            to_address=contact.email,
            to_person_id=contact.pk,
            account_id=account.pk,
            language=contact.language,
            context={
                "person": contact,
                "account_name": account.name,
                "number": number,
                "expires_on": expires_on,
                # The last day an invoice carries it.
                "last_day": expires_on - timedelta(days=1),
                "account_url": f"{settings.SEATWISE_SITE_URL}{reverse('corporate:account')}",
            },
            dedupe_key=key,
        )
        audit_record(
            by=by,
            action="account.purchase_order_expiry_reminder",
            obj=account,
            account_id=account.pk,
            new={
                "purchase_order_number": number,
                "purchase_order_expires_on": expires_on.isoformat(),
                "to": contact.email,
                "email": email.pk,
            },
        )
    return True
