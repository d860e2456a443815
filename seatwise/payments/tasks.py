from __future__ import annotations

from django.tasks import task

from seatwise.audit.actors import Actor
from seatwise.payments.reconcile import charges_reconcile


@task()
def reconcile_charges_task() -> int:
    """Settle charges whose outcome is unknown. Idempotent: a settled charge is left alone, and
    the gateway is only asked, never charged."""
    return charges_reconcile(by=Actor.system("payments.reconciler"))
