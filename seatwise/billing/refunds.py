"""Money that goes back: the refund a credit note promises, and the payment that arrived after
its purchase was cancelled.

**A credit note settled by refund** (``Invoice.Settlement.REFUND``) gives back its
``settlement_amount`` through the gateway, on the charges that paid the corrected invoice,
newest first, each refund under its own key ``credit-note:<note>:charge:<charge>``
(``payments.refunds.refund_charge``: at most once per key, an unknown outcome asked about
later). ``credit_note_refund`` is called right after the note is issued, outside its
transaction; ``late_payments_settle`` (every minute) calls it again for every such note whose
refunds do not yet add up to its amount, so a refund the gateway could not take is retried
with the same keys until it is made.

**A late payment.** The gateway may report a charge as succeeded after Seatwise took it for
never made (``payments.reconcile``: the gateway answered after the caller gave up) and voided
its purchase by a credit note that settled nothing; or a Pay Now payment may arrive when its
invoice has less left to pay. Nothing was delivered for that money: a succeeded charge of a
purchase that failed (``sales``) or of a voided invoice is refunded in full under
``<charge key>:refund``, audited, and the billing contact is told by e-mail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.billing.receipts import invoice_recipients
from seatwise.core.money import format_money
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue
from seatwise.payments.models import Charge, Refund
from seatwise.payments.refunds import refund_charge, refundable_amount
from seatwise.sales.models import Purchase

logger = logging.getLogger(__name__)

# How far back the every-minute job looks for late payments and unfinished refunds.
LOOK_BACK = timedelta(days=30)
LATE_PAYMENT_REASON = "late payment of a cancelled purchase"


def _refunded(refunds: list[Refund]) -> Decimal:
    return sum((r.amount for r in refunds if r.status == Refund.Status.SUCCEEDED), Decimal(0))


def credit_note_refund(*, credit_note: Invoice, by: Actor) -> list[Refund]:
    """Make the refunds a credit note settled by refund promises (see the module docstring);
    what was refunded under its keys before is not refunded again. Call it outside any
    transaction. Returns the note's refunds."""
    if credit_note.settlement != Invoice.Settlement.REFUND or credit_note.corrects_id is None:
        return []
    refunds = list(Refund.objects.filter(credit_note_id=credit_note.pk).order_by("pk"))
    still = credit_note.settlement_amount - sum(
        (r.amount for r in refunds if r.status != Refund.Status.FAILED), Decimal(0)
    )
    # Unsettled refunds of the note are asked about again under their own keys.
    for refund in refunds:
        if refund.status in {Refund.Status.NOT_ATTEMPTED, Refund.Status.PENDING}:
            refund_charge(
                charge=refund.charge,
                amount=refund.amount,
                idempotency_key=refund.idempotency_key,
                reason=refund.reason,
                by=by,
                credit_note_id=credit_note.pk,
            )
    charges = Charge.objects.filter(
        invoice_id=credit_note.corrects_id, status=Charge.Status.SUCCEEDED
    ).order_by("-pk")
    for charge in charges:
        if still <= 0:
            break
        key = f"credit-note:{credit_note.pk}:charge:{charge.pk}"
        if any(r.idempotency_key == key and r.status != Refund.Status.FAILED for r in refunds):
            continue
        amount = min(still, refundable_amount(charge))
        if amount <= 0:
            continue
        refund = refund_charge(
            charge=charge,
            amount=amount,
            idempotency_key=key,
            reason=f"credit note {credit_note.number}",
            by=by,
            credit_note_id=credit_note.pk,
        )
        if refund.status != Refund.Status.FAILED:
            still -= amount
    made = list(Refund.objects.filter(credit_note_id=credit_note.pk).order_by("pk"))
    corrected = Invoice.objects.select_related("account").get(pk=credit_note.corrects_id)
    for refund in made:
        if refund.status == Refund.Status.SUCCEEDED:
            refund_told(invoice=corrected, refund=refund)
    return made


def late_payments_settle(*, by: Actor) -> int:
    """Refund what a late payment paid for nothing, and finish the refunds of credit notes
    (see the module docstring). Returns how many refunds succeeded in this run."""
    since = timezone.now() - LOOK_BACK
    done = 0
    # Charges of purchases voided before their payment was known: nothing was delivered.
    voided = Invoice.objects.filter(
        pk=OuterRef("invoice_id"), status=Invoice.Status.CREDITED, paid_amount=0
    )
    orphans = (
        Charge.objects.filter(status=Charge.Status.SUCCEEDED, settled_at__gte=since)
        .filter(Exists(voided))
        .exclude(Exists(Refund.objects.filter(charge=OuterRef("pk"), status="succeeded")))
        .order_by("pk")
    )
    for charge in orphans:
        try:
            done += _late_payment_refund(charge=charge, by=by)
        except Exception:
            logger.exception("late payment %s: refund failed, tried again next run", charge.pk)
    # Charges of purchases that ended without keeping the money: voided before the payment
    # was known, or a Pay Now that found less left to pay.
    failed = Purchase.objects.filter(charge_id=OuterRef("pk"), status=Purchase.Status.FAILED)
    kept_nothing = (
        Charge.objects.filter(status=Charge.Status.SUCCEEDED, settled_at__gte=since)
        .filter(Exists(failed))
        .exclude(Exists(Refund.objects.filter(charge=OuterRef("pk"), status="succeeded")))
        .order_by("pk")
    )
    for charge in kept_nothing:
        try:
            done += _late_payment_refund(charge=charge, by=by)
        except Exception:
            logger.exception("late payment %s: refund failed, tried again next run", charge.pk)
    notes = (
        Invoice.objects.filter(
            kind=Invoice.Kind.CREDIT_NOTE,
            settlement=Invoice.Settlement.REFUND,
            created_at__gte=since,
        )
        .select_related("corrects__account")
        .order_by("pk")
    )
    for note in notes:
        refunds = list(Refund.objects.filter(credit_note_id=note.pk))
        if _refunded(refunds) >= note.settlement_amount:
            # Made in full, perhaps settled by the reconciler since: the customer is told once.
            assert note.corrects is not None
            for refund in refunds:
                if refund.status == Refund.Status.SUCCEEDED:
                    refund_told(invoice=note.corrects, refund=refund)
            continue
        try:
            made = credit_note_refund(credit_note=note, by=by)
        except Exception:
            logger.exception("credit note %s: refund failed, tried again next run", note.pk)
            continue
        done += sum(1 for r in made if r.status == Refund.Status.SUCCEEDED) - sum(
            1 for r in refunds if r.status == Refund.Status.SUCCEEDED
        )
    return done


def _late_payment_refund(*, charge: Charge, by: Actor) -> int:
    assert charge.invoice_id is not None  # selected by its voided invoice
    invoice = Invoice.objects.select_related("account").get(pk=charge.invoice_id)
    refund = refund_charge(
        charge=charge,
        amount=refundable_amount(charge),
        idempotency_key=f"{charge.idempotency_key}:refund",
        reason=LATE_PAYMENT_REASON,
        by=by,
    )
    if refund.status != Refund.Status.SUCCEEDED:
        logger.warning("late payment %s: refund %s, tried again", charge.pk, refund.status)
        return 0
    with transaction.atomic():
        if not refund_told(invoice=invoice, refund=refund):
            return 0
        audit_record(
            by=by,
            action="payment.late_payment_refunded",
            obj=refund,
            account_id=charge.account_id,
            new={
                "charge": charge.pk,
                "invoice": invoice.number,
                "amount": str(refund.amount),
                "currency": refund.currency,
            },
        )
    return 1


def refund_told(*, invoice: Invoice, refund: Refund) -> bool:
    """Queue the e-mail that tells the billing contact and the invoice contacts that money
    went back, once per refund; False when it was queued before."""
    if OutgoingEmail.objects.filter(dedupe_key=f"refund:{refund.pk}").exists():
        return False
    for to in invoice_recipients(invoice):
        email_queue(
            kind="refund",
            to_address=to.email,
            to_person_id=to.person_id,
            account_id=invoice.account_id,
            language=to.language,
            context={
                "person": to.greeting,
                "amount": format_money(refund.amount, refund.currency, to.language),
                "method": refund.charge.payment_method.masked,
                "invoice_number": invoice.number,
                "late": refund.reason == LATE_PAYMENT_REASON,
            },
            dedupe_key=f"refund:{refund.pk}{to.key}",
        )
    return True
