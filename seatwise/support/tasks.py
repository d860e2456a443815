"""Background tasks of customer service. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task

from seatwise.support.cases import unconfirmed_requests_prune


@task()
def unconfirmed_requests_prune_task() -> int:
    """Forget visitors' requests whose confirmation link was never opened (a week old)."""
    return unconfirmed_requests_prune()
