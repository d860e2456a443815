"""What an issued invoice, credit note or receipt says, as plain immutable values.

The invoicing domain builds an ``InvoiceDocument`` from an issued invoice's snapshot; the
renderers (PDF, Factur-X/ZUGFeRD CII, UBL) take only this, never a model, so that what is
rendered is exactly what was issued, whenever it is rendered again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from seatwise.core.money import minor_unit

DocumentKind = Literal["invoice", "credit_note"]
# How a credit note is settled (``Invoice.Settlement``); "" on invoices and on the credit
# notes issued before there was a settlement.
Settlement = Literal["refund", "set_off", "none", ""]
# EN 16931 VAT category codes: S standard rate, AE reverse charge, O outside the scope of VAT.
TaxCategory = Literal["S", "AE", "O"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    vat_id: str = ""
    email: str = ""
    # The seller's register entry and managing directors (EN 16931 BT-30, BT-33).
    register_court: str = ""
    register_number: str = ""
    managing_directors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentLine:
    description: str
    quantity: Decimal
    # Net, per unit, in the document's currency: quantity × unit_price rounds to net_amount.
    unit_price: Decimal
    net_amount: Decimal  # rounded once (seatwise.core.money.quantize)
    period_start: date | None = None
    period_end: date | None = None  # the last day of the period, inclusive
    term_unit_price: Decimal | None = None  # a prorated line: the catalog price for a term


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepayment:
    """Account credit applied at issue, from one credit note settled by set-off."""

    credit_note: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class VatInAccountingCurrency:
    """EN 16931 BT-6 and BT-111, and the ECB rate they come from (``tax.exchange``)."""

    currency: str
    tax_total: Decimal
    exchange_rate: Decimal  # document currency units per unit of ``currency``
    rate_date: date


PaymentType = Literal["card", "bank_transfer", "check", "direct_debit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentMeans:
    """How an invoice is to be paid, decided at issue from the account's Payment Profile
    (``invoicing.payment_means``): EN 16931 BG-16. ``code`` is BT-81 (UNTDID 4461). Card and
    debited account are masked: never more than the last four characters."""

    type: PaymentType
    code: str
    # card (BT-87 last four digits, BT-87-1 network, BT-88 holder)
    card_brand: str = ""
    card_last4: str = ""
    card_holder: str = ""
    # bank transfer: the seller's account (BT-84 IBAN, BT-85 name, BT-86 BIC; the bank's name
    # is printed, EN 16931 has no term for it)
    iban: str = ""
    account_name: str = ""
    bic: str = ""
    bank_name: str = ""
    # check: where to send it
    remittance_address: tuple[str, ...] = ()
    # SEPA direct debit: BT-89 mandate, BT-90 creditor identifier, BT-91 debited account
    mandate_reference: str = ""
    creditor_id: str = ""
    debited_account: str = ""

    @property
    def card(self) -> str:
        """The card as printed: ``Visa •••• 4242``."""
        return f"{self.card_brand} •••• {self.card_last4}" if self.card_last4 else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDocument:
    kind: DocumentKind
    number: str
    issue_date: date
    currency: str
    language: str  # en, de, it or es: the buyer account's language
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    net_total: Decimal
    tax_category: TaxCategory
    tax_rate: Decimal  # percent, e.g. Decimal("19.00"); 0 for AE and O
    tax_total: Decimal
    gross_total: Decimal
    tax_note: str = ""  # the legal note (reverse charge, outside scope), already translated
    due_date: date | None = None
    delivery_date: date | None = None  # EN 16931 BT-72; the service period's start
    # As issued, never later payments: the account credit applied at issue (BT-113).
    prepaid_amount: Decimal = Decimal("0.00")
    prepayments: tuple[Prepayment, ...] = ()
    seller_iban: str = ""
    corporate_user_id: str = ""  # the Corporate Billing Portal User ID, printed on invoices
    purchase_order: str = ""
    preceding_number: str = ""  # for a credit note: the invoice it corrects
    preceding_issue_date: date | None = None
    # A credit note: how it is settled, the amount refunded or set off, and whether it
    # cancels the corrected invoice in full (its gross is the invoice's).
    settlement: Settlement = ""
    settlement_amount: Decimal = Decimal("0.00")
    cancels_in_full: bool = False
    vat_in_accounting_currency: VatInAccountingCurrency | None = None
    # Decided at issue (content version 3); None on earlier documents and on credit notes,
    # which name the seller's IBAN only (``seller_iban``).
    payment_means: PaymentMeans | None = None

    @property
    def amount_due(self) -> Decimal:
        """EN 16931 BT-115 as issued: the gross less the credit applied at issue."""
        return self.gross_total - self.prepaid_amount


def unit_price_shown(price: Decimal, currency: str) -> Decimal:
    """A unit price (BT-146) as the PDF and the e-invoices print it: every decimal stored
    (up to eight, ``invoicing.snapshot.unit_price_of``), trailing zeros stripped down to the
    currency's minor unit, so that quantity × the price shown rounds to the line amount:
    ``14.00``, ``274.19348``."""
    places = minor_unit(currency)
    stripped = price.normalize()
    if stripped.as_tuple().exponent > places.as_tuple().exponent:  # type: ignore[operator]
        return price.quantize(places)
    return stripped


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptDocument:
    """Proof of one payment: what was paid, when, how (masked card), for which invoice."""

    number: str
    paid_at_date: date
    currency: str
    language: str
    seller: Party
    buyer: Party
    amount: Decimal
    method: str  # e.g. "Visa •••• 4242": never more of the card
    invoice_number: str
    invoice_gross_total: Decimal
    invoice_amount_due_after: Decimal
    corporate_user_id: str = ""
