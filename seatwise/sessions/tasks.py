"""Background tasks of the sessions. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task

from seatwise.sessions.services import sessions_prune


@task()
def sessions_prune_task() -> int:
    """Delete the sessions past their expiry (Django's database engine never does)."""
    return sessions_prune()
