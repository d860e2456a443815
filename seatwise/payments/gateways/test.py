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

Charges follow the card's behaviour (declined: card_declined or insufficient_funds; a card past
its expiry: expired_card). Like a real gateway, one idempotency key is charged at most once and
always returns its first result; a different amount, card or currency under a used key is refused
(``IdempotencyKeyReused``). ``set_test_gateway_mode`` makes the next calls time out after
charging, fail before reaching the gateway, or answer slowly; the mode lives in a table so that
a worker process obeys it too.

Any other number that passes the Luhn check succeeds; a number that fails it is refused
(invalid_number), as is an expiry date in the past. Ready-made tokens ``tok_visa``,
``tok_mastercard``, ``tok_amex`` and ``tok_chargeDeclined`` stand for the cards above.

Bank accounts for SEPA direct debits (``store_bank_account``) are kept like cards: a token, the
IBAN's country and last four characters, the holder and the mandate; an IBAN that fails its
check (ISO 13616, mod 97) is refused (``invalid_iban``). ``charge`` debits a bank account's
token as it charges a card's (the same idempotency, the same modes); well-known test IBANs
decide what the bank does with the debit:

- DE89 3704 0044 0532 0130 00: debited;
- DE62 3704 0044 0532 0130 01: returned for insufficient funds (insufficient_funds);
- DE35 3704 0044 0532 0130 02: refused, no mandate authorises it (debit_not_authorized).

Any other valid IBAN is debited.
"""

from __future__ import annotations

import secrets
import time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum import iban as stdnum_iban
from stdnum import luhn

from seatwise.payments.gateways.base import (
    BankAccountDetails,
    CardDetails,
    CardRefused,
    ChargeResult,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
    RefundResult,
    StoredBankAccount,
    StoredCard,
)
from seatwise.payments.lock_objects import gateway_test_mode_lock
from seatwise.payments.models import (
    TestGatewayBankAccount,
    TestGatewayCard,
    TestGatewayCharge,
    TestGatewayMode,
    TestGatewayRefund,
)

_DECLINE_WORDING = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "unknown_token": "No such card token.",
    "debit_not_authorized": "The bank refused the debit: not authorised by a mandate.",
}

_REFUSED_AT_STORE = {
    "4000000000000002": "card_declined",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
}
_CHARGE_BEHAVIOUR = {
    "4000000000000341": "decline",
    "4000000000009995": "insufficient_funds",
}
_DEBIT_BEHAVIOUR = {
    "DE62370400440532013001": "insufficient_funds",
    "DE35370400440532013002": "debit_not_authorized",
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


def iban_is_valid(iban: str) -> bool:
    return bool(stdnum_iban.is_valid(iban))


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

    def store_bank_account(
        self, account: BankAccountDetails, *, mandate_reference: str
    ) -> StoredBankAccount:
        iban = "".join(account.iban.split()).upper()
        if not iban_is_valid(iban):
            raise CardRefused("invalid_iban")
        stored = TestGatewayBankAccount.objects.create(
            token="ba_" + secrets.token_hex(12),
            country=iban[:2],
            last4=iban[-4:],
            holder_name=account.holder_name,
            mandate_reference=mandate_reference,
            behaviour=_DEBIT_BEHAVIOUR.get(iban, "succeed"),
        )
        return StoredBankAccount(
            token=stored.token,
            country=stored.country,
            last4=stored.last4,
            holder_name=stored.holder_name,
        )

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

    def charge(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        mode, delay = _take_mode()
        if mode == TestGatewayMode.Mode.FAIL:
            raise GatewayUnavailable("test gateway: told to be unreachable")
        if mode == TestGatewayMode.Mode.SLOW:
            slow_call(delay)
        result = self._charge_once(
            token=token,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            description=description,
        )
        if mode == TestGatewayMode.Mode.TIMEOUT_AFTER_CHARGE:
            raise GatewayTimeout("test gateway: charged, then told to time out")
        return result

    def retrieve_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        found = TestGatewayCharge.objects.filter(idempotency_key=idempotency_key).first()
        return None if found is None else _as_result(found)

    def refund(
        self, *, gateway_charge_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        mode, delay = _take_mode()
        if mode == TestGatewayMode.Mode.FAIL:
            raise GatewayUnavailable("test gateway: told to be unreachable")
        if mode == TestGatewayMode.Mode.SLOW:
            slow_call(delay)
        result = self._refund_once(
            gateway_charge_id=gateway_charge_id,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
        )
        if mode == TestGatewayMode.Mode.TIMEOUT_AFTER_CHARGE:
            raise GatewayTimeout("test gateway: refunded, then told to time out")
        return result

    def retrieve_refund(self, *, idempotency_key: str) -> RefundResult | None:
        found = TestGatewayRefund.objects.filter(idempotency_key=idempotency_key).first()
        return None if found is None else _as_refund_result(found)

    def _refund_once(
        self, *, gateway_charge_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        for _try in range(2):
            existing = TestGatewayRefund.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                if (existing.charge_id, existing.amount, existing.currency) != (
                    gateway_charge_id,
                    amount,
                    currency,
                ):
                    raise IdempotencyKeyReused(idempotency_key)
                return _as_refund_result(existing)
            charged = TestGatewayCharge.objects.filter(charge_id=gateway_charge_id).first()
            refunded = sum(
                (
                    r.amount
                    for r in TestGatewayRefund.objects.filter(
                        charge_id=gateway_charge_id, status="succeeded"
                    )
                ),
                Decimal(0),
            )
            failure = ""
            if charged is None or charged.status != "succeeded":
                failure = "charge_not_found"
            elif charged.currency != currency or refunded + amount > charged.amount:
                failure = "amount_exceeds_charge"
            try:
                with transaction.atomic():
                    created = TestGatewayRefund.objects.create(
                        refund_id="re_" + secrets.token_hex(12),
                        idempotency_key=idempotency_key,
                        charge_id=gateway_charge_id,
                        amount=amount,
                        currency=currency,
                        status="failed" if failure else "succeeded",
                        failure_code=failure,
                    )
            except IntegrityError:
                continue
            return _as_refund_result(created)
        raise GatewayTimeout("test gateway: idempotency conflict not resolved")

    def _charge_once(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        # Two tries: a concurrent call with the same key may insert between our read and our
        # insert; the unique key makes it lose, and the second read returns the winner's result.
        for _try in range(2):
            existing = TestGatewayCharge.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                if (existing.token, existing.amount, existing.currency) != (
                    token,
                    amount,
                    currency,
                ):
                    raise IdempotencyKeyReused(idempotency_key)
                return _as_result(existing)
            decline_code = _decline_code(token)
            try:
                with transaction.atomic():
                    created = TestGatewayCharge.objects.create(
                        charge_id="ch_" + secrets.token_hex(12),
                        idempotency_key=idempotency_key,
                        token=token,
                        amount=amount,
                        currency=currency,
                        description=description[:255],
                        status="declined" if decline_code else "succeeded",
                        decline_code=decline_code,
                    )
            except IntegrityError:
                continue
            return _as_result(created)
        raise GatewayTimeout("test gateway: idempotency conflict not resolved")

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


def slow_call(seconds: float) -> None:
    """How the test gateway takes its time in "slow" mode: it sleeps. A test that needs a
    slow gateway without waiting replaces this (``monkeypatch``) with a step of a fake clock,
    and may do, meanwhile, what others would do while the call is in flight."""
    time.sleep(seconds)


def set_test_gateway_mode(mode: str, *, times: int | None = None, delay_seconds: float = 0) -> None:
    """Make the test gateway's next ``times`` charge calls (all, when None) behave as ``mode``:
    "normal", "timeout_after_charge", "fail" or "slow" (sleeps ``delay_seconds``)."""
    if mode not in TestGatewayMode.Mode.values:
        raise ValueError(mode)
    TestGatewayMode.objects.update_or_create(
        pk=1, defaults={"mode": mode, "remaining": times, "delay_seconds": delay_seconds}
    )


def _take_mode() -> tuple[str, float]:
    """The mode for this call, counting it against ``remaining``."""
    with transaction.atomic():
        row = gateway_test_mode_lock()
        if row is None or row.mode == TestGatewayMode.Mode.NORMAL:
            return TestGatewayMode.Mode.NORMAL, 0.0
        mode, delay = row.mode, row.delay_seconds
        if row.remaining is not None:
            row.remaining = max(row.remaining - 1, 0)
            if row.remaining == 0:
                row.mode, row.remaining = TestGatewayMode.Mode.NORMAL, None
            row.save(update_fields=["mode", "remaining"])
        return mode, delay


def _decline_code(token: str) -> str:
    card = TestGatewayCard.objects.filter(token=token).first()
    if card is None:
        # A bank account's token: a SEPA direct debit under its mandate.
        account = TestGatewayBankAccount.objects.filter(token=token).first()
        if account is None:
            return "unknown_token"
        return "" if account.behaviour == "succeed" else account.behaviour
    today = timezone.now().date()
    if (card.exp_year, card.exp_month) < (today.year, today.month):
        return "expired_card"
    return {"decline": "card_declined", "insufficient_funds": "insufficient_funds"}.get(
        card.behaviour, ""
    )


def _as_refund_result(row: TestGatewayRefund) -> RefundResult:
    return RefundResult(
        gateway_refund_id=row.refund_id,
        status="failed" if row.status == "failed" else "succeeded",
        failure_code=row.failure_code,
        message="Refund failed." if row.status == "failed" else "Refund succeeded.",
    )


def _as_result(row: TestGatewayCharge) -> ChargeResult:
    return ChargeResult(
        gateway_charge_id=row.charge_id,
        status="declined" if row.status == "declined" else "succeeded",
        decline_code=row.decline_code,
        message=_DECLINE_WORDING.get(row.decline_code, "Charge succeeded."),
    )
