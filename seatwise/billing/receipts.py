"""Receipts (proof of one card payment) and the PDF attachments of billing e-mails.

A receipt is not a tax document and has no series of its own: its number is derived from the
charge, ``RCT-<year paid>-<charge id:06d>``, unique because the charge is, and the same however
often it is rendered. Everything on it comes from the charge and the issued invoice's
snapshot, never from the account as it is today.

Its PDF is rendered once, when the first e-mail that carries it is delivered, and archived
(``invoicing.models.ArchivedReceipt``, by ``invoicing.archive.stored_once`` like the invoices'
files): the billing contact, each invoice contact and every retry of a delivery get the same
bytes, and what was sent can be shown again as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from seatwise.accounts.invoice_contacts import invoice_contacts_of
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.money import format_money
from seatwise.invoicing.archive import stored_once
from seatwise.invoicing.documents import ReceiptDocument
from seatwise.invoicing.models import ArchivedReceipt, Invoice
from seatwise.invoicing.rendering import receipt_pdf
from seatwise.invoicing.selectors import credited_of, invoice_amount_due
from seatwise.invoicing.snapshot import party_from
from seatwise.notifications.attachments import Attachment
from seatwise.notifications.services import email_queue
from seatwise.payments.models import Charge

PDF = "application/pdf"


def receipt_number(charge: Charge) -> str:
    paid = charge.settled_at or charge.created_at
    return f"RCT-{paid.year}-{charge.pk:06d}"


def receipt_document(charge: Charge) -> ReceiptDocument:
    """The receipt of a succeeded charge made for an invoice."""
    if charge.status != Charge.Status.SUCCEEDED or charge.invoice_id is None:
        raise ValueError("a receipt is for a succeeded charge of an invoice")
    invoice = Invoice.objects.get(pk=charge.invoice_id)
    # What was still due right after this payment: the gross less the account credit applied
    # at issue, the charges of the invoice up to this one and its credit notes, so a receipt
    # rendered again later says the same.
    paid_so_far = Charge.objects.filter(
        invoice_id=invoice.pk, status=Charge.Status.SUCCEEDED, pk__lte=charge.pk
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    due_after = max(
        invoice.gross_total - invoice.prepaid_amount - paid_so_far - credited_of(invoice).gross,
        Decimal("0.00"),
    )
    paid_at = timezone.localtime(charge.settled_at or charge.created_at)
    return ReceiptDocument(
        number=receipt_number(charge),
        paid_at_date=paid_at.date(),
        currency=charge.currency,
        language=invoice.language,
        seller=party_from(invoice.seller),
        buyer=party_from(invoice.buyer),
        amount=charge.amount,
        method=charge.payment_method.masked,
        invoice_number=invoice.number,
        invoice_gross_total=invoice.gross_total,
        invoice_amount_due_after=due_after,
        corporate_user_id=invoice.corporate_user_id,
    )


def receipt_file(*, charge: Charge, by: Actor) -> ArchivedReceipt:
    """The archived PDF of ``charge``'s receipt: the stored one, or rendered now and stored
    once (audited as ``receipt.archive``). Call it outside any transaction: it renders before
    it writes."""

    def store(content: bytes) -> ArchivedReceipt:
        archived = ArchivedReceipt.objects.create(
            charge=charge,
            number=receipt_number(charge),
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        audit_record(
            by=by,
            action="receipt.archive",
            obj=archived,
            account_id=charge.account_id,
            new={"number": archived.number, "sha256": archived.sha256, "bytes": len(content)},
        )
        return archived

    return stored_once(
        stored=lambda: ArchivedReceipt.objects.filter(charge=charge).first(),
        render=lambda: receipt_pdf(receipt_document(charge)),
        store=store,
    )


def receipt_attachment(charge_id: int) -> Attachment:
    """The ``receipt_pdf`` attachment (``notifications.attachments``): the archived PDF, the
    same bytes in every e-mail that carries it."""
    charge = Charge.objects.select_related("payment_method").get(pk=charge_id)
    archived = receipt_file(charge=charge, by=Actor.system("notifications.delivery"))
    return Attachment(
        filename=f"{archived.number}.pdf", content=bytes(archived.content), mimetype=PDF
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    # Appended to the e-mail's dedupe key: "" for the billing contact, so the keys of the
    # e-mails queued before invoice contacts existed stay the same.
    key: str
    email: str
    person_id: int | None
    language: str
    greeting: dict[str, str]


def invoice_recipients(invoice: Invoice) -> list[Recipient]:
    """The billing contact, then the account's invoice contacts (they receive the invoice
    e-mails, and gain no rights by it)."""
    recipients: list[Recipient] = []
    contact = billing_contact_of(invoice.account)
    if contact is not None:  # every account has one (accounts invariant)
        recipients.append(
            Recipient(
                key="",
                email=contact.email,
                person_id=contact.pk,
                language=contact.language,
                greeting={"first_name": contact.first_name},
            )
        )
    return recipients + invoice_contact_recipients(invoice)


def invoice_contact_recipients(invoice: Invoice) -> list[Recipient]:
    """The account's invoice contacts, without the billing contact."""
    return [
        Recipient(
            key=f":ic:{extra.pk}",
            email=extra.email,
            person_id=None,
            language=extra.language,
            greeting={"first_name": extra.name},
        )
        for extra in invoice_contacts_of(invoice.account)
    ]


def receipt_emails_queue(
    *, invoice: Invoice, charge: Charge, recipients: Sequence[Recipient] | None = None
) -> None:
    """Queue the receipt e-mail of one payment (PDF attached) to the billing contact and the
    invoice contacts (or to ``recipients``), each in their language and at most once
    (``receipt:<charge id>``)."""
    for to in invoice_recipients(invoice) if recipients is None else recipients:
        email_queue(
            kind="receipt",
            to_address=to.email,
            to_person_id=to.person_id,
            account_id=invoice.account_id,
            language=to.language,
            context={
                "person": to.greeting,
                "number": receipt_number(charge),
                "amount": format_money(charge.amount, charge.currency, to.language),
                "method": charge.payment_method.masked,
                "invoice_number": invoice.number,
            },
            dedupe_key=f"receipt:{charge.pk}{to.key}",
            attachments=[{"kind": "receipt_pdf", "id": charge.pk}],
        )


def payment_emails_queue(
    *, invoice: Invoice, charge: Charge | None, recipients: Sequence[Recipient] | None = None
) -> None:
    """Queue the invoice and the receipt e-mails of a paid invoice to the billing contact and
    the invoice contacts (or to ``recipients``, some of ``invoice_recipients``), in the
    caller's transaction, each with its PDF attached and at most once (dedupe keys per invoice
    and per charge, and per invoice contact, so a retried order or renewal sends nothing more).

    An invoice left open for its payment means (a renewal of an account that pays by bank
    transfer, check or SEPA direct debit) is not "paid": the e-mail asks for the payment by the
    due date, or names the account debited on that date (``billing.direct_debits``)."""
    paid = charge is not None or invoice_amount_due(invoice) == 0
    debited_account = (
        str(invoice.payment_means.get("debited_account", ""))
        if not paid and invoice.payment_means.get("type") == "direct_debit"
        else ""
    )
    recipients = invoice_recipients(invoice) if recipients is None else recipients
    for to in recipients:
        email_queue(
            kind="invoice",
            to_address=to.email,
            to_person_id=to.person_id,
            account_id=invoice.account_id,
            language=to.language,
            context={
                "person": to.greeting,
                "number": invoice.number,
                "total": format_money(invoice.gross_total, invoice.currency, to.language),
                "paid": paid,
                "debited_account": debited_account,
                "due_date": invoice.due_date,
            },
            dedupe_key=f"invoice:{invoice.pk}{to.key}",
            attachments=[{"kind": "invoice_pdf", "id": invoice.pk}],
        )
    if charge is not None:  # None: paid by the account's credit, no payment to receipt
        receipt_emails_queue(invoice=invoice, charge=charge, recipients=recipients)
