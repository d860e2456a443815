"""What an issued document says in words: the same sentences on its PDF and in its e-invoices.

Each function reads only the ``InvoiceDocument`` and translates into the active language: call
it inside ``translation.override(doc.language)``. Amounts are formatted by
``core.money.format_money`` in that language.

- **Titles.** A credit note is titled by what it does in the buyer's language. In German it is
  a *Rechnungskorrektur*, or a *Stornorechnung* when it cancels the invoice in full, and never
  a *Gutschrift*: under § 14 (2) UStG that word names an invoice the buyer issues for the
  seller (self-billing), and a document titled so is one.
- **Settlement.** A credit note says what happens to its amount, exactly as it is settled
  (``Invoice.Settlement``): refunded to the original payment method, set off against the next
  invoice, or nothing to settle. It never offers a choice and never promises money back that
  is not going back (a void of an unpaid invoice promises nothing). The part of a credit that
  only reduces what was still due on the invoice is said as such.
- **Seller's register.** The register court, register number and managing directors, as a
  German company's business letters must name them (§ 35a GmbHG, § 37a HGB), when set.
- **Payment means.** An invoice names how it is paid, as decided at issue
  (``invoicing.payment_means``): the card, the seller's bank account, the remittance address
  or the direct debit's mandate.
"""

from __future__ import annotations

from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from django.utils.translation import gettext, pgettext

from seatwise.core.languages import babel_locale
from seatwise.core.money import format_money
from seatwise.invoicing.documents import InvoiceDocument, Party, PaymentMeans, Prepayment


def document_title(doc: InvoiceDocument) -> str:
    if doc.kind == "invoice":
        return gettext("Invoice")
    if doc.cancels_in_full:
        return pgettext("cancels the invoice in full", "Credit note")
    return gettext("Credit note")


def number_label(doc: InvoiceDocument) -> str:
    if doc.kind == "invoice":
        return gettext("Invoice number")
    if doc.cancels_in_full:
        return pgettext("cancels the invoice in full", "Credit note number")
    return gettext("Credit note number")


def title_with_number(doc: InvoiceDocument) -> str:
    """The PDF's metadata title: "Invoice INV-2026-000042", "Stornorechnung CN-2026-000007"."""
    if doc.kind == "invoice":
        text = gettext("Invoice %(number)s")
    elif doc.cancels_in_full:
        text = pgettext("cancels the invoice in full", "Credit note %(number)s")
    else:
        text = gettext("Credit note %(number)s")
    return text % {"number": doc.number}


def _money(doc: InvoiceDocument, amount: Decimal) -> str:
    return format_money(amount, doc.currency, doc.language)


def settlement_sentences(doc: InvoiceDocument) -> list[str]:
    """What a credit note corrects and what happens to its amount, one sentence each."""
    if doc.kind != "credit_note":
        return []
    number = doc.preceding_number
    sentences = [
        (
            gettext("This credit note cancels invoice %(number)s in full.")
            if doc.cancels_in_full
            else gettext("This credit note corrects invoice %(number)s.")
        )
        % {"number": number}
    ]
    settled = doc.settlement_amount
    rest = doc.gross_total - settled
    if doc.settlement == "refund":
        sentences.append(
            gettext("The amount of %(amount)s will be refunded to the original payment method.")
            % {"amount": _money(doc, settled)}
        )
    elif doc.settlement == "set_off":
        sentences.append(
            gettext("%(amount)s is set off against your next invoice.")
            % {"amount": _money(doc, settled)}
        )
    elif doc.settlement == "none":
        sentences.append(
            (
                gettext("Nothing to pay or refund: invoice %(number)s was not paid.")
                if doc.cancels_in_full
                else gettext(
                    "Nothing to pay or refund: this credit note reduces the amount still due "
                    "on invoice %(number)s."
                )
            )
            % {"number": number}
        )
    if doc.settlement in ("refund", "set_off") and rest > 0:
        sentences.append(
            gettext("The other %(amount)s reduces the amount still due on invoice %(number)s.")
            % {"amount": _money(doc, rest), "number": number}
        )
    return sentences


def prepayment_label(prepayment: Prepayment) -> str:
    """A line of the totals: the account credit of one credit note applied at issue."""
    return gettext("Credit applied (%(number)s)") % {"number": prepayment.credit_note}


def prepayments_note(doc: InvoiceDocument) -> str:
    """The account credit applied at issue, in one sentence (an e-invoice note, BG-1)."""
    if not doc.prepayments:
        return ""
    return gettext("Credit applied from credit notes: %(credits)s. Amount due: %(due)s.") % {
        "credits": ", ".join(
            f"{item.credit_note} ({_money(doc, item.amount)})" for item in doc.prepayments
        ),
        "due": _money(doc, doc.amount_due),
    }


def vat_in_accounting_currency_text(doc: InvoiceDocument) -> str:
    """ "VAT in EUR at the ECB rate of 2 March 2026 (1 EUR = 1.0845 USD): 21.07 EUR"."""
    vat = doc.vat_in_accounting_currency
    if vat is None:
        return ""
    locale = babel_locale(doc.language)
    return gettext(
        "VAT in %(currency)s at the ECB rate of %(date)s (1 %(currency)s = %(rate)s "
        "%(document_currency)s): %(amount)s"
    ) % {
        "currency": vat.currency,
        "date": format_date(vat.rate_date, format="long", locale=locale),
        "rate": format_decimal(
            vat.exchange_rate.normalize(), locale=locale, decimal_quantization=False
        ),
        "document_currency": doc.currency,
        "amount": format_money(vat.tax_total, vat.currency, doc.language),
    }


def register_parts(party: Party) -> list[str]:
    """The seller's register court, register number and managing directors, each labelled."""
    parts = []
    if party.register_court:
        parts.append(gettext("Register court: %(court)s") % {"court": party.register_court})
    if party.register_number:
        parts.append(gettext("Register number: %(number)s") % {"number": party.register_number})
    if party.managing_directors:
        parts.append(
            gettext("Managing directors: %(names)s")
            % {"names": ", ".join(party.managing_directors)}
        )
    return parts


def register_text(party: Party) -> str:
    """EN 16931 BT-33 (seller additional legal information): the parts above, in one line."""
    return " · ".join(register_parts(party))


def payment_means_label(means: PaymentMeans) -> str:
    """The payment type as the document names it: "Bank transfer", "SEPA direct debit"."""
    return {
        "card": gettext("Credit/Debit Card"),
        "bank_transfer": gettext("Bank transfer"),
        "check": gettext("Check"),
        "direct_debit": gettext("SEPA direct debit"),
    }[means.type]
