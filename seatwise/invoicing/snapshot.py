"""What an invoice freezes at issue: the parties, the VAT and the line texts, as plain JSON.

An issued document is rendered from its snapshot only (``selectors.document_for``), never from
the live account or settings, so that renaming an account, moving it, changing its VAT ID or
the seller's address never changes an invoice already issued.

Party snapshots are JSON objects with the fields of ``documents.Party``: ``name``,
``address_lines`` (a list), ``postal_code``, ``city``, ``country``, ``vat_id``, ``email``; the
seller's adds ``iban``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.billing.pricing import ProratedLine
from seatwise.billing.seller import seller
from seatwise.catalog.models import Plan
from seatwise.invoicing.documents import Party
from seatwise.tax.decisions import TaxDecision

# "10117 Berlin", "00184 Roma", "D02 X285 Dublin" is not split (no leading digit).
_POSTAL_CITY = re.compile(r"^(\d[0-9A-Z-]*)\s+(\S.*)$")
UNIT_PRICE_PLACES = Decimal("0.0001")


def seller_snapshot() -> dict[str, Any]:
    """The seller from settings, now. ``SEATWISE_SELLER`` gives address lines only: a last
    line of the form "<postal code> <city>" is split into the two fields EN 16931 has."""
    current = seller()
    lines = list(current.address_lines)
    postal_code = city = ""
    if lines and (match := _POSTAL_CITY.match(lines[-1])):
        postal_code, city = match.group(1), match.group(2)
        lines.pop()
    return {
        "name": current.name,
        "address_lines": lines,
        "postal_code": postal_code,
        "city": city,
        "country": current.country,
        "vat_id": current.vat_id,
        "email": current.email,
        "iban": current.iban,
    }


def buyer_snapshot(*, account: Account, tax: TaxDecision) -> dict[str, Any]:
    """The account now. The VAT ID is the one the tax decision validated (compact form), so
    the invoice never shows an ID that did not count for its VAT."""
    contact = Person.objects.filter(account=account, is_billing_contact=True).first()
    return {
        "name": account.name,
        "address_lines": [line for line in (account.address_line1, account.address_line2) if line],
        "postal_code": account.postal_code,
        "city": account.city,
        "country": account.country,
        "vat_id": tax.buyer_vat_id,
        "email": contact.email if contact else "",
    }


def corporate_user_id_of(account: Account) -> str:
    """The Corporate Billing Portal User ID, printed on every invoice of a corporate account."""
    if not account.is_corporate:
        return ""
    credential = CorporateCredential.objects.filter(account=account).first()
    return credential.user_id if credential else ""


def party_from(snapshot: dict[str, Any]) -> Party:
    return Party(
        name=str(snapshot["name"]),
        address_lines=tuple(str(line) for line in snapshot["address_lines"]),
        postal_code=str(snapshot["postal_code"]),
        city=str(snapshot["city"]),
        country=str(snapshot["country"]),
        vat_id=str(snapshot.get("vat_id", "")),
        email=str(snapshot.get("email", "")),
    )


def tax_note_in(*, tax: TaxDecision, language: str) -> str:
    with translation.override(language):
        return str(tax.legal_note)


def _plan_name(plan_code: str) -> str:
    plan = Plan.objects.select_related("product").filter(code=plan_code).first()
    return str(plan) if plan else plan_code


def line_description(*, line: ProratedLine, language: str) -> str:
    """The line's text in the buyer's language, fixed at issue."""
    with translation.override(language):
        plan = _plan_name(line.plan_code)
        params = {"plan": plan, "days": line.days, "term_days": line.term_days}
        if line.kind == "term":
            return _("%(plan)s, subscription term") % params
        if line.kind == "seats_added":
            return _("%(plan)s, seats added (%(days)d of %(term_days)d days)") % params
        if line.kind == "plan_credit":
            return _("%(plan)s, credit for %(days)d unused days of %(term_days)d") % params
        return _("%(plan)s, %(days)d remaining days of %(term_days)d") % params


def credit_description(*, reason: str, language: str) -> str:
    with translation.override(language):
        return _("Credit: %(reason)s") % {"reason": reason}


def unit_price_of(line: ProratedLine) -> Decimal:
    """The net price of one seat for the line's days, to four decimals, never negative.

    Shown on the document only; the line amount is ``line.amount``, rounded once by pricing.
    """
    exact = abs(line.unit_amount) * line.days / line.term_days if line.term_days else Decimal(0)
    return exact.quantize(UNIT_PRICE_PLACES)
