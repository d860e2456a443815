"""Which VAT applies to a sale of Seatwise's service: the tax decision.

Seatwise sells electronically supplied services (software by the seat) from a seller
established in an EU member state (``settings.SEATWISE_SELLER["country"]``). Council Directive
2006/112/EC decides, in this order:

1. **Buyer outside the EU** → ``outside_scope``, 0 %: the place of supply is where the
   customer is (Art. 44 for businesses, Art. 58 for consumers), outside the EU's VAT area.
2. **Buyer in another member state with a valid VAT ID** (B2B, format and checksum checked by
   ``seatwise.core.vat.normalize_vat_id``) → ``reverse_charge``, 0 %: the place of supply is
   the customer's member state (Art. 44) and the customer owes the VAT (Art. 196); the
   invoice carries the legal note.
3. **Otherwise** → ``standard`` at the buyer country's standard rate on the day of supply:
   - a consumer, or a business whose VAT ID is missing or invalid (treated as a consumer),
     in any member state: Art. 58 puts the place of supply of electronically supplied
     services at the customer's, declared through the One-Stop Shop (OSS). Seatwise always
     applies it, as a seller above the EUR 10,000 threshold of Art. 59c must;
   - a business in the seller's own member state (domestic B2B): the seller's rate, which is
     the buyer country's rate because the two countries are the same.

   So rule 3 is always "the buyer country's rate": ``rate_country`` is the buyer's country.

A missing rate for an EU country on that day is a configuration error and raises
``VatRateMissing``: Seatwise never guesses a rate.

**The VAT territory is not the list of member states.** Monaco is no member state but is part
of the French VAT territory (Art. 7 of the Directive; the Franco-Monegasque tax convention of
18 May 1963): a buyer in Monaco is treated as a buyer in France, its VAT ID is a French one
(``FR`` + checksum + SIREN), and the French rate applies. ``vat_territory_country`` says which
member state's rules apply to a buyer country; the document still shows the buyer's own
country in its address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.core.countries import EU_MEMBER_STATES
from seatwise.core.errors import Refused
from seatwise.core.vat import normalize_vat_id
from seatwise.tax.selectors import vat_rate_on

TaxCategory = Literal["standard", "reverse_charge", "outside_scope"]

# EN 16931 VAT category codes (BT-151, UNTDID 5305) of each category, for e-invoices.
EN16931_CATEGORY_CODE: dict[TaxCategory, str] = {
    "standard": "S",
    "reverse_charge": "AE",
    "outside_scope": "O",
}

# Countries that are no member state but belong to a member state's VAT territory (Art. 7).
_VAT_TERRITORY_OF = {"MC": "FR"}


def vat_territory_country(country: str) -> str:
    """The member state whose VAT territory ``country`` belongs to (itself, most often)."""
    return _VAT_TERRITORY_OF.get(country, country)


REVERSE_CHARGE_NOTE = _(
    "Reverse charge: VAT is due by the recipient (Article 196, Council Directive 2006/112/EC)."
)
OUTSIDE_SCOPE_NOTE = _("Not subject to EU VAT: service supplied outside the EU.")


class VatRateMissing(Refused):
    """No VAT rate is on record for an EU country on the day of supply."""

    def __init__(self, *, country: str, on: date) -> None:
        super().__init__(
            "vat_rate_missing",
            _("No VAT rate is on record for this country on this date."),
            field="country",
            country=country,
            on=on.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class TaxDecision:
    """The VAT of one document: one category and rate for all its lines.

    ``rate`` is in percent. ``rate_country`` is the country whose rate applies (the buyer's,
    for ``standard``), empty for the 0 % categories. ``buyer_vat_id`` is the compact valid
    VAT ID, or empty when there is none or it is invalid. ``legal_note`` is translatable, to
    be printed on the invoice, or empty.
    """

    category: TaxCategory
    rate: Decimal
    rate_country: str
    legal_note: str | Promise
    buyer_vat_id: str = ""

    @property
    def category_code(self) -> str:
        """The EN 16931 VAT category code (BT-151): S, AE or O."""
        return EN16931_CATEGORY_CODE[self.category]


def tax_decision(
    *, seller_country: str, buyer_country: str, buyer_vat_id: str, on: date
) -> TaxDecision:
    """The VAT of a supply on day ``on``, by the rules in this module's docstring."""
    if seller_country not in EU_MEMBER_STATES:
        raise ImproperlyConfigured(
            "SEATWISE_SELLER['country'] must be an EU member state: the VAT rules of "
            "seatwise.tax.decisions are those of an EU seller."
        )
    buyer_country = vat_territory_country(buyer_country)
    valid_vat_id = (normalize_vat_id(buyer_vat_id, buyer_country) or "") if buyer_vat_id else ""
    if buyer_country not in EU_MEMBER_STATES:
        return TaxDecision(
            category="outside_scope",
            rate=Decimal("0.00"),
            rate_country="",
            legal_note=OUTSIDE_SCOPE_NOTE,
            buyer_vat_id=valid_vat_id,
        )
    if valid_vat_id and buyer_country != seller_country:
        return TaxDecision(
            category="reverse_charge",
            rate=Decimal("0.00"),
            rate_country="",
            legal_note=REVERSE_CHARGE_NOTE,
            buyer_vat_id=valid_vat_id,
        )
    vat_rate = vat_rate_on(country=buyer_country, on=on)
    if vat_rate is None:
        raise VatRateMissing(country=buyer_country, on=on)
    return TaxDecision(
        category="standard",
        rate=vat_rate.rate,
        rate_country=buyer_country,
        legal_note="",
        buyer_vat_id=valid_vat_id,
    )
