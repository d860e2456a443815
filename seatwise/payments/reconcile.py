"""Settling charges whose outcome is unknown (issue 4: an unknown outcome is settled by asking
the gateway, never by charging again)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.payments.gateways.base import get_gateway
from seatwise.payments.models import Charge
from seatwise.payments.services import (
    ChargeOutcome,
    charge_claim_for_settling,
    charge_outcome_record,
    gateway_retrieve_outcome,
)

logger = logging.getLogger(__name__)


def charges_reconcile(*, older_than: timedelta = timedelta(minutes=1), by: Actor) -> int:
    """Settle every ``unknown`` charge, and every ``pending`` one whose caller has held it for
    longer than ``older_than`` (it crashed, or the gateway hangs), by asking the gateway with
    ``retrieve_charge``: found → its status; never seen → ``not_attempted``, which a later
    ``charge_card`` with the same key may retry. Never calls ``charge``.

    Idempotent and safe to run concurrently with itself and with ``charge_card``: each row is
    claimed under its lock first. Returns how many charges left ``unknown``/``pending``.
    """
    stale_before = timezone.now() - older_than
    candidates = list(
        Charge.objects.filter(
            Q(status=Charge.Status.UNKNOWN)
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
    logger.info("reconciled %s of %s charges", settled, len(candidates))
    return settled
