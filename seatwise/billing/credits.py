"""Crediting an invoice, as customer service does it: a credit note whose settlement says what
really happens, and the refund it promises made at once.

The agent chooses how money that goes back is given back: ``refund`` (to the card payments of
the invoice, through the gateway: ``billing.refunds``) or ``set_off`` (an account credit that
the account's next invoices use up). When nothing goes back (the credit only reduces what is
still due) the note says so (``none``), whatever was chosen. The note is idempotent under
the form's key: the same form sent twice issues one note and one refund.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db.models import Q, Sum

from seatwise.audit.actors import Actor
from seatwise.billing.refunds import credit_note_refund
from seatwise.core.errors import Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue
from seatwise.payments.models import Charge, Refund

GiveBack = Literal["refund", "set_off"]


def invoice_refundable(invoice: Invoice) -> Decimal:
    """What the card payments of ``invoice`` can still give back: the charges that succeeded
    for it, less their refunds that succeeded or may still."""
    charged = Charge.objects.filter(
        invoice_id=invoice.pk, status=Charge.Status.SUCCEEDED
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    refunded = Refund.objects.filter(
        Q(charge__invoice_id=invoice.pk),
        ~Q(status__in=[Refund.Status.FAILED, Refund.Status.NOT_ATTEMPTED]),
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return charged - refunded


def invoice_credit(
    *,
    invoice: Invoice,
    reason: str,
    give_back: GiveBack,
    by: Actor,
    amount_net: Decimal | None = None,
    idempotency_key: str,
) -> Invoice:
    """Issue a credit note on ``invoice`` of ``amount_net`` (all that remains creditable when
    None), settled as ``give_back`` says when money goes back, and make its refund. Refusals
    are those of ``invoicing.services.credit_note_issue``; nothing is written by one."""
    existing = Invoice.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        net = amount_net if amount_net is not None else _creditable_net(invoice)
        refundable = invoice_refundable(invoice) if give_back == "refund" else None

        def issue(settlement: str) -> Invoice:
            return credit_note_issue(
                invoice=invoice,
                reason=reason,
                settlement=settlement,
                by=by,
                amount_net=net,
                idempotency_key=idempotency_key,
                refundable=refundable,
            )

        try:
            existing = issue(give_back)
        except Refused as refusal:
            if refusal.code != "nothing_to_settle":
                raise
            existing = issue(Invoice.Settlement.NONE)
    if existing.settlement == Invoice.Settlement.REFUND:
        credit_note_refund(credit_note=existing, by=by)
    return existing


def _creditable_net(invoice: Invoice) -> Decimal:
    credited = Invoice.objects.filter(corrects=invoice).aggregate(total=Sum("net_total"))["total"]
    return invoice.net_total - (credited or Decimal("0.00"))
