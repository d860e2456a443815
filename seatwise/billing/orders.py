"""Buying seats mid-term: the one path from a price preview to seats on the subscription
(issue 4: prices, invoices, payments, receipts, e-mails).

``seats_purchase`` runs three steps, each idempotent under a key derived from the caller's
``idempotency_key``, so that calling it again with the same key, after a double click or a
crash at any point, completes the purchase exactly once:

1. **Invoice** (``<key>:invoice``): built from ``preview_seat_addition``, the very call that
   showed the customer the price, so the invoice shows the preview's amounts to the cent.
   A retry finds the issued invoice and issues no other number.
2. **Charge** (``<key>:charge``): the invoice's gross on the account's default automatic card,
   through ``payments.services.charge_card``, which calls the gateway at most once per key and
   asks the gateway (never charges again) about an attempt whose outcome is unknown.
3. **Completion**, in one transaction: the payment is recorded on the invoice, the seats are
   added with their audit entry, and the invoice and receipt e-mails (PDFs attached) are
   queued to the billing contact. Invariant: a seats invoice is ``paid`` exactly when its
   seats were added, so a retry that finds it paid does nothing more.

A decline leaves the invoice open and the seats unchanged, and returns the card's message; an
unknown outcome is left to the payments reconciler (status ``processing``): once it has
settled the charge, calling ``seats_purchase`` again with the same key completes the purchase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.pricing import preview_seat_addition
from seatwise.billing.receipts import payment_emails_queue
from seatwise.billing.seller import account_tax_decision
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue, invoice_record_payment
from seatwise.payments.models import Charge
from seatwise.payments.selectors import charge_for_key, default_payment_method
from seatwise.payments.services import charge_card
from seatwise.subscriptions.models import Subscription

PurchaseStatus = Literal["completed", "declined", "not_attempted", "processing"]
PURCHASABLE = (Subscription.Status.ACTIVE, Subscription.Status.PENDING_CANCELLATION)
MAX_KEY_LENGTH = 90  # the derived keys (``<key>:invoice``) must fit the invoice's 100


@dataclass(frozen=True, slots=True)
class SeatPurchase:
    status: PurchaseStatus
    invoice: Invoice
    charge: Charge
    message: str


def _charge_status(charge: Charge) -> PurchaseStatus:
    if charge.status == Charge.Status.SUCCEEDED:
        return "completed"
    if charge.status == Charge.Status.DECLINED:
        return "declined"
    if charge.status == Charge.Status.NOT_ATTEMPTED:
        return "not_attempted"
    return "processing"


def _issued_invoice(
    *, subscription: Subscription, seats_to_add: int, key: str, on: date | None, by: Actor
) -> Invoice:
    """The purchase's invoice: issued now from the preview, or found by its key on a retry."""
    account = subscription.account
    issued = Invoice.objects.filter(idempotency_key=key).first()
    if issued is not None:
        quantities = list(issued.lines.values_list("quantity", flat=True))
        if (
            issued.account_id != account.pk
            or issued.source != Invoice.Source.SEATS
            or quantities != [seats_to_add]
        ):
            raise Refused(
                "idempotency_key_reused",
                _("This idempotency key was already used for another purchase."),
                field="idempotency_key",
            )
        return issued
    if subscription.status not in PURCHASABLE:
        raise Refused(
            "subscription_not_active",
            _("Seats can only be added to an active subscription."),
            field="subscription",
        )
    method = default_payment_method(account_id=account.pk)
    if method is None or not method.is_automatic:
        raise Refused(
            "no_automatic_payment_method",
            _("Add a card for automatic payments to buy seats."),
            field="payment_method",
        )
    day = on or timezone.localdate()
    tax = account_tax_decision(account=account, on=day)
    preview = preview_seat_addition(
        subscription=subscription, seats_to_add=seats_to_add, on=day, tax=tax
    )
    return invoice_issue(
        account=account,
        lines=preview.lines,
        tax=tax,
        source=Invoice.Source.SEATS,
        by=by,
        idempotency_key=key,
        issue_date=day,
    )


def _charged(*, invoice: Invoice, key: str, by: Actor) -> Charge:
    """The invoice's charge: made now, or found settled (or still open) under its key."""
    charge = charge_for_key(key)
    if charge is not None and charge.is_settled:
        return charge
    method = (
        charge.payment_method
        if charge is not None
        else default_payment_method(account_id=invoice.account_id)
    )
    if method is None:
        raise Refused(
            "no_automatic_payment_method",
            _("Add a card for automatic payments to buy seats."),
            field="payment_method",
        )
    return charge_card(
        account=invoice.account,
        payment_method=method,
        amount=invoice.gross_total,
        currency=invoice.currency,
        idempotency_key=key,
        purpose="seats",
        by=by,
        invoice_id=invoice.pk,
        description=invoice.number,
    )


def _complete(
    *, invoice: Invoice, charge: Charge, subscription: Subscription, seats: int, by: Actor
) -> None:
    """Record the payment, add the seats and queue the e-mails, once (see the module doc).

    Lock order: the invoice, then the subscription (as in ``billing.renewals``).
    """
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        if locked.status != Invoice.Status.OPEN:
            return
        paid = invoice_record_payment(
            invoice=locked, amount=charge.amount, reference=f"charge:{charge.pk}", by=by
        )
        held = Subscription.objects.select_for_update().get(pk=subscription.pk)
        old = snapshot(held, ["seats"])
        held.seats += seats
        held.save(update_fields=["seats"])
        audit_record(
            by=by,
            action="subscription.seats_add",
            obj=held,
            account_id=held.account_id,
            old=old,
            new={**snapshot(held, ["seats"]), "invoice": paid.number, "charge": charge.pk},
        )
        payment_emails_queue(invoice=paid, charge=charge)
    subscription.seats = held.seats


def seats_purchase(
    *,
    subscription: Subscription,
    seats_to_add: int,
    by: Actor,
    idempotency_key: str,
    on: date | None = None,
) -> SeatPurchase:
    """Buy ``seats_to_add`` seats for the rest of the current term (co-termed), paid by card.

    See the module docstring for the steps and why a retry with the same ``idempotency_key``
    completes the purchase exactly once. Call it outside ``transaction.atomic()``: the charge
    must be committed before the gateway is called.
    """
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise Invalid(
            "invalid_idempotency_key",
            _("The idempotency key has 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            field="idempotency_key",
        )
    invoice = _issued_invoice(
        subscription=subscription,
        seats_to_add=seats_to_add,
        key=f"{idempotency_key}:invoice",
        on=on,
        by=by,
    )
    charge = _charged(invoice=invoice, key=f"{idempotency_key}:charge", by=by)
    status = _charge_status(charge)
    if status == "completed":
        _complete(
            invoice=invoice, charge=charge, subscription=subscription, seats=seats_to_add, by=by
        )
        invoice.refresh_from_db()
        message = gettext("The seats were added.")
    else:
        message = charge.message
    return SeatPurchase(status=status, invoice=invoice, charge=charge, message=message)
