"""The quote as a PDF, in the account's language.

Rendered with WeasyPrint from ``templates/ordering/quote_pdf.html`` (which shares the invoice's
layout, ``invoicing/document_base.html``), as PDF/A-3b like the other documents. Amounts are
formatted by ``core.money.format_money`` and dates by babel in the document's language. A
quote is not an invoice: it carries no e-invoice XML.

``quote_pdf(quote: Quote) -> bytes``; ``quote_pdf_filename(quote: Quote) -> str``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent
from django.utils import timezone, translation

from seatwise.accounts.models import Account
from seatwise.core.languages import babel_locale
from seatwise.core.money import format_money
from seatwise.core.pdf import pdf_from_template
from seatwise.invoicing.seller import seller
from seatwise.ordering.models import Quote
from seatwise.ordering.services import quote_tax_decision


def _date(value: date, language: str, style: str = "long") -> str:
    return str(format_date(value, format=style, locale=babel_locale(language)))


def _country(code: str, language: str) -> str:
    return str(Locale.parse(babel_locale(language)).territories.get(code, code))


def quote_pdf_filename(quote: Quote) -> str:
    return f"{quote.number}.pdf"


def quote_pdf(quote: Quote) -> bytes:
    """The quote's PDF in its account's language."""
    account = Account.objects.get(pk=quote.account_id)
    language = account.language
    vendor = seller()

    def money(amount: Any) -> str:
        return format_money(amount, quote.currency, language)

    lines = [
        {
            "product": line.product_name,
            "period": (
                f"{_date(line.period_start, language, 'medium')} – "
                f"{_date(line.period_end - timedelta(days=1), language, 'medium')}"
            ),
            "days": line.days,
            "term_days": line.term_days,
            "quantity": line.quantity,
            "unit_amount": money(line.unit_amount),
            "amount": money(line.amount),
        }
        for line in quote.lines.order_by("position")
    ]
    with translation.override(language):
        note = str(quote_tax_decision(quote).legal_note)
        context = {
            "quote": quote,
            "seller": {
                "name": vendor.name,
                "address_lines": vendor.address_lines,
                "city_line": "",
                "country": _country(vendor.country, language),
                "vat_id": vendor.vat_id,
                "email": vendor.email,
            },
            "buyer": {
                "name": account.name,
                "address_lines": [x for x in (account.address_line1, account.address_line2) if x],
                "city_line": f"{account.postal_code} {account.city}".strip(),
                "country": _country(account.country, language),
                "vat_id": quote.buyer_vat_id,
            },
            "sent": _date(timezone.localtime(quote.sent_at).date(), language),
            "expires": _date(timezone.localtime(quote.expires_at).date(), language),
            "lines": lines,
            "net_total": money(quote.net_total),
            "tax_rate": format_percent(
                quote.tax_rate / 100, locale=babel_locale(language), decimal_quantization=False
            ),
            "tax_total": money(quote.tax_total),
            "gross_total": money(quote.gross_total),
            "tax_note": note,
        }
        return pdf_from_template("ordering/quote_pdf.html", context, language)
