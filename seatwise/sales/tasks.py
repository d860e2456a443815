"""Background tasks of the sales pipeline. Idempotent: delivery is at least once, and a
worker may be killed at any point (each step is done once, ``sales.runner``).

- ``purchases_resume_task()`` — every minute: runs again the open purchases whose time has
  come (a charge's outcome settled since, a purchase whose worker or caller crashed).
- ``purchases_run_task(purchase_ids)`` — the remaining steps of purchases handed over by a
  batch job (the bill run's renewals, once invoiced: their charges are taken here, by as
  many workers as run, never by the run itself).
"""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from seatwise.audit.actors import Actor
from seatwise.sales.runner import purchases_resume, purchases_run


@task()
def purchases_resume_task() -> int:
    """Run again the open purchases whose ``resume_at`` has come; how many ended."""
    return purchases_resume(by=Actor.system("sales.resume"))


@task()
def purchases_run_task(*, purchase_ids: list[int]) -> int:
    """Run the remaining steps of these purchases; how many ended (completed or failed)."""
    ran = purchases_run(
        purchase_ids,
        by=Actor.system("sales.run"),
        concurrency=settings.SEATWISE_PURCHASE_CONCURRENCY,
    )
    return sum(purchase.status != purchase.Status.OPEN for purchase in ran)
