"""Reads of the invoicing domain: amounts still due or creditable, and the document to render."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from seatwise.core.paging import keyset_page
from seatwise.core.prepared import prepared
from seatwise.invoicing.documents import (
    DocumentLine,
    InvoiceDocument,
    Prepayment,
    Settlement,
    TaxCategory,
    VatInAccountingCurrency,
)
from seatwise.invoicing.models import AccountCredit, Invoice, InvoiceLine
from seatwise.invoicing.payment_means import payment_means_from
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
    """The amount-due rule: gross, less the account credit applied at issue, what was paid
    and what credit notes took off; never below zero (a credit note on a paid invoice is
    money owed back: its settlement says how it goes back); a credit note owes nothing. For
    callers that already summed the credit notes (a list page, in one query)."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return ZERO
    return max(
        invoice.gross_total - invoice.prepaid_amount - invoice.paid_amount - credited_gross,
        ZERO,
    )


def invoice_amount_due(invoice: Invoice) -> Decimal:
    """What is still to pay on ``invoice`` now (payments and credit notes so far counted)."""
    return amount_due_given(invoice, credited_gross=credited_of(invoice).gross)


def invoice_amount_payable(invoice: Invoice) -> Decimal:
    """What the buyer was asked to pay at issue: the gross less the account credit applied
    then (EN 16931 BT-115 as issued, printed on the document). The amount a purchase charges
    right after issuing its invoice: never ``gross_total``, which ignores the credit; zero for
    an invoice that credit covered in full (it is issued ``paid``: charge nothing)."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return ZERO
    return invoice.gross_total - invoice.prepaid_amount


def invoices_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Invoice], int | None]:
    """Keyset page of an account's invoices and credit notes, by id."""
    return keyset_page(Invoice.objects.filter(account_id=account_id), after=after, limit=limit)


def invoice_of_account(*, account_id: int, invoice_id: int) -> Invoice | None:
    """One invoice or credit note of the account; another account's id is "not found"."""
    return (
        Invoice.objects.select_related("corrects")
        .filter(pk=invoice_id, account_id=account_id)
        .first()
    )


@prepared
def _open_credits(account_id: int, currency: str) -> QuerySet[AccountCredit]:
    return AccountCredit.objects.filter(
        account_id=account_id, currency=currency, remaining__gt=0
    ).order_by("pk")


def account_credit_open(*, account_id: int, currency: str) -> Decimal:
    """The account's credit in ``currency`` that its next invoices will use up."""
    return sum((credit.remaining for credit in _open_credits(account_id, currency)), ZERO)


def _line(line: InvoiceLine) -> DocumentLine:
    return DocumentLine(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        net_amount=line.net_amount,
        period_start=line.period_start,
        period_end=line.period_end,
        term_unit_price=line.term_unit_price,
    )


def _settlement(code: str) -> Settlement:
    if code == "refund":
        return "refund"
    if code == "set_off":
        return "set_off"
    if code == "none":
        return "none"
    return ""


def _vat_in_accounting_currency(invoice: Invoice) -> VatInAccountingCurrency | None:
    if not invoice.vat_currency:
        return None
    assert invoice.vat_currency_tax_total is not None
    assert invoice.vat_exchange_rate is not None
    assert invoice.vat_exchange_rate_date is not None
    return VatInAccountingCurrency(
        currency=invoice.vat_currency,
        tax_total=invoice.vat_currency_tax_total,
        exchange_rate=invoice.vat_exchange_rate,
        rate_date=invoice.vat_exchange_rate_date,
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

    Nothing here reads the account, the catalog, the settings or the payments: what was
    issued is what is rendered, however often and whenever it is rendered again. So a
    document says what it said at issue (its amount due is the gross less the account credit
    applied then); payments made later are shown by the portals, never in the document.
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
        prepaid_amount=invoice.prepaid_amount,
        prepayments=tuple(
            Prepayment(credit_note=str(item["credit_note"]), amount=Decimal(item["amount"]))
            for item in invoice.prepayments
        ),
        seller_iban=str(invoice.seller.get("iban", "")),
        corporate_user_id=invoice.corporate_user_id,
        purchase_order=invoice.purchase_order,
        preceding_number=corrected.number if corrected else "",
        preceding_issue_date=corrected.issue_date if corrected else None,
        settlement=_settlement(invoice.settlement),
        settlement_amount=invoice.settlement_amount,
        cancels_in_full=corrected is not None and invoice.gross_total == corrected.gross_total,
        vat_in_accounting_currency=_vat_in_accounting_currency(invoice),
        payment_means=payment_means_from(invoice.payment_means),
    )
