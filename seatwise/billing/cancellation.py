"""Cancel an online subscription at the end of its term, and take the cancellation back.

As the help article cancel-and-reactivate says: on an online account, **Cancel Subscription**
→ **Yes, Cancel** leaves the subscription "Pending Cancellation" until the term ends; it is not
renewed, the prepaid term is not refunded, and until the term ends it can be reactivated.
Corporate subscriptions turn auto-renewal off in the Corporate Billing Portal instead (with a
Cancel Reason), so these services refuse them.

**No cancellation while an invoice is overdue.** An account with an unpaid invoice past its due
date (``billing.selectors.invoices_overdue``: Pay Now is offered for it and its due date has
passed) cannot cancel online: the refusal (``invoice_overdue``) names the invoices and the
amount overdue, and the Billing Center shows them with **Pay Now**. Once they are paid (or
credited), cancelling works again. The check is made under the account's lock, so that what
it read is what the cancellation commits with. Reactivating is never refused for it.

Both services are idempotent: cancelling a subscription already pending cancellation, or
reactivating an active one, writes nothing and returns it as it is.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.selectors import invoices_overdue
from seatwise.core.errors import Refused
from seatwise.core.money import format_money
from seatwise.notifications.services import email_queue
from seatwise.subscriptions.models import Subscription

CANCELLATION_AUDIT_FIELDS = ["status", "auto_renew", "term_end"]


def _locked(subscription: Subscription) -> tuple[Account, Subscription]:
    """The account locked (writers of one account are serialised) and the subscription re-read
    under that lock, so that two clicks never both see it active."""
    account = account_lock(subscription.account_id)
    current = Subscription.objects.select_related("product", "plan").get(pk=subscription.pk)
    return account, current


def _refuse_corporate(account: Account) -> None:
    if account.kind != Account.Kind.ONLINE:
        raise Refused(
            "corporate_account",
            _("This subscription is managed in the Corporate Billing Portal."),
            field="subscription",
        )


def _refuse_overdue(account: Account) -> None:
    """Refused (``invoice_overdue``) while the account has an overdue invoice: the message
    names the invoices and the total overdue in the account's currency, formatted for the
    reader (the active language); ``params`` hold ``invoices`` (their numbers) and ``amount``."""
    overdue = invoices_overdue(account_id=account.pk, on=timezone.localdate())
    if not overdue:
        return
    total = sum((item.due for item in overdue), Decimal("0.00"))
    numbers = [item.invoice.number for item in overdue]
    message = ngettext(
        "Invoice %(numbers)s is unpaid past its due date: %(amount)s is overdue. Pay it with "
        "Pay Now first; then you can cancel the subscription.",
        "Invoices %(numbers)s are unpaid past their due date: %(amount)s is overdue. Pay them "
        "with Pay Now first; then you can cancel the subscription.",
        len(numbers),
    ) % {
        "numbers": ", ".join(numbers),
        "amount": format_money(total, account.currency, get_language() or account.language),
    }
    raise Refused(
        "invoice_overdue",
        message,
        field="subscription",
        invoices=numbers,
        amount=str(total),
        currency=account.currency,
    )


def subscription_cancel(*, subscription: Subscription, by: Actor) -> Subscription:
    """Active → Pending Cancellation, with auto-renewal off; the service runs to the end of the
    term. The billing contact is e-mailed a confirmation in their language, in the same
    transaction. Already pending: nothing is written. Refused while the account has an
    overdue invoice (module docstring)."""
    with transaction.atomic():
        account, current = _locked(subscription)
        _refuse_corporate(account)
        if current.status == Subscription.Status.PENDING_CANCELLATION:
            return current
        if current.status != Subscription.Status.ACTIVE:
            raise Refused(
                "not_cancellable",
                _("Only an active subscription can be cancelled."),
                field="subscription",
            )
        _refuse_overdue(account)
        old = snapshot(current, CANCELLATION_AUDIT_FIELDS)
        current.status = Subscription.Status.PENDING_CANCELLATION
        current.auto_renew = False
        current.save(update_fields=["status", "auto_renew"])
        audit_record(
            by=by,
            action="subscription.cancel",
            obj=current,
            account_id=account.pk,
            old=old,
            new=snapshot(current, CANCELLATION_AUDIT_FIELDS),
        )
        contact = billing_contact_of(account)
        if contact is not None:
            email_queue(
                kind="subscription_cancelled",
                to_address=contact.email,
                to_person_id=contact.pk,
                account_id=account.pk,
                language=contact.language,
                context={
                    "person": contact,
                    "account_name": account.name,
                    "product": current.product.name,
                    # The term is [term_start, term_end): its last day is the day before.
                    "last_day": current.term_end - timedelta(days=1),
                },
            )
    return current


def subscription_reactivate(*, subscription: Subscription, by: Actor) -> Subscription:
    """Pending Cancellation → active with auto-renewal on, while the term has not ended.
    Already active: nothing is written."""
    with transaction.atomic():
        account, current = _locked(subscription)
        _refuse_corporate(account)
        if current.status == Subscription.Status.ACTIVE:
            return current
        if current.status != Subscription.Status.PENDING_CANCELLATION:
            raise Refused(
                "not_reactivatable",
                _("Only a subscription pending cancellation can be reactivated."),
                field="subscription",
            )
        if timezone.localdate() >= current.term_end:
            raise Refused(
                "term_ended",
                _("The term of this subscription has ended; it can no longer be reactivated."),
                field="subscription",
            )
        old = snapshot(current, CANCELLATION_AUDIT_FIELDS)
        current.status = Subscription.Status.ACTIVE
        current.auto_renew = True
        current.save(update_fields=["status", "auto_renew"])
        audit_record(
            by=by,
            action="subscription.reactivate",
            obj=current,
            account_id=account.pk,
            old=old,
            new=snapshot(current, CANCELLATION_AUDIT_FIELDS),
        )
    return current
