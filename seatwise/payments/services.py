"""Writes of the payments domain."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock_only
from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.money import SUPPORTED_CURRENCIES, quantize
from seatwise.core.validation import clean_text
from seatwise.payments.claims import Claim, first_claim, is_claimable
from seatwise.payments.claims import claim as claim_row
from seatwise.payments.gateways.base import (
    CardDetails,
    CardRefused,
    ChargeResult,
    Gateway,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
    StoredCard,
    get_gateway,
)
from seatwise.payments.lock_objects import charge_lock, charge_lock_by_key
from seatwise.payments.models import Charge, PaymentMethod

logger = logging.getLogger(__name__)

CARD_REFUSAL_MESSAGES = {
    "invalid_number": _("The card number is not valid."),
    "invalid_expiry": _("The expiry date is not valid."),
    "expired_card": _("This card has expired."),
    "incorrect_cvc": _("The security code (CVC) is not valid."),
    "card_declined": _("The card was declined. Use another card or ask your bank."),
    "unknown_token": _("The payment gateway does not know this card token."),
}
PAYMENT_METHOD_AUDIT_FIELDS = [
    "kind",
    "gateway",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "holder_name",
    "is_automatic",
    "is_default",
]


IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def gateway_unreachable() -> Refused:
    """The refusal of a payment method the gateway could not store: it did not answer, or not
    in time. Nothing is saved here (a token it may have made is never used); the customer
    tries again."""
    return Refused(
        "gateway_unavailable",
        _(
            "The payment service could not be reached. Nothing was saved: please try again "
            "in a few minutes."
        ),
    )


def payment_method_add(
    *,
    account: Account,
    by: Actor,
    card: CardDetails | None = None,
    token: str | None = None,
    is_automatic: bool = True,
    make_default: bool = True,
    idempotency_key: str | None = None,
) -> PaymentMethod:
    """Put a card on file: the card goes to the gateway, only its token and mask are stored.

    With an ``idempotency_key`` (the card form carries one, issued when the form is shown) the
    call is done at most once per account and key: a double-submitted form gets back the card
    the first submission stored, and nothing is stored or audited twice. Another card (or
    other flags) under a key already used is refused. The key is checked before the gateway
    is called and again under the account lock before the insert; two submissions racing past
    the first check leave at most one unused token in the gateway's vault, never in Seatwise.
    """
    if (card is None) == (token is None):
        raise Invalid("card_or_token", _("Give either a card or a gateway token."), field="card")
    if card is not None:
        card = CardDetails(
            number=card.number,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            cvc=card.cvc,
            holder_name=clean_text(card.holder_name, field="card.holder_name", max_length=128),
        )
    key = _clean_idempotency_key(idempotency_key)
    fingerprint = (
        _request_fingerprint(
            card=card, token=token, is_automatic=is_automatic, make_default=make_default
        )
        if key
        else ""
    )
    if key:
        earlier = PaymentMethod.objects.filter(account=account, idempotency_key=key).first()
        if earlier is not None:
            return _repeated(earlier, fingerprint=fingerprint)
    gateway = get_gateway()
    try:
        stored: StoredCard = (
            gateway.store_card(card) if card is not None else gateway.card_for_token(token or "")
        )
    except CardRefused as refusal:
        raise Invalid(
            refusal.code,
            CARD_REFUSAL_MESSAGES.get(refusal.code, _("The card was refused.")),
            field="token" if token is not None else "card",
        ) from None
    except (GatewayUnavailable, GatewayTimeout):
        raise gateway_unreachable() from None
    card_brand_check(account=account, brand=stored.brand, field="token" if card is None else "card")
    with transaction.atomic():
        account_lock_only(account.pk)
        if key:
            earlier = PaymentMethod.objects.filter(account=account, idempotency_key=key).first()
            if earlier is not None:
                return _repeated(earlier, fingerprint=fingerprint)
        if make_default:
            PaymentMethod.objects.filter(
                account=account, is_default=True, removed_at__isnull=True
            ).update(is_default=False)
        method = PaymentMethod.objects.create(
            account=account,
            gateway=gateway.alias,
            token=stored.token,
            brand=stored.brand,
            last4=stored.last4,
            exp_month=stored.exp_month,
            exp_year=stored.exp_year,
            holder_name=stored.holder_name,
            is_automatic=is_automatic,
            is_default=make_default,
            idempotency_key=key,
            request_fingerprint=fingerprint,
        )
        audit_record(
            by=by,
            action="payment_method.add",
            obj=method,
            account_id=account.pk,
            new=snapshot(method, PAYMENT_METHOD_AUDIT_FIELDS),
        )
    return method


# Discover cards are accepted only for accounts billed in US dollars (the vendor's corporate
# billing FAQ; docs/rules.md).
DISCOVER = "discover"
DISCOVER_CURRENCY = "USD"


def card_brand_check(*, account: Account, brand: str, field: str = "card") -> None:
    """Refuse a card the account may not use: a Discover card on a corporate account billed
    in another currency than US dollars. Every card a corporate account puts on file or uses
    once goes through ``payment_method_add``, which calls this with the brand the gateway
    read, before anything is stored."""
    if account.is_corporate and brand == DISCOVER and account.currency != DISCOVER_CURRENCY:
        raise Invalid(
            "discover_usd_only",
            _(
                "Discover cards are accepted only for accounts billed in US dollars. Your "
                "account is billed in %(currency)s: use a Visa, Mastercard or American Express "
                "card."
            )
            % {"currency": account.currency},
            field=field,
        )


def _clean_idempotency_key(key: str | None) -> str:
    if key is None or key == "":
        return ""
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise Invalid(
            "idempotency_key_invalid",
            _("This form has expired. Reload the page and enter the card again."),
            field="idempotency_key",
        )
    return key


def _request_fingerprint(
    *, card: CardDetails | None, token: str | None, is_automatic: bool, make_default: bool
) -> str:
    # Never the card number or the CVC: only what is stored anyway (last four digits, expiry,
    # holder), so the fingerprint reveals nothing the card's row does not show.
    if card is not None:
        digits = "".join(ch for ch in card.number if ch.isdigit())
        what = f"card|{digits[-4:]}|{card.exp_month}|{card.exp_year}|{card.holder_name}"
    else:
        what = f"token|{token}"
    request = f"{what}|automatic={is_automatic}|default={make_default}"
    return hashlib.sha256(request.encode()).hexdigest()


def _repeated(earlier: PaymentMethod, *, fingerprint: str) -> PaymentMethod:
    """A repeat of the call that stored ``earlier``: the same card back, or a refusal when the
    key is reused for something else."""
    if earlier.request_fingerprint != fingerprint:
        raise Refused(
            "idempotency_key_reused",
            _("This form was already used to add a card. Reload the page to add another card."),
            field="idempotency_key",
        )
    logger.info("payment method %s: repeated submission, nothing stored", earlier.pk)
    return earlier


# --- Charges --------------------------------------------------------------------------------

CHARGE_AUDIT_FIELDS = [
    "payment_method",
    "gateway",
    "amount",
    "currency",
    "purpose",
    "invoice_id",
    "status",
    "gateway_charge_id",
    "decline_code",
    "attempts",
]


def call_grace() -> timedelta:
    """How long after a gateway call started Seatwise may ask the gateway about it: longer
    than the gateway client's own timeout (``SEATWISE_GATEWAY_TIMEOUT_SECONDS``), so that no
    call is still in flight when it is asked about (``SEATWISE_GATEWAY_GRACE_SECONDS``)."""
    return timedelta(seconds=settings.SEATWISE_GATEWAY_GRACE_SECONDS)


@dataclass(frozen=True, slots=True)
class ChargeOutcome:
    status: str
    gateway_charge_id: str = ""
    decline_code: str = ""
    gateway_message: str = ""

    @classmethod
    def from_result(cls, result: ChargeResult) -> ChargeOutcome:
        return cls(
            status=result.status,
            gateway_charge_id=result.gateway_charge_id,
            decline_code=result.decline_code,
            gateway_message=result.message[:255],
        )


def charge_card(
    *,
    account: Account,
    payment_method: PaymentMethod,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    purpose: str,
    by: Actor,
    invoice_id: int | None = None,
    one_time: bool = False,
    description: str = "",
    before_insert: Callable[[], None] | None = None,
) -> Charge:
    """Charge a card on file at most once per ``idempotency_key``.

    ``before_insert``: called inside step 1's transaction just before a *new* charge row is
    inserted; it may lock rows and raise a ``ServiceError`` to refuse (nothing is written). A
    caller uses it to check, serialised with other callers, what the charge may take (Pay Now:
    no more than is due, counting the charges still in flight).

    1. In its own committed transaction: insert the charge as ``pending`` and claim it, or
       find the existing row for the key (a retry, a double click, a crashed worker). A settled
       row (succeeded, declined) or one another caller is talking to the gateway about is
       returned as it is: the gateway is not called.
    2. Outside any transaction: call the gateway with the key. A row that may already have
       reached the gateway (not_attempted, unknown, or pending after a crash) is first asked
       about with ``retrieve_charge``; only if the gateway never saw the key is it charged,
       with the same key.
    3. In a transaction: record the outcome with its audit entry.

    A decline is not an error: the caller reads ``charge.status`` and ``charge.message``, and
    nothing but the charge row changes. Refusals of the input raise before anything is written.
    Call it outside ``transaction.atomic()``: step 1 must commit before the gateway is called.
    """
    method = _chargeable_method(account=account, payment_method=payment_method, one_time=one_time)
    _check_charge_input(
        amount=amount, currency=currency, idempotency_key=idempotency_key, purpose=purpose
    )
    gateway = get_gateway()
    charge, claim = _charge_claim(
        account=account,
        method=method,
        gateway_alias=gateway.alias,
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        purpose=purpose,
        invoice_id=invoice_id,
        description=description[:255],
        before_insert=before_insert,
    )
    if claim is None:
        logger.info("charge %s: %s, gateway not called", charge.pk, charge.status)
        return charge
    outcome = _gateway_charge(gateway=gateway, charge=charge, token=method.token, claim=claim)
    return charge_outcome_record(claim=claim, outcome=outcome, by=by)


def charge_outcome_record(*, claim: Claim, outcome: ChargeOutcome, by: Actor) -> Charge:
    """Record what the gateway said, if the caller still holds the claim. When the claim went
    stale and someone else took over, their call (which asks the gateway first) records it.

    A success is recorded whoever holds the claim, even on a charge already taken for not
    attempted: the gateway took the money, and a success that arrives late must complete the
    purchase or be refunded, never be lost (``charge_late_success_record``)."""
    if outcome.status == Charge.Status.SUCCEEDED:
        late = charge_late_success_record(charge_id=claim.row_id, outcome=outcome, by=by)
        if late is not None:
            return late
    with transaction.atomic():
        charge = charge_lock(claim.row_id)
        if charge.status != Charge.Status.PENDING or charge.attempts != claim.attempt:
            logger.warning(
                "charge %s: claim %s lost, outcome %s left to the current holder",
                charge.pk,
                claim.attempt,
                outcome.status,
            )
            return charge
        charge.status = outcome.status
        charge.gateway_charge_id = outcome.gateway_charge_id or charge.gateway_charge_id
        charge.decline_code = outcome.decline_code
        charge.gateway_message = outcome.gateway_message
        if charge.is_settled:
            charge.settled_at = timezone.now()
        charge.save(
            update_fields=[
                "status",
                "gateway_charge_id",
                "decline_code",
                "gateway_message",
                "settled_at",
            ]
        )
        audit_record(
            by=by,
            action=f"payment.charge_{charge.status}",
            obj=charge,
            account_id=charge.account_id,
            new=snapshot(charge, CHARGE_AUDIT_FIELDS),
        )
    logger.info("charge %s: %s %s", charge.pk, charge.status, charge.decline_code)
    return charge


def charge_late_success_record(
    *, charge_id: int, outcome: ChargeOutcome, by: Actor
) -> Charge | None:
    """Record a success the gateway reported for a charge that no caller is waiting for any
    more (taken for not attempted, or unknown, or claimed by another caller). None when the
    charge is pending under a live claim: its holder records it as usual."""
    with transaction.atomic():
        charge = charge_lock(charge_id)
        if charge.status == Charge.Status.SUCCEEDED:
            return charge
        if charge.status == Charge.Status.PENDING:
            return None
        prior = charge.status
        charge.status = Charge.Status.SUCCEEDED
        charge.gateway_charge_id = outcome.gateway_charge_id or charge.gateway_charge_id
        charge.decline_code = ""
        charge.gateway_message = outcome.gateway_message
        charge.settled_at = timezone.now()
        charge.save(
            update_fields=[
                "status",
                "gateway_charge_id",
                "decline_code",
                "gateway_message",
                "settled_at",
            ]
        )
        audit_record(
            by=by,
            action="payment.charge_succeeded_late",
            obj=charge,
            account_id=charge.account_id,
            old={"status": prior},
            new=snapshot(charge, CHARGE_AUDIT_FIELDS),
        )
    logger.warning("charge %s: success reported late (was %s)", charge.pk, prior)
    return charge


def charge_claim_for_settling(*, charge_id: int, stale_before: datetime) -> Claim | None:
    """Claim an ``unknown`` charge, or a ``pending`` one whose claim is older than
    ``stale_before`` (a crashed caller), to ask the gateway about it. None: nothing to do."""
    with transaction.atomic():
        charge = charge_lock(charge_id)
        if not is_claimable(charge, stale_before=stale_before) or charge.status == (
            Charge.Status.NOT_ATTEMPTED
        ):
            return None
        return claim_row(charge)


def _chargeable_method(
    *, account: Account, payment_method: PaymentMethod, one_time: bool
) -> PaymentMethod:
    # Read again: the card may have been removed since the caller loaded it.
    method = PaymentMethod.objects.filter(pk=payment_method.pk).first()
    if method is None or method.account_id != account.pk:
        raise Invalid(
            "payment_method_other_account",
            _("This payment method does not belong to the account."),
            field="payment_method",
        )
    if method.removed_at is not None:
        raise Refused(
            "payment_method_removed",
            _("This card was removed. Choose another payment method."),
            field="payment_method",
        )
    # Article 003: only an automatic payment method may be charged without the customer's
    # action; a card given for one payment is charged only for that payment (one_time=True).
    # A SEPA mandate (``PaymentMethod.Kind.SEPA_DEBIT``) is charged under the mandate the
    # customer gave for the invoices that name it (``billing.direct_debits``).
    if not method.is_automatic and not one_time and method.kind != PaymentMethod.Kind.SEPA_DEBIT:
        raise Refused(
            "payment_method_not_automatic",
            _(
                "This card was given for a single payment and cannot be charged automatically. "
                "Add a card for automatic payments."
            ),
            field="payment_method",
        )
    return method


def _check_charge_input(
    *, amount: Decimal, currency: str, idempotency_key: str, purpose: str
) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise Invalid(
            "currency_unsupported", _("This currency is not supported."), field="currency"
        )
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise Invalid("amount_invalid", _("The amount must be more than zero."), field="amount")
    if quantize(amount, currency) != amount or amount >= Decimal("1e10"):
        raise Invalid(
            "amount_invalid",
            _("The amount must be given in whole cents."),
            field="amount",
        )
    if not idempotency_key or len(idempotency_key) > 128 or not purpose or len(purpose) > 64:
        raise Invalid(
            "charge_reference_invalid",
            _("A payment needs a reference and a purpose."),
            field="idempotency_key",
        )


def _charge_claim(
    *,
    account: Account,
    method: PaymentMethod,
    gateway_alias: str,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    purpose: str,
    invoice_id: int | None,
    description: str,
    before_insert: Callable[[], None] | None = None,
) -> tuple[Charge, Claim | None]:
    stale_before = timezone.now() - call_grace()
    # Two tries: on PostgreSQL a concurrent caller may insert the same key between our read
    # and our insert; the unique key makes us lose, and the second read finds its row.
    for _try in range(2):
        try:
            with transaction.atomic():
                charge = charge_lock_by_key(idempotency_key)
                if charge is None:
                    if before_insert is not None:
                        before_insert()
                    charge = Charge.objects.create(
                        account=account,
                        payment_method=method,
                        gateway=gateway_alias,
                        amount=amount,
                        currency=currency,
                        idempotency_key=idempotency_key,
                        purpose=purpose,
                        description=description,
                        invoice_id=invoice_id,
                        status=Charge.Status.PENDING,
                        attempts=1,
                        attempted_at=timezone.now(),
                    )
                    return charge, first_claim(charge)
                if (
                    charge.account_id,
                    charge.payment_method_id,
                    charge.amount,
                    charge.currency,
                ) != (
                    account.pk,
                    method.pk,
                    amount,
                    currency,
                ):
                    raise Refused(
                        "idempotency_key_reused",
                        _("This payment reference was already used for a different payment."),
                        field="idempotency_key",
                    )
                if not is_claimable(charge, stale_before=stale_before):
                    return charge, None
                return charge, claim_row(charge)
        except IntegrityError:
            continue
    raise RuntimeError("charge row neither found nor created")  # pragma: no cover


def gateway_retrieve_outcome(
    *, gateway: Gateway, charge: Charge, claim: Claim
) -> ChargeOutcome | None:
    """Ask the gateway what became of the charge. None: it never saw the key (nothing was
    charged). When the gateway cannot answer, the prior status stands."""
    try:
        found = gateway.retrieve_charge(idempotency_key=charge.idempotency_key)
    except Exception:
        logger.warning("charge %s: gateway could not be asked", charge.pk, exc_info=True)
        return ChargeOutcome(status=claim.prior or Charge.Status.UNKNOWN)
    return None if found is None else ChargeOutcome.from_result(found)


def _gateway_charge(*, gateway: Gateway, charge: Charge, token: str, claim: Claim) -> ChargeOutcome:
    if claim.prior is not None:
        known = gateway_retrieve_outcome(gateway=gateway, charge=charge, claim=claim)
        if known is not None:
            return known
    try:
        result = gateway.charge(
            token=token,
            amount=charge.amount,
            currency=charge.currency,
            idempotency_key=charge.idempotency_key,
            description=charge.description,
        )
    except GatewayUnavailable:
        return ChargeOutcome(status=Charge.Status.NOT_ATTEMPTED)
    except IdempotencyKeyReused:
        # The gateway holds another payment under this key and charged nothing for this one.
        return ChargeOutcome(status=Charge.Status.DECLINED, decline_code="idempotency_key_reused")
    except GatewayTimeout:
        return ChargeOutcome(status=Charge.Status.UNKNOWN)
    except Exception:
        # Anything else may have happened after the request left: only the gateway knows.
        logger.exception("charge %s: gateway call failed", charge.pk)
        return ChargeOutcome(status=Charge.Status.UNKNOWN)
    return ChargeOutcome.from_result(result)
