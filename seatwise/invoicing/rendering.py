"""PDFs of issued documents: invoices and credit notes (Factur-X PDF/A-3), receipts.

Pure functions of the plain documents of ``seatwise.invoicing.documents``: the same document
always renders the same text. Every label is translated into the document's language, every
amount is formatted by ``seatwise.core.money.format_money`` and every date by babel in that
language, so a German buyer reads ``1.234,50 €`` and ``2. März 2026``.

An invoice's PDF is PDF/A-3b (WeasyPrint) with its EN 16931 CII XML embedded as
``factur-x.xml`` by factur-x, which makes it a Factur-X/ZUGFeRD invoice that accounting
software reads without retyping. A receipt is PDF/A-3b without XML: it is no invoice.

A document says what was known at issue, never later payments: its amount due is the gross
less the account credit applied at issue. The words it shares with the e-invoice (titles,
how a credit note is settled, the seller's register) come from ``invoicing.wording``. Unit
prices are printed with every decimal stored (``documents.unit_price_shown``), so that
quantity × unit price is the line amount to the cent.

Rendering twice does not give the same bytes (PDF metadata carries the time of rendering):
what a buyer downloads or receives is the file rendered once and archived
(``invoicing.archive``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from django.utils import translation

from seatwise.core.languages import babel_locale
from seatwise.core.money import format_money
from seatwise.core.pdf import pdf_from_template
from seatwise.invoicing.documents import (
    InvoiceDocument,
    Party,
    ReceiptDocument,
    unit_price_shown,
)
from seatwise.invoicing.einvoice import invoice_cii_xml
from seatwise.invoicing.wording import (
    document_title,
    number_label,
    payment_means_label,
    prepayment_label,
    register_parts,
    settlement_sentences,
    title_with_number,
    vat_in_accounting_currency_text,
)


def _date(value: date | None, language: str, style: str = "long") -> str:
    return format_date(value, format=style, locale=babel_locale(language)) if value else ""


def _party(party: Party, language: str) -> dict[str, Any]:
    country = Locale.parse(babel_locale(language)).territories.get(party.country, party.country)
    return {
        "name": party.name,
        "address_lines": party.address_lines,
        "city_line": f"{party.postal_code} {party.city}".strip(),
        "country": country,
        "vat_id": party.vat_id,
        "email": party.email,
        "register": register_parts(party),
    }


def _unit_price(amount: Decimal, currency: str, language: str) -> str:
    """A unit price with every decimal stored: ``274,19348 €``, ``14,00 €``."""
    return str(
        format_currency(
            unit_price_shown(amount, currency),
            currency,
            locale=babel_locale(language),
            decimal_quantization=False,
        )
    )


def _invoice_context(doc: InvoiceDocument) -> dict[str, Any]:
    """The template's context; call inside ``translation.override(doc.language)``."""
    language = doc.language

    def money(amount: Decimal) -> str:
        return format_money(amount, doc.currency, language)

    lines = [
        {
            "description": line.description,
            "period": (
                f"{_date(line.period_start, language, 'medium')} – "
                f"{_date(line.period_end, language, 'medium')}"
                if line.period_start and line.period_end
                else ""
            ),
            "quantity": format_decimal(line.quantity, locale=babel_locale(language)),
            "unit_price": _unit_price(line.unit_price, doc.currency, language),
            "term_unit_price": (
                money(line.term_unit_price) if line.term_unit_price is not None else ""
            ),
            "net_amount": money(line.net_amount),
        }
        for line in doc.lines
    ]
    return {
        "doc": doc,
        "is_credit_note": doc.kind == "credit_note",
        "title": document_title(doc),
        "number_label": number_label(doc),
        "issue_date": _date(doc.issue_date, language),
        "due_date": _date(doc.due_date, language),
        "preceding_issue_date": _date(doc.preceding_issue_date, language),
        "seller": _party(doc.seller, language),
        "buyer": _party(doc.buyer, language),
        "lines": lines,
        "tax_rate": format_percent(
            doc.tax_rate / 100, locale=babel_locale(language), decimal_quantization=False
        ),
        "net_total": money(doc.net_total),
        "tax_total": money(doc.tax_total),
        "gross_total": money(doc.gross_total),
        "prepayments": [
            {"label": prepayment_label(item), "amount": money(-item.amount)}
            for item in doc.prepayments
        ],
        "amount_due": money(doc.amount_due),
        "owes": doc.kind == "invoice" and doc.amount_due > 0,
        "covered_by_credit": doc.kind == "invoice"
        and doc.prepaid_amount > 0
        and doc.amount_due == 0,
        "settlement": settlement_sentences(doc),
        "vat_in_accounting_currency": vat_in_accounting_currency_text(doc),
        "iban": _iban_groups(doc.seller_iban),
        "means": doc.payment_means,
        "means_label": payment_means_label(doc.payment_means) if doc.payment_means else "",
        "means_iban": _iban_groups(doc.payment_means.iban) if doc.payment_means else "",
    }


def _iban_groups(iban: str) -> str:
    """The IBAN in groups of four, as printed for people: ``DE02 1203 0000 …``."""
    compact = iban.replace(" ", "")
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))


def invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice or credit note as a Factur-X PDF/A-3b with its CII XML embedded."""
    with translation.override(doc.language):
        context = _invoice_context(doc)
        title = title_with_number(doc)
    pdf = pdf_from_template("invoicing/invoice.html", context, doc.language)
    import facturx  # with the first document, as WeasyPrint (seatwise.core.pdf)

    factur_x: bytes = facturx.generate_from_binary(
        pdf,
        invoice_cii_xml(doc),
        flavor="factur-x",
        level="en16931",
        # invoice_cii_xml checked it against the XSD already.
        check_xsd=False,
        pdf_metadata={
            "author": doc.seller.name,
            "keywords": "Factur-X",
            "title": title,
            "subject": f"{title}, {doc.seller.name}",
        },
        lang=doc.language,
    )
    return factur_x


def receipt_pdf(receipt: ReceiptDocument) -> bytes:
    """Proof of one payment as a PDF/A-3b; the card appears only as ``receipt.method``."""
    language = receipt.language

    def money(amount: Decimal) -> str:
        return format_money(amount, receipt.currency, language)

    context = {
        "receipt": receipt,
        "paid_at": _date(receipt.paid_at_date, language),
        "amount": money(receipt.amount),
        "invoice_gross_total": money(receipt.invoice_gross_total),
        "amount_due_after": money(receipt.invoice_amount_due_after),
        "seller": _party(receipt.seller, language),
        "buyer": _party(receipt.buyer, language),
    }
    return pdf_from_template("invoicing/receipt.html", context, language)
