"""Background tasks of accounts. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils import timezone

from seatwise.accounts.purchase_orders import purchase_order_reminders_send
from seatwise.audit.actors import Actor


@task()
def purchase_order_reminders_task(*, on: str | None = None) -> int:
    """E-mail the purchase-order expiry reminders due on ``on`` (ISO date; today when empty).
    Idempotent: each purchase order is reminded once (``accounts.purchase_orders``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return purchase_order_reminders_send(
        on=day, by=Actor.system("accounts.purchase_order_reminders")
    )
