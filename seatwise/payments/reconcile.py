"""Settling gateway calls whose outcome Seatwise does not know, by asking the gateway, never by
charging or refunding again.

A charge or refund is asked about once its call is surely over: ``SEATWISE_GATEWAY_GRACE_SECONDS``
after it started, longer than the gateway client's timeout. Until the gateway says otherwise an
``unknown`` outcome stays unknown:

- the gateway reports it → that outcome (succeeded, declined / failed);
- the gateway never saw the key, and the grace has passed → ``not_attempted``;
- the gateway cannot be asked → unchanged, asked again on the next run.

A call taken for ``not_attempted`` is asked about again for ``LATE_SUCCESS_WINDOW``: a gateway
that answers after the caller gave up may have charged after all. Such a late success is
recorded (``services.charge_late_success_record``), and the purchase it belongs to is then
completed, or refunded if it was already voided (``billing.pipeline``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.payments.gateways.base import Gateway, get_gateway
from seatwise.payments.models import Charge
from seatwise.payments.refunds import refunds_reconcile
from seatwise.payments.services import (
    ChargeOutcome,
    call_grace,
    charge_claim_for_settling,
    charge_late_success_record,
    charge_outcome_record,
    gateway_retrieve_outcome,
)

logger = logging.getLogger(__name__)

LATE_SUCCESS_WINDOW = timedelta(days=1)


def charges_reconcile(*, by: Actor) -> int:
    """Settle the charges whose outcome is unknown (see the module docstring), and look for
    late successes of recent ``not_attempted`` ones. Idempotent and safe next to
    ``charge_card``: each row is claimed under its lock first. Returns how many were settled.
    """
    stale_before = timezone.now() - call_grace()
    candidates = list(
        Charge.objects.filter(
            Q(status=Charge.Status.UNKNOWN, attempted_at__lt=stale_before)
            | Q(status=Charge.Status.UNKNOWN, attempted_at__isnull=True)
            | Q(status=Charge.Status.PENDING, attempted_at__isnull=True)
            | Q(status=Charge.Status.PENDING, attempted_at__lt=stale_before)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    gateway = get_gateway()
    settled = 0
    for charge_id in candidates:
        claim = charge_claim_for_settling(charge_id=charge_id, stale_before=stale_before)
        if claim is None:
            continue
        charge = Charge.objects.get(pk=charge_id)
        outcome = gateway_retrieve_outcome(gateway=gateway, charge=charge, claim=claim)
        if outcome is None:
            outcome = ChargeOutcome(status=Charge.Status.NOT_ATTEMPTED)
        recorded = charge_outcome_record(claim=claim, outcome=outcome, by=by)
        if recorded.status not in {Charge.Status.UNKNOWN, Charge.Status.PENDING}:
            settled += 1
    settled += _late_successes(gateway=gateway, by=by)
    settled += refunds_reconcile(by=by)
    logger.info("reconciled %s of %s charges", settled, len(candidates))
    return settled


def _late_successes(*, gateway: Gateway, by: Actor) -> int:
    """Ask again about the charges taken for not attempted within ``LATE_SUCCESS_WINDOW``."""
    now = timezone.now()
    recent = Charge.objects.filter(
        status=Charge.Status.NOT_ATTEMPTED,
        attempted_at__gte=now - LATE_SUCCESS_WINDOW,
        attempted_at__lt=now - call_grace(),
    ).order_by("pk")
    found = 0
    for charge in recent:
        try:
            result = gateway.retrieve_charge(idempotency_key=charge.idempotency_key)
        except Exception:
            logger.warning("charge %s: gateway could not be asked", charge.pk, exc_info=True)
            continue
        if result is not None and result.status == "succeeded":
            charge_late_success_record(
                charge_id=charge.pk, outcome=ChargeOutcome.from_result(result), by=by
            )
            found += 1
    return found
