"""Money that goes back: the refund a credit note promises, and the payment a purchase did not
keep. Each refund is a purchase of the sales pipeline (``sales.runner``), kind ``refund``, with
one gateway call: ``RefundPlan``.

**A credit note settled by refund** (``Invoice.Settlement.REFUND``) gives back its
``settlement_amount`` on the charges that paid the corrected invoice, newest first:
``credit_note_refund`` splits it over them (never more than a charge can still give back) and
starts one refund purchase per charge (key ``credit-note:<note>:charge:<charge>``), right
after the note is issued, outside its transaction. The pipeline makes each refund at most once
(``payments.refunds.refund_charge`` under the key ``purchase:<id>:refund:<try>``); one the
gateway could not take is tried again by the resume job, an unknown outcome asked about after
the grace; when it is made, the billing contact and the invoice contacts are told by e-mail.

**A payment kept by nothing.** The gateway may report a charge as succeeded after Seatwise took
it for never made (``payments.reconcile``: the gateway answered after the caller gave up) and
voided its purchase by a credit note that settled nothing; or a Pay Now payment may arrive when
its invoice has less left to pay. Nothing was delivered for that money: ``late_payments_settle``
(every minute) starts a refund purchase of it in full (key ``late-payment:<charge>``), audited
and told like any refund.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
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
from seatwise.sales.plans import Outcome, PurchasePlan
from seatwise.sales.runner import purchase_run, purchase_start

logger = logging.getLogger(__name__)

# How far back the every-minute job looks for payments kept by nothing: they are found as soon
# as the gateway reports them or their purchase fails, so a week covers a job down for days.
# The charges succeeded in that window are an index range (``charge_settled_idx``).
LOOK_BACK = timedelta(days=7)
LATE_PAYMENT_REASON = "late payment of a cancelled purchase"


class RefundPlan(PurchasePlan):
    """One refund on one charge: no invoice to issue (the credit note, if any, is the
    purchase's ``invoice``), the gateway call is a refund, and the customer is told."""

    kind = Purchase.Kind.REFUND
    money_step = "refund"

    def amount_due(self, purchase: Purchase) -> Decimal:
        return Decimal(purchase.params["amount"])

    def money_found(self, purchase: Purchase, key: str) -> Charge | Refund | None:
        return Refund.objects.filter(idempotency_key=key).first()

    def outcome(self, made: Charge | Refund) -> Outcome:
        assert isinstance(made, Refund)
        if made.status == Refund.Status.SUCCEEDED:
            return "succeeded"
        if made.status == Refund.Status.FAILED:
            return "declined"
        return "waiting"  # not attempted (the gateway unreachable), unknown, pending

    def charge(self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor) -> Refund:
        charge = Charge.objects.get(pk=int(purchase.params["charge"]))
        return refund_charge(
            charge=charge,
            amount=amount,
            idempotency_key=key,
            reason=str(purchase.params["reason"]),
            by=by,
            credit_note_id=purchase.params.get("credit_note"),
        )

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        # The gateway refused the refund: nothing went back. The purchase fails with the
        # gateway's reason, on the account's audit trail, for customer service to settle.
        purchase.status = Purchase.Status.FAILED

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        refund = purchase.refund
        assert refund is not None
        invoice = Invoice.objects.get(pk=int(purchase.params["told_invoice"]))
        if refund_told(invoice=invoice, refund=refund) and refund.reason == LATE_PAYMENT_REASON:
            audit_record(
                by=by,
                action="payment.late_payment_refunded",
                obj=refund,
                account_id=refund.account_id,
                new={
                    "charge": refund.charge_id,
                    "invoice": invoice.number,
                    "amount": str(refund.amount),
                    "currency": refund.currency,
                },
            )


def refund_start(
    *,
    charge: Charge,
    amount: Decimal,
    key: str,
    reason: str,
    told_invoice: Invoice,
    by: Actor,
    credit_note: Invoice | None = None,
) -> Purchase:
    """Start the refund of ``amount`` of ``charge`` (or find the one started under ``key``).
    ``told_invoice``: the invoice whose billing contact and invoice contacts are told."""
    params: dict[str, object] = {
        "charge": charge.pk,
        "amount": str(amount),
        "reason": reason,
        "told_invoice": told_invoice.pk,
    }
    if credit_note is not None:
        params["credit_note"] = credit_note.pk
    with transaction.atomic():
        purchase, _new = purchase_start(
            kind=Purchase.Kind.REFUND,
            account=told_invoice.account,
            key=key,
            params=params,
            currency=charge.currency,
            payment_method=charge.payment_method,
            invoice=credit_note,
            by=by,
        )
    return purchase


def credit_note_refund(*, credit_note: Invoice, by: Actor) -> list[Refund]:
    """Start and run the refunds a credit note settled by refund promises (see the module
    docstring); calling it again starts nothing more. Call it outside any transaction. Returns
    the note's refunds made or under way."""
    if credit_note.settlement != Invoice.Settlement.REFUND or credit_note.corrects_id is None:
        return []
    corrected = Invoice.objects.select_related("account").get(pk=credit_note.corrects_id)
    started = Purchase.objects.filter(
        kind=Purchase.Kind.REFUND, invoice_id=credit_note.pk
    ).order_by("pk")
    if not started.exists():
        still = credit_note.settlement_amount
        charges = Charge.objects.filter(
            invoice_id=credit_note.corrects_id, status=Charge.Status.SUCCEEDED
        ).order_by("-pk")
        for charge in charges:
            if still <= 0:
                break
            amount = min(still, refundable_amount(charge))
            if amount <= 0:
                continue
            refund_start(
                charge=charge,
                amount=amount,
                key=f"credit-note:{credit_note.pk}:charge:{charge.pk}",
                reason=f"credit note {credit_note.number}",
                told_invoice=corrected,
                credit_note=credit_note,
                by=by,
            )
            still -= amount
    refunds = []
    for purchase in started:
        ran = purchase_run(purchase.pk, by=by)
        if ran.refund is not None:
            refunds.append(ran.refund)
    return refunds


def late_payments_settle(*, by: Actor) -> int:
    """Refund in full each payment kept by nothing (see the module docstring); how many such
    refunds succeeded in this run."""
    since = timezone.now() - LOOK_BACK
    # Voided before the payment was known (a purchase invoice credited with nothing paid), or
    # a purchase of the pipeline that failed while its charge succeeded.
    voided = Invoice.objects.filter(
        pk=OuterRef("invoice_id"), status=Invoice.Status.CREDITED, paid_amount=0
    )
    failed = Purchase.objects.filter(charge_id=OuterRef("pk"), status=Purchase.Status.FAILED)
    started = Purchase.objects.filter(
        account_id=OuterRef("account_id"),  # the (account, key) index
        key=Concat(Value("late-payment:"), Cast(OuterRef("pk"), CharField())),
        kind=Purchase.Kind.REFUND,
    )
    kept_by_nothing = (
        Charge.objects.filter(status=Charge.Status.SUCCEEDED, settled_at__gte=since)
        .filter(Q(Exists(voided)) | Q(Exists(failed)))
        .exclude(Exists(started))
        .order_by("pk")
    )
    done = 0
    for charge in kept_by_nothing:
        try:
            assert charge.invoice_id is not None  # selected by its invoice or its purchase
            purchase = refund_start(
                charge=charge,
                amount=refundable_amount(charge),
                key=f"late-payment:{charge.pk}",
                reason=LATE_PAYMENT_REASON,
                told_invoice=Invoice.objects.select_related("account").get(pk=charge.invoice_id),
                by=by,
            )
            done += purchase_run(purchase.pk, by=by).status == Purchase.Status.COMPLETED
        except Exception:
            logger.exception("late payment %s: refund failed, tried again", charge.pk)
    return done


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
