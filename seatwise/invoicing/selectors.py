"""Reads of the invoicing domain: amounts still due or creditable, and the document to render."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from seatwise.invoicing.documents import DocumentLine, InvoiceDocument, TaxCategory
from seatwise.invoicing.models import Invoice, InvoiceLine
from seatwise.invoicing.snapshot import party_from

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Credited:
    """What the credit notes of one invoice credit in total."""

    net: Decimal
    tax: Decimal
    gross: Decimal


def credited_of(invoice: Invoice) -> Credited:
    sums = Invoice.objects.filter(corrects=invoice, kind=Invoice.Kind.CREDIT_NOTE).aggregate(
        net=Sum("net_total"), tax=Sum("tax_total"), gross=Sum("gross_total")
    )
    return Credited(net=sums["net"] or ZERO, tax=sums["tax"] or ZERO, gross=sums["gross"] or ZERO)


def amount_due_given(invoice: Invoice, *, credited_gross: Decimal) -> Decimal:
    """The amount-due rule: gross, less what was paid and what credit notes took off; never
    below zero (a credit note on a paid invoice is money owed back, which is the payments
    domain's refund); a credit note owes nothing. For callers that already summed the credit
    notes (a list page, in one query)."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return ZERO
    return max(invoice.gross_total - invoice.paid_amount - credited_gross, ZERO)


def invoice_amount_due(invoice: Invoice) -> Decimal:
    return amount_due_given(invoice, credited_gross=credited_of(invoice).gross)


def _line(line: InvoiceLine) -> DocumentLine:
    return DocumentLine(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        net_amount=line.net_amount,
        period_start=line.period_start,
        period_end=line.period_end,
    )


def _tax_category(code: str) -> TaxCategory:
    if code == "S":
        return "S"
    if code == "AE":
        return "AE"
    if code == "O":
        return "O"
    raise ValueError(f"unknown VAT category code {code!r}")


def document_for(invoice: Invoice) -> InvoiceDocument:
    """The issued document as the renderers see it, from the snapshot taken at issue only.

    Nothing here reads the account, the catalog or the settings: what was issued is what is
    rendered, however often and whenever it is rendered again.
    """
    lines = tuple(_line(line) for line in invoice.lines.order_by("position"))
    starts = [line.period_start for line in lines if line.period_start]
    corrected = invoice.corrects
    return InvoiceDocument(
        kind="credit_note" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "invoice",
        number=invoice.number,
        issue_date=invoice.issue_date,
        currency=invoice.currency,
        language=invoice.language,
        seller=party_from(invoice.seller),
        buyer=party_from(invoice.buyer),
        lines=lines,
        net_total=invoice.net_total,
        tax_category=_tax_category(invoice.tax_category),
        tax_rate=invoice.tax_rate,
        tax_total=invoice.tax_total,
        gross_total=invoice.gross_total,
        tax_note=invoice.tax_note,
        due_date=invoice.due_date,
        delivery_date=min(starts) if starts else invoice.issue_date,
        paid_amount=invoice.paid_amount,
        seller_iban=str(invoice.seller.get("iban", "")),
        corporate_user_id=invoice.corporate_user_id,
        purchase_order=invoice.purchase_order,
        preceding_number=corrected.number if corrected else "",
        preceding_issue_date=corrected.issue_date if corrected else None,
    )
