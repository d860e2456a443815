"""**Pay Now** of an open invoice: in full or in part, by the card on file or a new card used
once. A new card given for this payment is used once and not kept for renewals.

``invoice_pay`` takes the customer's ``idempotency_key`` (one per Pay Now form shown) and runs
three steps, so that a double click, a reload or a retried request pays once:

1. **Replay**: a charge already made under the key (``invoice:<id>:pay:<key>``) is not made
   again; the steps below continue from it.
2. **Charge**, outside any transaction (``payments.services.charge_card`` commits its row before
   it calls the gateway, and the gateway charges at most once per key). A new card is given to
   the gateway for this payment only (``payments.single_use``): charged with ``one_time=True``,
   then retired, so no renewal or order ever charges it; Seatwise keeps only its token, brand,
   last four digits and expiry.
3. **Record**, in one transaction under the invoice's lock: the payment on the invoice
   (``invoicing.services.invoice_record_payment``: a partial payment leaves it open with the
   rest due, the last one makes it paid) and the receipt e-mail, PDF attached, to the billing
   contact and the invoice contacts (``billing.receipts.receipt_emails_queue``). Invariant: the
   billing contact's receipt e-mail of a charge (dedupe key ``receipt:<charge id>``) exists
   exactly when its payment was recorded, because both commit together; a retry that finds it
   records nothing more.

A decline records nothing on the invoice and returns the card's message. An outcome the gateway
did not give in time is settled by the payments reconciler; Pay Now with the same key then
records it. The amount is refused before anything is charged when it is not positive, not in
the currency's minor unit, or more than is due (less what other charges of the invoice may
still take); the check is made again under the invoice's lock in the transaction that inserts
the charge (``charge_card(before_insert=…)``), so that two Pay Now forms of one invoice
submitted at the same instant cannot both take what is due.
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
from seatwise.invoicing.services import invoice_record_payment
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import Charge, PaymentMethod
from seatwise.payments.selectors import charge_for_key
from seatwise.payments.services import charge_card
from seatwise.payments.single_use import single_use_card_add, single_use_card_retire

logger = logging.getLogger(__name__)

PURPOSE = "invoice_payment"
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


def _in_flight(invoice: Invoice) -> Decimal:
    """What charges of this invoice may still take beyond what is recorded on it: those whose
    outcome is not known yet, and those that succeeded but whose payment is not recorded yet
    (the moment between the gateway's answer and ``_record``). Pay Now's own charges and the
    charge of the purchase that issued the invoice alike (a seat purchase or plan change still
    "processing" is completed by ``billing.settlement``), so paying it again never charges
    twice. Every payment of an invoice is a charge linked to it, so the succeeded charges
    beyond ``paid_amount`` are the unrecorded ones.
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
    due = invoice_amount_due(invoice) - _in_flight(invoice)
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


def _still_payable(*, invoice_id: int, amount: Decimal) -> None:
    """The amount check again, under the invoice's lock, in the transaction that inserts the
    charge: two Pay Now forms of one invoice submitted at the same instant are serialised
    here, and the second sees the first's charge in flight."""
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


def _record(*, invoice: Invoice, charge: Charge, by: Actor) -> Invoice:
    """Step 3 (see the module docstring), once per charge."""
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        if OutgoingEmail.objects.filter(dedupe_key=f"receipt:{charge.pk}").exists():
            return locked
        paid = invoice_record_payment(
            invoice=locked, amount=charge.amount, reference=f"charge:{charge.pk}", by=by
        )
        receipt_emails_queue(invoice=paid, charge=charge)
    return paid


def invoice_payment_settle(*, charge: Charge, by: Actor) -> bool:
    """Record a Pay Now charge that succeeded after its caller stopped waiting (the
    reconciler settled it): the payment on its invoice and the receipt, once. False when the
    invoice has less left to pay by then (paid or credited meanwhile): the charge is for
    ``billing.refunds`` to give back."""
    assert charge.invoice_id is not None
    invoice = Invoice.objects.get(pk=charge.invoice_id)
    try:
        _record(invoice=invoice, charge=charge, by=by)
    except Refused:
        return False
    return True


def _outcome(*, invoice: Invoice, charge: Charge, by: Actor) -> InvoicePayment:
    if charge.status == Charge.Status.SUCCEEDED:
        try:
            paid = _record(invoice=invoice, charge=charge, by=by)
        except Refused:
            # Another payment, made at the same moment under another key, left less due than
            # this charge took. The charge stands; the difference is for customer service.
            logger.error("charge %s exceeds what is due on invoice %s", charge.pk, invoice.pk)
            return InvoicePayment(
                status="processing",
                invoice=invoice,
                charge=charge,
                amount_due=invoice_amount_due(invoice),
                message=gettext(
                    "We received your payment, but invoice %(number)s had less left to pay by "
                    "then. Customer service will contact you about the difference."
                )
                % {"number": invoice.number},
            )
        due = invoice_amount_due(paid)
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
        language = _language()
        return InvoicePayment(
            status="paid",
            invoice=paid,
            charge=charge,
            amount_due=due,
            message=message
            % {
                "amount": format_money(charge.amount, charge.currency, language),
                "number": paid.number,
                "due": format_money(due, paid.currency, language),
            },
        )
    status: PaymentStatus
    if charge.status == Charge.Status.DECLINED:
        status = "declined"
    elif charge.status == Charge.Status.NOT_ATTEMPTED:
        status = "not_attempted"
    else:
        status = "processing"
    invoice.refresh_from_db()
    return InvoicePayment(
        status=status,
        invoice=invoice,
        charge=charge,
        amount_due=invoice_amount_due(invoice),
        message=" ".join((str(charge.message), gettext("Nothing was paid on the invoice.")))
        if status != "processing"
        else charge.message,
    )


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
    key = f"invoice:{invoice.pk}:pay:{idempotency_key}"
    existing = charge_for_key(key)
    if existing is not None:
        return _replay(invoice=invoice, charge=existing, by=by)
    try:
        to_pay = _payable_amount(invoice, amount)
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
    except Refused:
        # The same form submitted at the same moment may have charged (and paid) since the
        # check above: that submission's payment is this one's too.
        if (found := charge_for_key(key)) is not None:
            return _replay(invoice=invoice, charge=found, by=by)
        raise
    single_use = card is not None
    try:
        charge = charge_card(
            account=invoice.account,
            payment_method=method,
            amount=to_pay,
            currency=invoice.currency,
            idempotency_key=key,
            purpose=PURPOSE,
            by=by,
            invoice_id=invoice.pk,
            one_time=single_use,
            description=invoice.number,
            before_insert=lambda: _still_payable(invoice_id=invoice.pk, amount=to_pay),
        )
    except Refused:
        if single_use:
            single_use_card_retire(payment_method=method, by=by)
        # Two submissions of one form at the same moment: the other one made the charge (and
        # may have retired the single-use card already).
        if (found := charge_for_key(key)) is not None:
            return _replay(invoice=invoice, charge=found, by=by)
        raise
    if single_use:
        single_use_card_retire(payment_method=method, by=by)
    return _outcome(invoice=invoice, charge=charge, by=by)


def _replay(*, invoice: Invoice, charge: Charge, by: Actor) -> InvoicePayment:
    """The same form submitted again: nothing is charged again. A charge whose outcome was
    unknown is asked about again (``charge_card`` asks the gateway, never charges twice) when
    its card can still be charged; a settled one is recorded if it was not yet."""
    if charge.invoice_id != invoice.pk or charge.purpose != PURPOSE:
        raise Refused(
            "idempotency_key_reused",
            _("This payment reference was already used for a different payment."),
            field="idempotency_key",
        )
    if not charge.is_settled:
        method = charge.payment_method
        if method.removed_at is None and method.is_automatic:
            charge = charge_card(
                account=invoice.account,
                payment_method=method,
                amount=charge.amount,
                currency=charge.currency,
                idempotency_key=charge.idempotency_key,
                purpose=PURPOSE,
                by=by,
                invoice_id=invoice.pk,
                description=invoice.number,
            )
    return _outcome(invoice=invoice, charge=charge, by=by)
