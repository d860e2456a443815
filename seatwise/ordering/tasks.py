"""Background tasks of quotes and service orders. Each is idempotent: delivery is at least
once, and a worker may be killed at any point.

- ``service_order_process_task(*, order_id)`` — enqueued by ``service_order_place`` in the
  transaction that places the order; runs the order's purchase (``pipeline``). A killed
  worker's order is finished by the sales pipeline's resume job
  (``sales.tasks.purchases_resume_task``).
- ``quotes_expire_task()`` — the 7-day expiry job (schedule it, e.g. every few minutes).
"""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.ordering.pipeline import service_order_process
from seatwise.ordering.services import quotes_expire


@task()
def service_order_process_task(*, order_id: int) -> str:
    """Process one placed service order; returns its status afterwards."""
    return str(service_order_process(order_id=order_id).status)


@task()
def quotes_expire_task() -> int:
    """Expire the open quotes whose 7 days have passed; returns how many."""
    return quotes_expire(now=timezone.now(), by=Actor.system("ordering.quotes_expire"))
