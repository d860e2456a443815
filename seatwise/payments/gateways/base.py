"""The payment gateway interface. The backend is chosen by ``SEATWISE_PAYMENT_GATEWAY``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

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


@dataclass(frozen=True, slots=True)
class BankAccountDetails:
    """The account a SEPA direct debit mandate allows to debit, as the customer typed it.
    Passed straight to the gateway with the mandate and never stored or logged: ``repr``
    hides the IBAN."""

    iban: str = field(repr=False)
    holder_name: str


@dataclass(frozen=True, slots=True)
class StoredBankAccount:
    """What the gateway returns for a bank account: safe to store and to show (masked)."""

    token: str
    country: str
    last4: str
    holder_name: str


class CardRefused(Exception):
    """The gateway refused the card. ``code`` is one of: invalid_number, invalid_expiry,
    expired_card, incorrect_cvc, card_declined, unknown_token."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


ChargeStatus = Literal["succeeded", "declined"]


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """The gateway's answer about one charge. ``decline_code`` is empty when it succeeded, else
    one of: card_declined, insufficient_funds, expired_card, unknown_token, and for a SEPA
    direct debit debit_not_authorized. ``message`` is the gateway's own wording (for operators,
    not customers)."""

    gateway_charge_id: str
    status: ChargeStatus
    decline_code: str = ""
    message: str = ""


RefundStatus = Literal["succeeded", "failed"]


@dataclass(frozen=True, slots=True)
class RefundResult:
    """The gateway's answer about one refund. ``failure_code`` is empty when it succeeded."""

    gateway_refund_id: str
    status: RefundStatus
    failure_code: str = ""
    message: str = ""


class GatewayTimeout(Exception):
    """The call was sent but no answer came back: the charge may or may not have been made."""


class GatewayUnavailable(Exception):
    """The call certainly did not reach the gateway (connection refused, DNS, 503 before
    processing): nothing was charged."""


class IdempotencyKeyReused(Exception):
    """The gateway already holds a different charge (another amount, card or currency) under
    this idempotency key and refuses the call, as Stripe does. Nothing new was charged."""

    code = "idempotency_key_reused"


class Gateway(Protocol):
    """A payment gateway adapter. Its client waits at most ``SEATWISE_GATEWAY_TIMEOUT_SECONDS``
    for an answer, then raises ``GatewayTimeout``; Seatwise asks about an unanswered call only
    after ``SEATWISE_GATEWAY_GRACE_SECONDS``, longer than that (``payments.reconcile``)."""

    alias: str

    def store_card(self, card: CardDetails) -> StoredCard:
        """Verify a card and keep it in the gateway's vault; return its token."""
        ...

    def store_bank_account(
        self, account: BankAccountDetails, *, mandate_reference: str
    ) -> StoredBankAccount:
        """Keep a bank account with its SEPA direct debit mandate in the gateway's vault (the
        gateway collects the debits); return its token. Raises ``CardRefused`` with
        ``invalid_iban`` when the gateway refuses the account."""
        ...

    def card_for_token(self, token: str) -> StoredCard:
        """Look up a card the gateway already holds (for example a token from its JS form)."""
        ...

    def charge(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        """Charge a stored card, or debit a stored bank account under its SEPA mandate (``token``
        from ``store_bank_account``). The same ``idempotency_key`` always returns the first
        result and never charges twice. Raises ``GatewayTimeout`` (outcome unknown),
        ``GatewayUnavailable`` (not attempted) or ``IdempotencyKeyReused``."""
        ...

    def retrieve_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The charge made under ``idempotency_key``, or None if the gateway never saw it.
        Never charges. Raises ``GatewayTimeout`` or ``GatewayUnavailable`` like ``charge``."""
        ...

    def refund(
        self, *, gateway_charge_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Give back ``amount`` of a charge that succeeded. The same ``idempotency_key`` always
        returns the first result and never refunds twice. Raises like ``charge``."""
        ...

    def retrieve_refund(self, *, idempotency_key: str) -> RefundResult | None:
        """The refund made under ``idempotency_key``, or None if the gateway never saw it."""
        ...


def get_gateway() -> Gateway:
    gateway: Gateway = import_string(settings.SEATWISE_PAYMENT_GATEWAY)()
    return gateway
