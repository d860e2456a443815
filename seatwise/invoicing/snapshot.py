"""What an invoice freezes at issue: the parties, the VAT and the line texts, as plain JSON.

An issued document is rendered from its snapshot only (``selectors.document_for``), never from
the live account or settings, so that renaming an account, moving it, changing its VAT ID or
the seller's address never changes an invoice already issued.

Party snapshots are JSON objects with the fields of ``documents.Party``: ``name``,
``address_lines`` (a list), ``postal_code``, ``city``, ``country``, ``vat_id``, ``email``; the
seller's adds ``iban``, and from content version 2 ``register_court``, ``register_number`` and
``managing_directors`` (a list).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.catalog.models import Plan
from seatwise.core.memo import memo_prime, memoized
from seatwise.core.money import quantize
from seatwise.invoicing.documents import Party
from seatwise.invoicing.seller import seller
from seatwise.pricing.lines import ProratedLine
from seatwise.tax.decisions import TaxDecision

# "10117 Berlin", "00184 Roma", "D02 X285 Dublin" is not split (no leading digit).
_POSTAL_CITY = re.compile(r"^(\d[0-9A-Z-]*)\s+(\S.*)$")
# EN 16931 limits no unit price to two decimals (BR-DEC covers amounts, not BT-146): eight
# are enough for any quantity up to 10,000,000 (see ``unit_price_of``).
UNIT_PRICE_MAX_PLACES = 8


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
        "register_court": current.register_court,
        "register_number": current.register_number,
        "managing_directors": list(current.managing_directors),
    }


def buyer_snapshot(*, account: Account, tax: TaxDecision) -> dict[str, Any]:
    """The account now. The VAT ID is the one the tax decision validated (compact form), so
    the invoice never shows an ID that did not count for its VAT."""
    email = memoized(("billing_contact_email", account.pk), lambda: _contact_email(account.pk))
    return {
        "name": account.name,
        "address_lines": [line for line in (account.address_line1, account.address_line2) if line],
        "postal_code": account.postal_code,
        "city": account.city,
        "country": account.country,
        "vat_id": tax.buyer_vat_id,
        "email": email,
    }


def _contact_email(account_id: int) -> str:
    contact = Person.objects.filter(account_id=account_id, is_billing_contact=True).first()
    return contact.email if contact else ""


def corporate_user_id_of(account: Account) -> str:
    """The Corporate Billing Portal User ID, printed on every invoice of a corporate account."""
    if not account.is_corporate:
        return ""

    def user_id() -> str:
        credential = CorporateCredential.objects.filter(account=account).first()
        return credential.user_id if credential else ""

    return memoized(("corporate_user_id", account.pk), user_id)


def parties_prime(account_ids: Collection[int]) -> None:
    """Read the billing contacts' addresses and the User IDs of many accounts in two queries,
    for the ``buyer_snapshot`` and ``corporate_user_id_of`` calls of a batch (``core.memo``)."""
    emails: dict[Hashable, Any] = {("billing_contact_email", pk): "" for pk in account_ids}
    emails.update(
        (("billing_contact_email", account_id), email)
        for account_id, email in Person.objects.filter(
            account_id__in=account_ids, is_billing_contact=True
        )
        .order_by("-pk")  # the first contact wins, as in ``.first()``
        .values_list("account_id", "email")
    )
    user_ids: dict[Hashable, Any] = {("corporate_user_id", pk): "" for pk in account_ids}
    user_ids.update(
        (("corporate_user_id", account_id), user_id)
        for account_id, user_id in CorporateCredential.objects.filter(account_id__in=account_ids)
        .order_by("-pk")
        .values_list("account_id", "user_id")
    )
    memo_prime({**emails, **user_ids})


def party_from(snapshot: dict[str, Any]) -> Party:
    return Party(
        name=str(snapshot["name"]),
        address_lines=tuple(str(line) for line in snapshot["address_lines"]),
        postal_code=str(snapshot["postal_code"]),
        city=str(snapshot["city"]),
        country=str(snapshot["country"]),
        vat_id=str(snapshot.get("vat_id", "")),
        email=str(snapshot.get("email", "")),
        register_court=str(snapshot.get("register_court", "")),
        register_number=str(snapshot.get("register_number", "")),
        managing_directors=tuple(str(name) for name in snapshot.get("managing_directors", ())),
    )


def tax_note_in(*, tax: TaxDecision, language: str) -> str:
    """The VAT's legal note in ``language`` (remembered per note and language within a
    ``core.memo`` scope; a lazy note is keyed by its message, as it compares)."""

    def note() -> str:
        with translation.override(language):
            return str(tax.legal_note)

    return memoized(("tax_note", tax.legal_note, language), note)


def _plan_name(plan_code: str) -> str:
    """The plan's name in the active language (remembered per language within a
    ``core.memo`` scope)."""

    def name() -> str:
        plan = Plan.objects.select_related("product").filter(code=plan_code).first()
        return str(plan) if plan else plan_code

    return memoized(("plan_name", plan_code, translation.get_language()), name)


def line_description(*, line: ProratedLine, language: str) -> str:
    """The line's text in the buyer's language, fixed at issue (remembered per text within a
    ``core.memo`` scope: a batch's lines say the same of a few plans)."""
    return memoized(
        ("line_description", line.kind, line.plan_code, line.days, line.term_days, language),
        lambda: _line_text(line=line, language=language),
    )


def _line_text(*, line: ProratedLine, language: str) -> str:
    with translation.override(language):
        plan = _plan_name(line.plan_code)
        params = {"plan": plan, "days": line.days, "term_days": line.term_days}
        if line.kind == "term":
            return _("%(plan)s, subscription term") % params
        if line.kind == "term_cotermed":
            return _("%(plan)s, first term co-termed (%(days)d of %(term_days)d days)") % params
        if line.kind == "seats_added":
            return _("%(plan)s, seats added (%(days)d of %(term_days)d days)") % params
        if line.kind == "plan_credit":
            return _("%(plan)s, credit for %(days)d unused days of %(term_days)d") % params
        return _("%(plan)s, %(days)d remaining days of %(term_days)d") % params


def credit_description(*, reason: str, language: str) -> str:
    with translation.override(language):
        return _("Credit: %(reason)s") % {"reason": reason}


def unit_price_of(line: ProratedLine) -> Decimal:
    """The net price of one seat for the line's days (EN 16931 BT-146), never negative, such
    that quantity × price rounds to the line amount.

    The line amount (``line.amount``, rounded once by pricing) is authoritative; the price is
    derived from it: ``|amount| / |quantity|`` with the fewest decimals (two at least, up to
    ``UNIT_PRICE_MAX_PLACES``) for which ``|quantity| × price`` rounds back to ``|amount|``.
    So 23 seats of a prorated 850.00 for 10 of 31 days (6,306.45) cost 274.1935 each
    (× 23 = 6,306.4505, which rounds to 6,306.45), not 274.19 (× 23 = 6,306.37); 9,999 of them
    (2,741,661.29) cost 274.193548 each. The reader, Peppol's PEPPOL-EN16931-R120 (line
    amount = quantity × price, within 0.02) and every accounting program multiply to the same
    amount. A whole-term line keeps the catalog price (14.00 × 5 = 70.00). The error of the
    chosen price is at most half a unit of its last place, times the quantity: below half a
    cent for every quantity up to 10**6.
    """
    quantity = Decimal(abs(line.quantity))
    amount = abs(line.amount)
    if quantity == 0:
        return amount
    exact = amount / quantity
    for places in range(2, UNIT_PRICE_MAX_PLACES + 1):
        price = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if quantize(price * quantity, line.currency) == amount:
            return price
    return exact.quantize(Decimal(1).scaleb(-UNIT_PRICE_MAX_PLACES), rounding=ROUND_HALF_UP)


def term_unit_price_of(line: ProratedLine) -> Decimal | None:
    """The catalog price of one seat for the whole term, for a line of fewer days than the
    term (shown on the PDF for information), else None."""
    if line.days == line.term_days:
        return None
    return abs(line.unit_amount)
