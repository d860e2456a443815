"""Buying seats mid-term, and the three idempotent steps every card purchase of the Billing
Center shares: price, invoice, payment, receipt, e-mails.

A purchase (seats here, a plan upgrade in ``billing.changes``) runs three steps, each
idempotent under a key derived from the caller's ``idempotency_key`` (``purchase_keys``), so
that calling it again with the same key, after a double click or a crash at any point,
completes the purchase exactly once:

1. **Invoice** (``<key>:invoice``): built from the ``pricing.preview_*`` call that showed the
   customer the price, so the invoice shows the preview's amounts to the cent. It is issued
   under the account's lock, and only while no other purchase of the account is in flight (an
   open seats or plan-change invoice): two purchases never price from the same stale state.
   A retry finds the issued invoice and issues no other number.
2. **Charge** (``<key>:charge``): the invoice's gross on the account's default automatic card,
   through ``payments.services.charge_card``, which calls the gateway at most once per key and
   asks the gateway (never charges again) about an attempt whose outcome is unknown. The
   charge's ``purpose`` names what it pays for (``seats:<subscription>:<seats>``,
   ``plan_change:<subscription>:<plan>``), so that ``billing.settlement`` can complete a
   purchase whose outcome was settled later by the reconciler.
3. **Completion**, in one transaction (``purchase_complete``): the payment is recorded on the
   invoice, the subscription is changed with its audit entry, and the invoice and receipt
   e-mails (PDFs attached) are queued to the billing contact. Invariant: a purchase invoice is
   ``paid`` exactly when its change was made, so a retry that finds it paid does nothing more.

**The decline rule** (a decline marks nothing as paid): a purchase whose charge is
declined, or was never attempted (the gateway unreachable, or the card gone), leaves no open
invoice behind: the invoice is voided at once by a credit note for its full amount
(``purchase_void``, key ``<key>:void``, so the invoice history shows both and a retry issues
no second note), the subscription is unchanged, and the customer reads the card's message.
For a purchase, a ``not_attempted`` charge is final: it is never tried again under the same
key (the customer starts a new purchase), so that a voided invoice is never paid afterwards.
So a purchase invoice is ``open`` only while its charge's outcome is unknown (status
``processing``); ``billing.settlement.purchases_settle`` completes or voids it once the
payments reconciler has settled the charge, as does a retry with the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.receipts import payment_emails_queue
from seatwise.core.errors import Invalid, Refused, ServiceError
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.payments.models import Charge, PaymentMethod
from seatwise.payments.selectors import charge_for_key, default_payment_method
from seatwise.payments.services import charge_card
from seatwise.pricing.lines import Preview, preview_seat_addition
from seatwise.subscriptions.models import Subscription

PurchaseStatus = Literal["completed", "declined", "not_attempted", "processing"]
PURCHASABLE = (Subscription.Status.ACTIVE, Subscription.Status.PENDING_CANCELLATION)
PURCHASE_SOURCES = (Invoice.Source.SEATS, Invoice.Source.PLAN_CHANGE)
MAX_KEY_LENGTH = 90  # the derived keys (``<key>:invoice``) must fit the invoice's 100
SEATS_PURPOSE = "seats"


@dataclass(frozen=True, slots=True)
class PurchaseKeys:
    """The idempotency keys of one purchase's steps, derived from the caller's key."""

    invoice: str
    charge: str
    void: str


@dataclass(frozen=True, slots=True)
class SeatPurchase:
    status: PurchaseStatus
    invoice: Invoice
    charge: Charge | None
    message: str


def purchase_keys(idempotency_key: str) -> PurchaseKeys:
    """Check the caller's key and derive the keys of the three steps (and of the void)."""
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise Invalid(
            "invalid_idempotency_key",
            _("The idempotency key has 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            field="idempotency_key",
        )
    return PurchaseKeys(
        invoice=f"{idempotency_key}:invoice",
        charge=f"{idempotency_key}:charge",
        void=f"{idempotency_key}:void",
    )


def keys_of_invoice(invoice: Invoice) -> PurchaseKeys | None:
    """The step keys of the purchase that issued ``invoice`` (None: not a purchase's)."""
    key = invoice.idempotency_key or ""
    if not key.endswith(":invoice"):
        return None
    return purchase_keys(key.removesuffix(":invoice"))


def purchase_charge_status(charge: Charge | None) -> PurchaseStatus:
    if charge is None or charge.status == Charge.Status.NOT_ATTEMPTED:
        return "not_attempted"
    if charge.status == Charge.Status.SUCCEEDED:
        return "completed"
    if charge.status == Charge.Status.DECLINED:
        return "declined"
    return "processing"


def issued_purchase_invoice(*, key: str, account_id: int, source: str) -> Invoice | None:
    """The invoice a purchase already issued under ``key`` (a retry), or None."""
    issued = Invoice.objects.filter(idempotency_key=key).first()
    if issued is None:
        return None
    if issued.account_id != account_id or issued.source != source:
        raise Refused(
            "idempotency_key_reused",
            _("This idempotency key was already used for another purchase."),
            field="idempotency_key",
        )
    return issued


def automatic_card_of(account: Account) -> PaymentMethod:
    """The card a purchase is charged to: the account's default card for automatic payments."""
    method = default_payment_method(account_id=account.pk)
    if method is None or not method.is_automatic:
        raise Refused(
            "no_automatic_payment_method",
            _("Add a card for automatic payments to buy seats or change the plan."),
            field="payment_method",
        )
    return method


def purchase_in_flight_refuse(*, account_id: int) -> None:
    """Refuse while another purchase of the account awaits its payment's outcome.

    Call under the account's lock, in the transaction that issues the new invoice: then two
    purchases never both pass (each would be priced without the other's change)."""
    if Invoice.objects.filter(
        account_id=account_id,
        kind=Invoice.Kind.INVOICE,
        source__in=PURCHASE_SOURCES,
        status=Invoice.Status.OPEN,
    ).exists():
        raise Refused(
            "purchase_in_progress",
            _(
                "Another purchase of this account is still being processed. Try again in a "
                "few minutes."
            ),
            field="subscription",
        )


def price_changed_refuse(*, preview: Preview, expected_gross: Decimal | None) -> None:
    """Refuse when the price differs from the one the customer reviewed (a day passed, the
    catalog or the VAT changed): they review the new price before anything is charged."""
    if expected_gross is not None and preview.totals.gross != expected_gross:
        raise Refused(
            "price_changed",
            _("The price has changed since you reviewed it. Review the new price and confirm."),
            field="expected_total",
        )


def purchase_invoice_issue(
    *,
    account: Account,
    preview: Preview,
    source: str,
    key: str,
    on: date,
    by: Actor,
) -> Invoice:
    """Step 1: the invoice of the preview's lines. Call under the account's lock."""
    purchase_in_flight_refuse(account_id=account.pk)
    return invoice_issue(
        account=account,
        lines=preview.lines,
        tax=preview.totals.tax_decision,
        source=source,
        by=by,
        idempotency_key=key,
        issue_date=on,
        # The card is charged the gross at once, which the customer confirmed: an open
        # account credit stays for the next invoice paid later (a renewal).
        apply_credit=False,
    )


def purchase_charge(*, invoice: Invoice, key: str, purpose: str, by: Actor) -> Charge | None:
    """Step 2: the invoice's charge, made now or found under its key. None: nothing was or
    will be charged (no card any more, or the invoice is no longer open)."""
    charge = charge_for_key(key)
    if charge is not None and charge.status in (
        Charge.Status.SUCCEEDED,
        Charge.Status.DECLINED,
        Charge.Status.NOT_ATTEMPTED,  # final for a purchase: see the module docstring
    ):
        return charge
    if charge is None:
        if Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.OPEN).exists() is False:
            return None  # voided (or paid) meanwhile: never charge a closed invoice
        method = default_payment_method(account_id=invoice.account_id)
        if method is None or not method.is_automatic:
            return None
    else:
        method = charge.payment_method
    return charge_card(
        account=invoice.account,
        payment_method=method,
        amount=invoice.gross_total,
        currency=invoice.currency,
        idempotency_key=key,
        purpose=purpose,
        by=by,
        invoice_id=invoice.pk,
        description=invoice.number,
    )


def purchase_void(*, invoice: Invoice, keys: PurchaseKeys, by: Actor) -> Invoice | None:
    """The decline rule: void an open purchase invoice by a credit note of its full amount.

    Idempotent (the note's key is ``keys.void``); an invoice that is not open (paid, or
    voided already) is left alone. Returns the credit note, if there is one.
    """
    existing = Invoice.objects.filter(idempotency_key=keys.void).first()
    if existing is not None:
        return existing
    current = Invoice.objects.get(pk=invoice.pk)
    if current.status != Invoice.Status.OPEN or current.paid_amount != 0:
        return None
    with translation.override(current.language):
        reason = gettext("Payment not completed: the purchase was cancelled")
    try:
        return credit_note_issue(
            invoice=current,
            reason=reason,
            # Nothing was paid: nothing goes back, except the account credit the invoice used,
            # which a set-off gives back to the account.
            settlement=(
                Invoice.Settlement.SET_OFF
                if current.prepaid_amount > 0
                else Invoice.Settlement.NONE
            ),
            by=by,
            amount_net=current.net_total,
            idempotency_key=keys.void,
            issue_date=max(timezone.localdate(), current.issue_date),
        )
    except Refused as refusal:
        # A concurrent void (the settlement job and a retry) issued the note first: this one,
        # waiting on the invoice's lock, then finds nothing left to credit.
        if refusal.code != "credit_exceeds_invoice":
            raise
        return Invoice.objects.filter(idempotency_key=keys.void).first()


def purchase_complete(
    *,
    invoice: Invoice,
    charge: Charge,
    subscription_id: int,
    fields: list[str],
    change: Callable[[Subscription], None],
    action: str,
    by: Actor,
) -> Subscription | None:
    """Step 3, once: record the payment, ``change`` the subscription (its ``fields``) with an
    audit entry, queue the invoice and receipt e-mails. None: completed before (a retry).

    Lock order: the invoice, then the subscription (as in ``billing.renewals``).
    """
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        if locked.status != Invoice.Status.OPEN:
            return None
        paid = invoice_record_payment(
            invoice=locked, amount=charge.amount, reference=f"charge:{charge.pk}", by=by
        )
        held = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "product")
            .get(pk=subscription_id)
        )
        old = snapshot(held, fields)
        change(held)
        held.save(update_fields=fields)
        audit_record(
            by=by,
            action=action,
            obj=held,
            account_id=held.account_id,
            old=old,
            new={**snapshot(held, fields), "invoice": paid.number, "charge": charge.pk},
        )
        payment_emails_queue(invoice=paid, charge=charge)
    return held


def purchase_pay(
    *,
    invoice: Invoice,
    keys: PurchaseKeys,
    purpose: str,
    complete: Callable[[Charge], None],
    by: Actor,
) -> tuple[PurchaseStatus, Charge | None]:
    """Steps 2 and 3 for an issued purchase invoice, with the decline rule."""
    try:
        charge = purchase_charge(invoice=invoice, key=keys.charge, purpose=purpose, by=by)
    except ServiceError:
        # The card was refused before the gateway was called (removed meanwhile): nothing
        # was charged, and no charge row holds the key.
        if charge_for_key(keys.charge) is None:
            purchase_void(invoice=invoice, keys=keys, by=by)
        raise
    status = purchase_charge_status(charge)
    if status == "completed":
        assert charge is not None
        complete(charge)
    elif status in ("declined", "not_attempted"):
        purchase_void(invoice=invoice, keys=keys, by=by)
    invoice.refresh_from_db()
    return status, charge


def seats_purpose(*, subscription_id: int, seats: int) -> str:
    return f"{SEATS_PURPOSE}:{subscription_id}:{seats}"


def seats_purchase_complete(
    *, invoice: Invoice, charge: Charge, subscription_id: int, seats: int, by: Actor
) -> Subscription | None:
    """Step 3 of a seat purchase: the seats added, once (see ``purchase_complete``)."""

    def add(held: Subscription) -> None:
        held.seats += seats

    return purchase_complete(
        invoice=invoice,
        charge=charge,
        subscription_id=subscription_id,
        fields=["seats"],
        change=add,
        action="subscription.seats_add",
        by=by,
    )


def _seats_preview(
    *, subscription: Subscription, account: Account, seats_to_add: int, on: date
) -> Preview:
    """The checks of a seat purchase and its price; writes nothing."""
    current = (
        Subscription.objects.select_related("account", "plan", "product")
        .filter(pk=subscription.pk, account_id=account.pk)
        .first()
    )
    if current is None or current.status not in PURCHASABLE:
        raise Refused(
            "subscription_not_active",
            _("Seats can only be added to an active subscription."),
            field="subscription",
        )
    automatic_card_of(account)
    purchase_in_flight_refuse(account_id=account.pk)
    tax = account_tax_decision(account=account, on=on)
    return preview_seat_addition(subscription=current, seats_to_add=seats_to_add, on=on, tax=tax)


def seats_purchase_review(
    *, subscription: Subscription, seats_to_add: int, on: date | None = None
) -> Preview:
    """What ``seats_purchase`` would invoice and charge now, with the same refusals; writes
    nothing. The customer reviews this, then confirms with its gross as ``expected_gross``."""
    return _seats_preview(
        subscription=subscription,
        account=subscription.account,
        seats_to_add=seats_to_add,
        on=on or timezone.localdate(),
    )


def _seats_invoice(
    *,
    subscription: Subscription,
    seats_to_add: int,
    key: str,
    on: date | None,
    expected_gross: Decimal | None,
    by: Actor,
) -> Invoice:
    """The purchase's invoice: issued now from the preview, or found by its key on a retry."""
    account = subscription.account
    issued = issued_purchase_invoice(key=key, account_id=account.pk, source=Invoice.Source.SEATS)
    if issued is not None:
        if list(issued.lines.values_list("quantity", flat=True)) != [seats_to_add]:
            raise Refused(
                "idempotency_key_reused",
                _("This idempotency key was already used for another purchase."),
                field="idempotency_key",
            )
        return issued
    day = on or timezone.localdate()
    with transaction.atomic():
        locked_account = account_lock(account.pk)
        # A twin call with the same key (a double click) may have issued it meanwhile.
        issued = issued_purchase_invoice(
            key=key, account_id=account.pk, source=Invoice.Source.SEATS
        )
        if issued is not None:
            return issued
        preview = _seats_preview(
            subscription=subscription, account=locked_account, seats_to_add=seats_to_add, on=day
        )
        price_changed_refuse(preview=preview, expected_gross=expected_gross)
        return purchase_invoice_issue(
            account=locked_account,
            preview=preview,
            source=Invoice.Source.SEATS,
            key=key,
            on=day,
            by=by,
        )


def seats_purchase(
    *,
    subscription: Subscription,
    seats_to_add: int,
    by: Actor,
    idempotency_key: str,
    on: date | None = None,
    expected_gross: Decimal | None = None,
) -> SeatPurchase:
    """Buy ``seats_to_add`` seats for the rest of the current term (co-termed), paid by card.

    See the module docstring for the steps, the decline rule, and why a retry with the same
    ``idempotency_key`` completes the purchase exactly once. ``expected_gross``: the total the
    customer reviewed; a different price now is refused before anything is written. Call it
    outside ``transaction.atomic()``: the charge must be committed before the gateway is
    called.
    """
    keys = purchase_keys(idempotency_key)
    invoice = _seats_invoice(
        subscription=subscription,
        seats_to_add=seats_to_add,
        key=keys.invoice,
        on=on,
        expected_gross=expected_gross,
        by=by,
    )

    def complete(charge: Charge) -> None:
        held = seats_purchase_complete(
            invoice=invoice,
            charge=charge,
            subscription_id=subscription.pk,
            seats=seats_to_add,
            by=by,
        )
        if held is not None:
            subscription.seats = held.seats

    status, charge = purchase_pay(
        invoice=invoice,
        keys=keys,
        purpose=seats_purpose(subscription_id=subscription.pk, seats=seats_to_add),
        complete=complete,
        by=by,
    )
    if status == "completed":
        subscription.refresh_from_db(fields=["seats"])
        message = gettext("The seats were added.")
    elif charge is not None:
        message = charge.message
    else:
        message = gettext("Nothing was charged: there is no card for automatic payments.")
    return SeatPurchase(status=status, invoice=invoice, charge=charge, message=message)
