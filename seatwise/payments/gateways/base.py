"""The payment gateway interface. The backend is chosen by ``SEATWISE_PAYMENT_GATEWAY``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True, slots=True)
class CardDetails:
    """What a customer types. Passed straight to the gateway and never stored or logged:
    ``repr`` hides the number and the CVC."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder_name: str


@dataclass(frozen=True, slots=True)
class StoredCard:
    """What the gateway returns: safe to store and to show (masked)."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    holder_name: str


class CardRefused(Exception):
    """The gateway refused the card. ``code`` is one of: invalid_number, invalid_expiry,
    expired_card, incorrect_cvc, card_declined, unknown_token."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


class Gateway(Protocol):
    alias: str

    def store_card(self, card: CardDetails) -> StoredCard:
        """Verify a card and keep it in the gateway's vault; return its token."""
        ...

    def card_for_token(self, token: str) -> StoredCard:
        """Look up a card the gateway already holds (for example a token from its JS form)."""
        ...


def get_gateway() -> Gateway:
    gateway: Gateway = import_string(settings.SEATWISE_PAYMENT_GATEWAY)()
    return gateway
