"""Background tasks of payments. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.payments.reconcile import charges_reconcile
from seatwise.payments.reminders import card_expiry_reminders_send


@task()
def reconcile_charges_task() -> int:
    """Settle charges whose outcome is unknown. Idempotent: a settled charge is left alone, and
    the gateway is only asked, never charged."""
    return charges_reconcile(by=Actor.system("payments.reconciler"))


@task()
def card_expiry_reminders_task(*, on: str | None = None) -> int:
    """E-mail the card-expiry reminders due on ``on`` (ISO date; today when empty). Idempotent:
    each reminder is sent once per card (``payments.reminders``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return card_expiry_reminders_send(on=day, by=Actor.system("payments.card_expiry_reminders"))
