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

DocumentKind = Literal["invoice", "credit_note"]
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


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal  # net, per unit, in the document's currency
    net_amount: Decimal  # rounded once (seatwise.core.money.quantize)
    period_start: date | None = None
    period_end: date | None = None  # the last day of the period, inclusive


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
    paid_amount: Decimal = Decimal("0.00")
    seller_iban: str = ""
    corporate_user_id: str = ""  # the Corporate Billing Portal User ID, printed on invoices
    purchase_order: str = ""
    preceding_number: str = ""  # for a credit note: the invoice it corrects
    preceding_issue_date: date | None = None

    @property
    def amount_due(self) -> Decimal:
        return self.gross_total - self.paid_amount


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
