"""Background tasks of quotes and service orders. Each is idempotent: delivery is at least
once, and a worker may be killed at any point.

- ``service_order_process_task(*, order_id)`` — enqueued by ``service_order_place`` in the
  transaction that places the order; runs ``pipeline.service_order_process``.
- ``quotes_expire_task()`` — the 7-day expiry job (schedule it, e.g. every few minutes).
- ``service_orders_resume_task(*, older_than_seconds=120)`` — processes again the placed
  orders left unfinished (a killed worker, a charge the payments reconciler has since
  settled); schedule it every minute, after ``payments.tasks.reconcile_charges_task``.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.ordering.pipeline import service_order_process, service_orders_resume
from seatwise.ordering.services import quotes_expire


@task()
def service_order_process_task(*, order_id: int) -> str:
    """Process one placed service order; returns its status afterwards."""
    return str(service_order_process(order_id=order_id).status)


@task()
def quotes_expire_task() -> int:
    """Expire the open quotes whose 7 days have passed; returns how many."""
    return quotes_expire(now=timezone.now(), by=Actor.system("ordering.quotes_expire"))


@task()
def service_orders_resume_task(*, older_than_seconds: int = 120) -> int:
    """Finish the placed orders still unfinished ``older_than_seconds`` after placing."""
    return service_orders_resume(
        older_than=timedelta(seconds=older_than_seconds),
        by=Actor.system("ordering.resume"),
    )
