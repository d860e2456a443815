"""The seller (the vendor running Seatwise) and the tax decision for one of its accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings

from seatwise.core.memo import memoized
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
    # What a company's business letters and invoices must name (in Germany § 35a GmbHG,
    # § 80 AktG, § 37a HGB): the register court, the register number, the managing directors.
    register_court: str = ""
    register_number: str = ""
    managing_directors: tuple[str, ...] = ()
    # How invoices are paid other than by card (``invoicing.payment_means``).
    bic: str = ""
    bank_name: str = ""
    remittance_address: tuple[str, ...] = ()
    sepa_creditor_id: str = ""


def _setting_text(name: str) -> str:
    return str(getattr(settings, name, "") or "").strip()


def seller() -> Seller:
    """The seller (``_seller_read``), read once per batch inside a ``core.memo`` scope (the
    bill run asks for it several times per invoice)."""
    return memoized(("seller",), _seller_read)


def _seller_read() -> Seller:
    """The seller from ``settings.SEATWISE_SELLER`` and ``SEATWISE_SELLER_REGISTER_COURT``,
    ``SEATWISE_SELLER_REGISTER_NUMBER``, ``SEATWISE_SELLER_MANAGING_DIRECTORS`` (names separated
    by ``|``, or a list), ``SEATWISE_SELLER_BIC``, ``…_BANK_NAME``, ``…_REMITTANCE_ADDRESS`` (lines
    separated by ``|``) and ``…_SEPA_CREDITOR_ID``, read at call time (never at import); each
    of these is optional."""
    data = settings.SEATWISE_SELLER
    directors = getattr(settings, "SEATWISE_SELLER_MANAGING_DIRECTORS", "") or ""
    names = directors.split("|") if isinstance(directors, str) else list(directors)
    return Seller(
        name=str(data["name"]),
        address_lines=tuple(str(line) for line in data["address_lines"]),
        country=str(data["country"]),
        vat_id=str(data["vat_id"]),
        email=str(data["email"]),
        iban=str(data["iban"]),
        register_court=_setting_text("SEATWISE_SELLER_REGISTER_COURT"),
        register_number=_setting_text("SEATWISE_SELLER_REGISTER_NUMBER"),
        managing_directors=tuple(str(name).strip() for name in names if str(name).strip()),
        bic=_setting_text("SEATWISE_SELLER_BIC"),
        bank_name=_setting_text("SEATWISE_SELLER_BANK_NAME"),
        remittance_address=tuple(
            line.strip()
            for line in _setting_text("SEATWISE_SELLER_REMITTANCE_ADDRESS").split("|")
            if line.strip()
        ),
        sepa_creditor_id=_setting_text("SEATWISE_SELLER_SEPA_CREDITOR_ID"),
    )


def account_tax_decision(*, account: Account, on: date) -> TaxDecision:
    """The VAT of a supply to ``account`` on day ``on``: its country and VAT ID decide (the
    same answer for every account of a batch with the same country and VAT ID, remembered
    inside a ``core.memo`` scope)."""
    country, vat_id = account.country, account.vat_id
    return memoized(
        ("tax_decision", country, vat_id, on),
        lambda: tax_decision(
            seller_country=seller().country, buyer_country=country, buyer_vat_id=vat_id, on=on
        ),
    )
