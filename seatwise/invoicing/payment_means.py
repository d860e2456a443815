"""How an invoice is to be paid: decided when it is issued, from the account's Payment Profile
(``payments.profiles``), and stored with it (``Invoice.payment_means``, part of its hash from
content version 3), so that a later change of the profile or of the seller's bank never
changes an invoice already issued.

The snapshot is plain JSON with the fields of ``documents.PaymentMeans``; its ``code`` is the
EN 16931 payment means type code (BT-81, UNTDID 4461):

- card: ``48`` (bank card), with the card's brand, last four digits and holder (BT-87 may hold
  at most the first six and last four digits, BR-51; Seatwise keeps the last four only);
- bank transfer: ``58`` (SEPA credit transfer) for an invoice in euro to a seller's IBAN in the
  SEPA area, else ``30`` (credit transfer); with the seller's IBAN (BT-84, required by BR-61),
  BIC (BT-86), account name (BT-85) and bank; ``1`` (instrument not defined) when the seller
  has no IBAN configured;
- check: ``20`` (cheque), with the seller's remittance address;
- SEPA direct debit: ``59``, with the mandate reference (BT-89), the seller's SEPA creditor
  identifier (BT-90) and the debited account (BT-91) **masked**: country and last four
  characters. EN 16931 asks for "the account to be debited" and has no rule on its form;
  Seatwise does not hold the full IBAN (the gateway does, with the mandate), and the buyer
  knows its own account, so the invoice names it as the buyer's bank statement would.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import Any

from seatwise.accounts.models import Account
from seatwise.core.memo import memo_prime, memoized
from seatwise.invoicing.documents import PaymentMeans, PaymentType
from seatwise.invoicing.seller import seller
from seatwise.payments.models import PaymentMethod, PaymentProfile
from seatwise.payments.profiles import SEPA_COUNTRIES, automatic_card

CARD_CODE = "48"
SEPA_CREDIT_TRANSFER_CODE = "58"
CREDIT_TRANSFER_CODE = "30"
NOT_DEFINED_CODE = "1"
CHECK_CODE = "20"
SEPA_DIRECT_DEBIT_CODE = "59"
_TYPES: tuple[PaymentType, ...] = ("card", "bank_transfer", "check", "direct_debit")


def _profile(account_id: int) -> PaymentProfile | None:
    return memoized(
        ("payment_profile", account_id),
        lambda: PaymentProfile.objects.filter(account_id=account_id).first(),
    )


def _card(account_id: int) -> PaymentMethod | None:
    return memoized(("automatic_card", account_id), lambda: automatic_card(account_id))


def payment_means_prime(account_ids: Collection[int]) -> None:
    """Read the profiles and default cards of many accounts in two queries, for the
    ``payment_means_snapshot`` calls of a batch (``core.memo``)."""
    answers: dict[Hashable, Any] = {("payment_profile", pk): None for pk in account_ids}
    answers.update(
        (("payment_profile", row.account_id), row)
        for row in PaymentProfile.objects.filter(account_id__in=account_ids)
    )
    answers.update({("automatic_card", pk): None for pk in account_ids})
    answers.update(
        (("automatic_card", card.account_id), card)
        for card in PaymentMethod.objects.filter(
            account_id__in=account_ids, is_default=True, is_automatic=True, removed_at__isnull=True
        )
    )
    memo_prime(answers)


def payment_means_snapshot(*, account: Account, currency: str) -> dict[str, Any]:
    """How an invoice of ``account`` in ``currency`` issued now is to be paid."""
    profile = _profile(account.pk)
    payment_type = profile.payment_type if profile is not None else "card"
    if payment_type == PaymentProfile.PaymentType.BANK_TRANSFER:
        current = seller()
        iban = current.iban.replace(" ", "").upper()
        sepa = currency == "EUR" and iban[:2] in SEPA_COUNTRIES
        code = (
            NOT_DEFINED_CODE
            if not iban
            else SEPA_CREDIT_TRANSFER_CODE
            if sepa
            else CREDIT_TRANSFER_CODE
        )
        return {
            "type": "bank_transfer",
            "code": code,
            "iban": iban,
            "account_name": current.name,
            "bic": current.bic,
            "bank_name": current.bank_name,
        }
    if payment_type == PaymentProfile.PaymentType.CHECK:
        return {
            "type": "check",
            "code": CHECK_CODE,
            "remittance_address": list(seller().remittance_address),
        }
    if payment_type == PaymentProfile.PaymentType.DIRECT_DEBIT:
        assert profile is not None
        return {
            "type": "direct_debit",
            "code": SEPA_DIRECT_DEBIT_CODE,
            "mandate_reference": profile.mandate_reference,
            "creditor_id": seller().sepa_creditor_id,
            "debited_account": profile.iban_masked,
        }
    card = _card(account.pk)
    return {
        "type": "card",
        "code": CARD_CODE,
        "card_brand": card.brand_label if card is not None else "",
        "card_last4": card.last4 if card is not None else "",
        "card_holder": card.holder_name if card is not None else "",
    }


def payment_means_from(snapshot: dict[str, Any]) -> PaymentMeans | None:
    """The stored snapshot as the renderers' value; None for a document without one."""
    kind = snapshot.get("type")
    payment_type = next((t for t in _TYPES if t == kind), None)
    if payment_type is None:
        return None
    return PaymentMeans(
        type=payment_type,
        code=str(snapshot["code"]),
        card_brand=str(snapshot.get("card_brand", "")),
        card_last4=str(snapshot.get("card_last4", "")),
        card_holder=str(snapshot.get("card_holder", "")),
        iban=str(snapshot.get("iban", "")),
        account_name=str(snapshot.get("account_name", "")),
        bic=str(snapshot.get("bic", "")),
        bank_name=str(snapshot.get("bank_name", "")),
        remittance_address=tuple(str(line) for line in snapshot.get("remittance_address", ())),
        mandate_reference=str(snapshot.get("mandate_reference", "")),
        creditor_id=str(snapshot.get("creditor_id", "")),
        debited_account=str(snapshot.get("debited_account", "")),
    )
