"""**Pay Now** of an open invoice: in full or in part, by the card on file or a new card used
once. A new card given for this payment is used once and not kept for renewals.

A payment is a purchase of the sales pipeline (``sales.runner``), kind ``pay_now``, for the
invoice it pays: ``invoice_pay`` starts it under the customer's ``idempotency_key`` (one per
Pay Now form shown), so a double click, a reload or a retried request is the same purchase and
pays once. Its plan (``PayNowPlan``) issues no invoice, charges the amount asked for on the
chosen card (a new card is given to the gateway for this payment only, charged with
``one_time=True`` and retired after the call, ``payments.single_use``), records the payment on
the invoice (a partial payment leaves it open with the rest due) and queues the receipt e-mail,
PDF attached, to the billing contact and the invoice contacts.

The amount is refused before anything is charged when it is not positive, not in the
currency's minor unit, or more than is due (less what other charges of the invoice may still
take); the check is made again under the invoice's lock in the transaction that inserts the
charge (``charge_card(before_insert=…)``), so that two Pay Now forms of one invoice submitted
at the same instant cannot both take what is due. A decline records nothing on the invoice and
returns the card's message. An outcome the gateway did not give in time leaves the payment
"processing": the pipeline's resume job records it once the gateway tells it. A payment that
arrives when the invoice has less left to pay (paid otherwise meanwhile) ends the purchase
unrecorded, and ``billing.refunds`` gives the money back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.billing.receipts import receipt_emails_queue
from seatwise.core.errors import Invalid, Refused
from seatwise.core.money import format_money, quantize
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import Charge, PaymentMethod
from seatwise.payments.selectors import charge_for_key
from seatwise.payments.single_use import single_use_card_add, single_use_card_retire
from seatwise.sales.models import Purchase
from seatwise.sales.plans import PurchasePlan, purchase_invoice_charge
from seatwise.sales.runner import purchase_run, purchase_start

logger = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
IN_FLIGHT = (Charge.Status.PENDING, Charge.Status.UNKNOWN)
PaymentStatus = Literal["paid", "declined", "not_attempted", "processing"]


@dataclass(frozen=True, slots=True)
class InvoicePayment:
    status: PaymentStatus
    invoice: Invoice
    charge: Charge
    # What remains due on the invoice after this payment (when it was recorded).
    amount_due: Decimal
    message: str


def _check_key(idempotency_key: str) -> None:
    if not isinstance(idempotency_key, str) or not KEY_RE.match(idempotency_key):
        raise Invalid(
            "invalid_idempotency_key",
            _("This payment form has expired. Open Pay Now again."),
            field="idempotency_key",
        )


def invoice_amount_in_flight(invoice: Invoice) -> Decimal:
    """What charges of this invoice may still take beyond what is recorded on it: those whose
    outcome is not known yet, and those that succeeded but whose payment is not recorded yet
    (the moment between the gateway's answer and the pipeline's ``paid`` step). Pay Now's own
    charges and the charge of the purchase that issued the invoice alike (a seat purchase or
    plan change still "processing" is completed by the pipeline), so paying it again never
    charges twice, nor does a renewal's next try (``billing.renewals``). Every payment of an
    invoice is a charge linked to it, so the succeeded charges beyond ``paid_amount`` are the
    unrecorded ones.
    """
    totals = dict(
        Charge.objects.filter(
            invoice_id=invoice.pk, status__in=(*IN_FLIGHT, Charge.Status.SUCCEEDED)
        )
        .values_list("status")
        .annotate(total=Sum("amount"))
        .values_list("status", "total")
    )
    pending = sum((totals.get(status) or Decimal(0) for status in IN_FLIGHT), Decimal(0))
    unrecorded = max(
        Decimal(0), (totals.get(Charge.Status.SUCCEEDED) or Decimal(0)) - invoice.paid_amount
    )
    return quantize(pending + unrecorded, invoice.currency)


def _payable_amount(invoice: Invoice, amount: Decimal | None) -> Decimal:
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Refused("not_an_invoice", _("Only an invoice can be paid."), field="invoice")
    if invoice.status != Invoice.Status.OPEN:
        raise Refused(
            "invoice_not_open",
            _("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number},
            field="invoice",
        )
    due = invoice_amount_due(invoice) - invoice_amount_in_flight(invoice)
    if due <= 0:
        raise Refused(
            "nothing_due",
            _(
                "Nothing is left to pay on invoice %(number)s, or a payment of it is still "
                "being processed."
            )
            % {"number": invoice.number},
            field="amount",
        )
    if amount is None:
        return due
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount <= 0
        or quantize(amount, invoice.currency) != amount
    ):
        raise Invalid(
            "invalid_amount",
            _("Enter an amount of more than zero, in whole cents."),
            field="amount",
        )
    if amount > due:
        raise Invalid(
            "amount_above_due",
            _("Enter at most the amount due, %(due)s.")
            % {"due": format_money(due, invoice.currency, _language())},
            field="amount",
        )
    return amount


def invoice_still_payable(*, invoice_id: int, amount: Decimal) -> None:
    """The amount check again, under the invoice's lock, in the transaction that inserts the
    charge: two Pay Now forms of one invoice submitted at the same instant (or a Pay Now and
    the invoice's direct debit, ``billing.direct_debits``) are serialised here, and the second
    sees the first's charge in flight."""
    _payable_amount(invoice_lock(invoice_id), amount)


def _language() -> str:
    from django.utils import translation

    return translation.get_language() or "en"


def _card_on_file(invoice: Invoice, payment_method: PaymentMethod) -> PaymentMethod:
    method = PaymentMethod.objects.filter(
        pk=payment_method.pk, account_id=invoice.account_id, removed_at__isnull=True
    ).first()
    if method is None or not method.is_automatic:
        raise Refused(
            "payment_method_unavailable",
            _("This card is not on file for your account. Choose another card."),
            field="payment_method",
        )
    return method


def invoice_charge(
    purchase: Purchase,
    method: PaymentMethod,
    *,
    key: str,
    amount: Decimal,
    by: Actor,
    one_time: bool = False,
) -> Charge:
    """The charge of a purchase that pays its open invoice (Pay Now, a direct debit) on
    ``method``: the invoice's number as its description, and refused before it is stored
    unless the invoice still has ``amount`` due (``invoice_still_payable``)."""
    invoice_id = purchase.invoice_id
    assert invoice_id is not None
    return purchase_invoice_charge(
        purchase,
        method,
        key=key,
        amount=amount,
        by=by,
        one_time=one_time,
        before_insert=lambda: invoice_still_payable(invoice_id=invoice_id, amount=amount),
    )


class PayNowPlan(PurchasePlan):
    """Pay Now: no invoice to issue (the purchase pays ``purchase.invoice``), the amount asked
    for charged on the chosen card, the payment recorded, the receipt e-mailed."""

    kind = Purchase.Kind.PAY_NOW

    def amount_due(self, purchase: Purchase) -> Decimal | None:
        return Decimal(purchase.params["amount"])

    def charge(self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor) -> Charge:
        invoice, method = purchase.invoice, purchase.payment_method
        assert invoice is not None
        assert method is not None
        single_use = not method.is_automatic
        earlier = charge_for_key(key)
        if earlier is not None and (single_use or method.removed_at is not None):
            # Its card was used once and retired (or removed): only the reconciler asks the
            # gateway about it now.
            return earlier
        try:
            return invoice_charge(
                purchase, method, key=key, amount=amount, by=by, one_time=single_use
            )
        finally:
            if single_use:
                single_use_card_retire(payment_method=method, by=by)

    def pay(self, purchase: Purchase, *, by: Actor) -> None:
        try:
            super().pay(purchase, by=by)
        except Refused:
            # Another payment, made meanwhile, left less due than this charge took: nothing
            # is recorded, and the money goes back (``billing.refunds``).
            logger.error(
                "charge %s exceeds what is due on invoice %s",
                purchase.charge_id,
                purchase.invoice_id,
            )
            purchase.status = Purchase.Status.FAILED
            purchase.failure_code = OVERPAID

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        assert purchase.invoice is not None
        assert purchase.charge is not None
        receipt_emails_queue(invoice=purchase.invoice, charge=purchase.charge)


OVERPAID = "more_than_due"


def _purchase_key(invoice: Invoice, idempotency_key: str) -> str:
    return f"pay:{invoice.pk}:{idempotency_key}"


def _found(*, invoice: Invoice, key: str) -> Purchase | None:
    found = Purchase.objects.filter(account_id=invoice.account_id, key=key).first()
    if found is not None and (
        found.kind != Purchase.Kind.PAY_NOW or found.invoice_id != invoice.pk
    ):
        raise Refused(
            "idempotency_key_reused",
            _("This payment reference was already used for a different payment."),
            field="idempotency_key",
        )
    return found


def invoice_pay(
    *,
    invoice: Invoice,
    amount: Decimal | None,
    by: Actor,
    idempotency_key: str,
    payment_method: PaymentMethod | None = None,
    card: CardDetails | None = None,
) -> InvoicePayment:
    """**Pay Now**: pay ``amount`` of ``invoice`` (``None``: **Pay in full**, whatever is due)
    with ``payment_method`` (a card on file of the account) or ``card`` (a new card, used once
    and not kept for renewals). See the module docstring for the steps and the guarantees.

    Call it outside ``transaction.atomic()``: the charge must commit before the gateway is
    called. Refusals of the input raise ``ServiceError`` before anything is written or charged;
    a declined card is a result (``status="declined"``), not an error.
    """
    _check_key(idempotency_key)
    if (payment_method is None) == (card is None):
        raise Invalid(
            "card_or_payment_method",
            _("Choose the card on file or enter a new card."),
            field="payment_method",
        )
    # Read again: the caller's copy may be older than a payment made since.
    invoice = Invoice.objects.select_related("account").get(pk=invoice.pk)
    key = _purchase_key(invoice, idempotency_key)
    purchase = _found(invoice=invoice, key=key)
    if purchase is None:
        try:
            to_pay = _payable_amount(invoice, amount)
        except Refused:
            # The same form submitted at the same moment may have paid since the check.
            if (purchase := _found(invoice=invoice, key=key)) is None:
                raise
        else:
            method = (
                _card_on_file(invoice, payment_method)
                if payment_method is not None
                else single_use_card_add(
                    account=invoice.account,
                    card=card,  # type: ignore[arg-type]
                    by=by,
                    idempotency_key=idempotency_key,
                )
            )
            with transaction.atomic():
                locked = invoice_lock(invoice.pk)
                # A twin submission of the same form may have started it meanwhile.
                purchase = _found(invoice=locked, key=key)
                if purchase is None:
                    purchase, _new = purchase_start(
                        kind=Purchase.Kind.PAY_NOW,
                        account=invoice.account,
                        key=key,
                        params={"invoice": locked.pk, "amount": str(to_pay)},
                        currency=locked.currency,
                        payment_method=method,
                        invoice=locked,
                        by=by,
                    )
    elif purchase.status == Purchase.Status.FAILED and purchase.charge_id is None:
        raise Refused(purchase.failure_code or "not_paid", purchase.failure_message, field="amount")
    purchase = purchase_run(purchase.pk, by=by)
    return _outcome(purchase)


def _outcome(purchase: Purchase) -> InvoicePayment:
    assert purchase.invoice_id is not None  # a Pay Now purchase pays its invoice
    invoice = Invoice.objects.get(pk=purchase.invoice_id)
    charge = purchase.charge
    if charge is None:
        # Refused before the gateway was called (the run raised it the first time).
        raise Refused(purchase.failure_code or "not_paid", purchase.failure_message, field="amount")
    due = invoice_amount_due(invoice)
    language = _language()
    if purchase.status == Purchase.Status.COMPLETED:
        if due > 0:
            message = gettext(
                "Thank you: your payment of %(amount)s was received. Still due on invoice "
                "%(number)s: %(due)s. The receipt is on its way by e-mail."
            )
        else:
            message = gettext(
                "Thank you: your payment of %(amount)s was received. Invoice %(number)s is "
                "paid. The receipt is on its way by e-mail."
            )
        return InvoicePayment(
            status="paid",
            invoice=invoice,
            charge=charge,
            amount_due=due,
            message=message
            % {
                "amount": format_money(charge.amount, charge.currency, language),
                "number": invoice.number,
                "due": format_money(due, invoice.currency, language),
            },
        )
    if purchase.failure_code == OVERPAID:
        return InvoicePayment(
            status="processing",
            invoice=invoice,
            charge=charge,
            amount_due=due,
            message=gettext(
                "We received your payment, but invoice %(number)s had less left to pay by "
                "then. The payment is refunded to your card."
            )
            % {"number": invoice.number},
        )
    status: PaymentStatus
    if purchase.status == Purchase.Status.OPEN:
        return InvoicePayment(
            status="processing",
            invoice=invoice,
            charge=charge,
            amount_due=due,
            message=charge.message,
        )
    status = "declined" if charge.status == Charge.Status.DECLINED else "not_attempted"
    return InvoicePayment(
        status=status,
        invoice=invoice,
        charge=charge,
        amount_due=due,
        message=" ".join((str(charge.message), gettext("Nothing was paid on the invoice."))),
    )
