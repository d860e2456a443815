"""Background tasks of the sales pipeline. Idempotent: delivery is at least once, and a
worker may be killed at any point (each step is done once, ``sales.runner``).

- ``purchases_resume_task()`` — every minute: runs again the open purchases whose time has
  come (a charge's outcome settled since, a purchase whose worker or caller crashed).
"""

from __future__ import annotations

from django.tasks import task

from seatwise.audit.actors import Actor
from seatwise.sales.runner import purchases_resume


@task()
def purchases_resume_task() -> int:
    """Run again the open purchases whose ``resume_at`` has come; how many ended."""
    return purchases_resume(by=Actor.system("sales.resume"))
