"""**Auto Renew** of a corporate subscription, turned off with a **Cancel Reason** (the help
article auto-renew).

In the Corporate Billing Portal the billing contact turns Auto Renew off per subscription and
says why; the service runs to the **Service Order End Date**, the last day of the current term
(the term is ``[term_start, term_end)``), and is then not renewed. Turned off, the subscription
is "Pending Cancellation" with ``auto_renew`` off, as an online cancellation is: the renewal job
(``billing.renewals``) ends it at term end and invoices nothing. Turning Auto Renew on again,
before the term has ended, makes it active and renewing again and clears the Cancel Reason.

Online subscriptions are cancelled in the Billing Center instead
(``billing.cancellation``), so these services refuse them. Both are idempotent: turning
off what is off (even with another reason) or on what is on writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import clean_text
from seatwise.subscriptions.models import Subscription

AUTO_RENEW_AUDIT_FIELDS = ["status", "auto_renew", "cancel_reason"]
DETAILS_MAX = 400

# The billing contact gives one Cancel Reason from this list, and free text, which "other"
# requires.
CANCEL_REASONS: dict[str, Promise] = {
    "budget": _("Budget or price"),
    "not_using": _("We no longer use the product"),
    "switching": _("Switching to another product"),
    "fewer_seats": _("We need fewer seats"),
    "company_change": _("Company closed, merged or restructured"),
    "other": _("Other"),
}


def service_order_end_date(subscription: Subscription) -> date:
    """The last day of service of the current term (the term end is exclusive)."""
    return subscription.term_end - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CancelReason:
    code: str
    details: str = ""

    def stored(self) -> str:
        """As kept on the subscription: "<code>: <details>" or the code alone."""
        return f"{self.code}: {self.details}" if self.details else self.code


def cancel_reason_display(stored: str) -> str:
    """A stored Cancel Reason as the reader reads it: the reason's label, then the details."""
    code, _sep, details = stored.partition(": ")
    label = CANCEL_REASONS.get(code)
    if label is None:
        return stored
    return f"{label}: {details}" if details else str(label)


def _clean_reason(reason: CancelReason) -> CancelReason:
    if reason.code not in CANCEL_REASONS:
        raise Invalid(
            "cancel_reason_required",
            _("Choose a Cancel Reason."),
            field="cancel_reason",
        )
    details = clean_text(
        reason.details,
        field="cancel_details",
        max_length=DETAILS_MAX,
        required=reason.code == "other",
    )
    return CancelReason(code=reason.code, details=details)


def _locked(subscription: Subscription) -> Subscription:
    account = account_lock(subscription.account_id)
    if not account.is_corporate:
        raise Refused(
            "not_corporate",
            _("Auto Renew is set in the Corporate Billing Portal, for corporate accounts."),
            field="subscription",
        )
    return Subscription.objects.select_related("product", "plan").get(pk=subscription.pk)


def auto_renew_off(*, subscription: Subscription, reason: CancelReason, by: Actor) -> Subscription:
    """Turn Auto Renew off with a Cancel Reason; service runs to the Service Order End Date."""
    cleaned = _clean_reason(reason)
    with transaction.atomic():
        current = _locked(subscription)
        if current.status == Subscription.Status.PENDING_CANCELLATION and not current.auto_renew:
            return current
        if current.status != Subscription.Status.ACTIVE:
            raise Refused(
                "not_renewing",
                _("Only an active subscription renews; there is no Auto Renew to turn off."),
                field="subscription",
            )
        old = snapshot(current, AUTO_RENEW_AUDIT_FIELDS)
        current.status = Subscription.Status.PENDING_CANCELLATION
        current.auto_renew = False
        current.cancel_reason = cleaned.stored()
        current.save(update_fields=AUTO_RENEW_AUDIT_FIELDS)
        audit_record(
            by=by,
            action="subscription.auto_renew_off",
            obj=current,
            account_id=current.account_id,
            old=old,
            new={
                **snapshot(current, AUTO_RENEW_AUDIT_FIELDS),
                "service_order_end_date": service_order_end_date(current).isoformat(),
            },
        )
    return current


def auto_renew_on(*, subscription: Subscription, by: Actor) -> Subscription:
    """Turn Auto Renew on again while the term runs; the Cancel Reason is cleared."""
    with transaction.atomic():
        current = _locked(subscription)
        if current.status == Subscription.Status.ACTIVE and current.auto_renew:
            return current
        if current.status not in (
            Subscription.Status.ACTIVE,
            Subscription.Status.PENDING_CANCELLATION,
        ):
            raise Refused(
                "not_renewable",
                _("This subscription has ended; ask Corporate Account Services to renew it."),
                field="subscription",
            )
        if timezone.localdate() >= current.term_end:
            raise Refused(
                "term_ended",
                _(
                    "The term of this subscription has ended; Auto Renew can no longer be "
                    "turned on."
                ),
                field="subscription",
            )
        old = snapshot(current, AUTO_RENEW_AUDIT_FIELDS)
        current.status = Subscription.Status.ACTIVE
        current.auto_renew = True
        current.cancel_reason = ""
        current.save(update_fields=AUTO_RENEW_AUDIT_FIELDS)
        audit_record(
            by=by,
            action="subscription.auto_renew_on",
            obj=current,
            account_id=current.account_id,
            old=old,
            new=snapshot(current, AUTO_RENEW_AUDIT_FIELDS),
        )
    return current
