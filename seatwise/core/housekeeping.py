"""Periodic clean-up of data that only serves for a while (``core.schedule`` runs it)."""

from __future__ import annotations

from django.tasks import task

from seatwise.core.ratelimit import rate_limits_prune


@task()
def rate_limits_prune_task() -> int:
    """Delete rate-limit counters of windows long past. Idempotent."""
    return rate_limits_prune()
