"""The seller (the vendor running Seatwise) and the tax decision for one of its accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings

from seatwise.tax.decisions import TaxDecision, tax_decision

if TYPE_CHECKING:
    from seatwise.accounts.models import Account


@dataclass(frozen=True, slots=True)
class Seller:
    name: str
    address_lines: tuple[str, ...]
    country: str
    vat_id: str
    email: str
    iban: str


def seller() -> Seller:
    """The seller from ``settings.SEATWISE_SELLER``, read at call time (never at import)."""
    data = settings.SEATWISE_SELLER
    return Seller(
        name=str(data["name"]),
        address_lines=tuple(str(line) for line in data["address_lines"]),
        country=str(data["country"]),
        vat_id=str(data["vat_id"]),
        email=str(data["email"]),
        iban=str(data["iban"]),
    )


def account_tax_decision(*, account: Account, on: date) -> TaxDecision:
    """The VAT of a supply to ``account`` on day ``on``: its country and VAT ID decide."""
    return tax_decision(
        seller_country=seller().country,
        buyer_country=account.country,
        buyer_vat_id=account.vat_id,
        on=on,
    )
