"""Giving money back on a charge that succeeded, at most once per idempotency key.

``refund_charge`` has the three steps of ``services.charge_card``, with the same claims
(``payments.claims``): (1) in its own committed transaction, the refund row is inserted
``pending`` and claimed, or the row of the key found (a settled one is returned as it is); (2)
outside any transaction the gateway is called with the key, after asking it first about a row
that may already have reached it; (3) the outcome is recorded with its audit entry, if the
caller still holds the claim. ``refunds_reconcile`` settles refunds whose outcome is unknown by
asking the gateway, after the same grace as for charges. A refund never gives back more than the
charge took, less what other refunds of it may take (counted under the charge's lock when the
row is inserted).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.money import quantize
from seatwise.payments.claims import Claim, first_claim, is_claimable
from seatwise.payments.claims import claim as claim_row
from seatwise.payments.gateways.base import (
    Gateway,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
    RefundResult,
    get_gateway,
)
from seatwise.payments.lock_objects import charge_lock, refund_lock, refund_lock_by_key
from seatwise.payments.models import Charge, Refund
from seatwise.payments.services import call_grace

logger = logging.getLogger(__name__)

REFUND_AUDIT_FIELDS = [
    "charge_id",
    "amount",
    "currency",
    "idempotency_key",
    "status",
    "gateway_refund_id",
    "failure_code",
    "attempts",
    "credit_note_id",
]


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    status: str
    gateway_refund_id: str = ""
    failure_code: str = ""
    gateway_message: str = ""

    @classmethod
    def from_result(cls, result: RefundResult) -> RefundOutcome:
        return cls(
            status=result.status,
            gateway_refund_id=result.gateway_refund_id,
            failure_code=result.failure_code,
            gateway_message=result.message[:255],
        )


def refundable_amount(charge: Charge) -> Decimal:
    """What a charge can still give back: its amount less the refunds that succeeded or may."""
    taken = Refund.objects.filter(charge=charge).exclude(
        status__in=[Refund.Status.FAILED, Refund.Status.NOT_ATTEMPTED]
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return charge.amount - taken


def refund_charge(
    *,
    charge: Charge,
    amount: Decimal,
    idempotency_key: str,
    reason: str,
    by: Actor,
    credit_note_id: int | None = None,
) -> Refund:
    """Refund ``amount`` of ``charge`` at most once per ``idempotency_key`` (see the module
    docstring). A failed refund is not an error: the caller reads ``refund.status``. Call it
    outside ``transaction.atomic()``: the row must be committed before the gateway is called.
    """
    if (
        not isinstance(amount, Decimal)
        or amount <= 0
        or quantize(amount, charge.currency) != amount
    ):
        raise Invalid("amount_invalid", _("The amount must be more than zero."), field="amount")
    if not idempotency_key or len(idempotency_key) > 128:
        raise Invalid("refund_reference_invalid", _("A refund needs a reference."))
    gateway = get_gateway()
    refund, claim = _refund_claim(
        charge=charge,
        amount=amount,
        idempotency_key=idempotency_key,
        reason=reason[:255],
        credit_note_id=credit_note_id,
        gateway_alias=gateway.alias,
    )
    if claim is None:
        return refund
    outcome = _gateway_refund(gateway=gateway, refund=refund, claim=claim)
    return refund_outcome_record(claim=claim, outcome=outcome, by=by)


def _refund_claim(
    *,
    charge: Charge,
    amount: Decimal,
    idempotency_key: str,
    reason: str,
    credit_note_id: int | None,
    gateway_alias: str,
) -> tuple[Refund, Claim | None]:
    stale_before = timezone.now() - call_grace()
    for _try in range(2):
        try:
            with transaction.atomic():
                refund = refund_lock_by_key(idempotency_key)
                if refund is None:
                    held = charge_lock(charge.pk)
                    if held.status != Charge.Status.SUCCEEDED:
                        raise Refused(
                            "charge_not_succeeded", _("Only a successful payment is refunded.")
                        )
                    if amount > refundable_amount(held):
                        raise Refused(
                            "refund_exceeds_charge",
                            _("The refund is more than the payment can still give back."),
                            field="amount",
                        )
                    refund = Refund.objects.create(
                        charge=held,
                        account_id=held.account_id,
                        gateway=gateway_alias,
                        amount=amount,
                        currency=held.currency,
                        idempotency_key=idempotency_key,
                        reason=reason,
                        credit_note_id=credit_note_id,
                        status=Refund.Status.PENDING,
                        attempts=1,
                        attempted_at=timezone.now(),
                    )
                    return refund, first_claim(refund)
                if (refund.charge_id, refund.amount) != (charge.pk, amount):
                    raise Refused(
                        "idempotency_key_reused",
                        _("This refund reference was already used for a different refund."),
                    )
                if not is_claimable(refund, stale_before=stale_before):
                    return refund, None
                return refund, claim_row(refund)
        except IntegrityError:
            continue
    raise RuntimeError("refund row neither found nor created")  # pragma: no cover


def _retrieve(*, gateway: Gateway, refund: Refund, claim: Claim) -> RefundOutcome | None:
    try:
        found = gateway.retrieve_refund(idempotency_key=refund.idempotency_key)
    except Exception:
        logger.warning("refund %s: gateway could not be asked", refund.pk, exc_info=True)
        return RefundOutcome(status=claim.prior or Refund.Status.UNKNOWN)
    return None if found is None else RefundOutcome.from_result(found)


def _gateway_refund(*, gateway: Gateway, refund: Refund, claim: Claim) -> RefundOutcome:
    if claim.prior is not None:
        known = _retrieve(gateway=gateway, refund=refund, claim=claim)
        if known is not None:
            return known
    try:
        result = gateway.refund(
            gateway_charge_id=refund.charge.gateway_charge_id,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.idempotency_key,
        )
    except GatewayUnavailable:
        return RefundOutcome(status=Refund.Status.NOT_ATTEMPTED)
    except IdempotencyKeyReused:
        return RefundOutcome(status=Refund.Status.FAILED, failure_code="idempotency_key_reused")
    except GatewayTimeout:
        return RefundOutcome(status=Refund.Status.UNKNOWN)
    except Exception:
        logger.exception("refund %s: gateway call failed", refund.pk)
        return RefundOutcome(status=Refund.Status.UNKNOWN)
    return RefundOutcome.from_result(result)


def refund_outcome_record(*, claim: Claim, outcome: RefundOutcome, by: Actor) -> Refund:
    """Record what the gateway said, if the caller still holds the claim; a success whoever
    holds it (money that left is never forgotten)."""
    with transaction.atomic():
        refund = refund_lock(claim.row_id)
        held = refund.status == Refund.Status.PENDING and refund.attempts == claim.attempt
        late_success = outcome.status == Refund.Status.SUCCEEDED and refund.status != (
            Refund.Status.SUCCEEDED
        )
        if not held and not late_success:
            return refund
        refund.status = outcome.status
        refund.gateway_refund_id = outcome.gateway_refund_id or refund.gateway_refund_id
        refund.failure_code = outcome.failure_code
        refund.gateway_message = outcome.gateway_message
        if refund.is_settled:
            refund.settled_at = timezone.now()
        refund.save(
            update_fields=[
                "status",
                "gateway_refund_id",
                "failure_code",
                "gateway_message",
                "settled_at",
            ]
        )
        audit_record(
            by=by,
            action=f"payment.refund_{refund.status}",
            obj=refund,
            account_id=refund.account_id,
            new=snapshot(refund, REFUND_AUDIT_FIELDS),
        )
    return refund


def refunds_reconcile(*, by: Actor) -> int:
    """Settle refunds whose outcome is unknown, after the grace, by asking the gateway."""
    stale_before = timezone.now() - call_grace()
    ids = list(
        Refund.objects.filter(
            Q(status=Refund.Status.UNKNOWN, attempted_at__lt=stale_before)
            | Q(status=Refund.Status.PENDING, attempted_at__lt=stale_before)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    gateway = get_gateway()
    settled = 0
    for refund_id in ids:
        with transaction.atomic():
            refund = refund_lock(refund_id)
            if not is_claimable(refund, stale_before=stale_before):
                continue
            claim = claim_row(refund)
        outcome = _retrieve(gateway=gateway, refund=refund, claim=claim)
        if outcome is None:
            outcome = RefundOutcome(status=Refund.Status.NOT_ATTEMPTED)
        if refund_outcome_record(claim=claim, outcome=outcome, by=by).is_settled:
            settled += 1
    return settled
