"""A gateway for development and tests that behaves like a real one.

Well-known test card numbers (the ones the big gateways publish) decide the outcome:

==================  ===========================================
4242 4242 4242 4242  Visa, succeeds
5555 5555 5555 4444  Mastercard, succeeds
3782 822463 10005    American Express, succeeds
6011 1111 1111 1117  Discover, succeeds
4000 0000 0000 0002  declined when stored (card_declined)
4000 0000 0000 0069  expired card (expired_card)
4000 0000 0000 0127  incorrect CVC (incorrect_cvc)
4000 0000 0000 0341  stored, but every charge is declined
4000 0000 0000 9995  stored, but charges fail: insufficient funds
==================  ===========================================

Any other number that passes the Luhn check succeeds; a number that fails it is refused
(invalid_number), as is an expiry date in the past. Ready-made tokens ``tok_visa``,
``tok_mastercard``, ``tok_amex`` and ``tok_chargeDeclined`` stand for the cards above.
"""

from __future__ import annotations

import secrets

from django.utils import timezone
from stdnum import luhn

from seatwise.payments.gateways.base import CardDetails, CardRefused, StoredCard
from seatwise.payments.models import TestGatewayCard

_REFUSED_AT_STORE = {
    "4000000000000002": "card_declined",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
}
_CHARGE_BEHAVIOUR = {
    "4000000000000341": "decline",
    "4000000000009995": "insufficient_funds",
}
_READY_TOKENS = {
    "tok_visa": ("visa", "4242", "succeed"),
    "tok_mastercard": ("mastercard", "4444", "succeed"),
    "tok_amex": ("amex", "0005", "succeed"),
    "tok_chargeDeclined": ("visa", "0341", "decline"),
}


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith("6011") or number.startswith("65"):
        return "discover"
    return "card"


class TestGateway:
    alias = "test"

    def store_card(self, card: CardDetails) -> StoredCard:
        number = "".join(ch for ch in card.number if ch.isdigit())
        if len(number) < 12 or len(number) > 19 or not luhn.is_valid(number):
            raise CardRefused("invalid_number")
        if not 1 <= card.exp_month <= 12 or not 2000 <= card.exp_year <= 2100:
            raise CardRefused("invalid_expiry")
        today = timezone.now().date()
        if (card.exp_year, card.exp_month) < (today.year, today.month):
            raise CardRefused("expired_card")
        brand = card_brand(number)
        cvc = "".join(ch for ch in card.cvc if ch.isdigit())
        if len(cvc) != (4 if brand == "amex" else 3) or len(cvc) != len(card.cvc.strip()):
            raise CardRefused("incorrect_cvc")
        if number in _REFUSED_AT_STORE:
            raise CardRefused(_REFUSED_AT_STORE[number])
        stored = TestGatewayCard.objects.create(
            token="tok_" + secrets.token_hex(12),
            brand=brand,
            last4=number[-4:],
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            holder_name=card.holder_name,
            behaviour=_CHARGE_BEHAVIOUR.get(number, "succeed"),
        )
        return self._as_stored(stored)

    def card_for_token(self, token: str) -> StoredCard:
        if token in _READY_TOKENS:
            brand, last4, behaviour = _READY_TOKENS[token]
            # A ready-made token is single-use like a real one: it becomes a vault card.
            next_year = timezone.now().year + 3
            stored = TestGatewayCard.objects.create(
                token="tok_" + secrets.token_hex(12),
                brand=brand,
                last4=last4,
                exp_month=12,
                exp_year=next_year,
                holder_name="",
                behaviour=behaviour,
            )
            return self._as_stored(stored)
        found = TestGatewayCard.objects.filter(token=token).first()
        if found is None:
            raise CardRefused("unknown_token")
        return self._as_stored(found)

    @staticmethod
    def _as_stored(card: TestGatewayCard) -> StoredCard:
        return StoredCard(
            token=card.token,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            holder_name=card.holder_name,
        )
