"""Periodic care of the installation itself (``core.schedule`` runs these): rate-limit counters
and scheduler records past their use, finished task results, tasks left running by a worker
that was killed, and the workers' heartbeat for ``/readyz``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from seatwise.core.models import Heartbeat, ScheduledRun
from seatwise.core.ratelimit import rate_limits_prune

WORKER_HEARTBEAT = "worker"
SCHEDULED_RUNS_KEEP = timedelta(days=2)


@task()
def rate_limits_prune_task() -> int:
    """Delete rate-limit counters of windows long past. Idempotent."""
    return rate_limits_prune()


@task()
def heartbeat_task() -> str:
    """A worker ran a task just now (the scheduler enqueues this each minute)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=WORKER_HEARTBEAT, defaults={"at": now})
    return now.isoformat()


@task()
def task_results_prune_task() -> int:
    """Delete finished task results older than ``SEATWISE_TASK_RESULTS_KEEP`` and scheduler
    records older than two days (the database backend; RQ expires its results itself)."""
    deleted, _details = ScheduledRun.objects.filter(
        period__lt=timezone.now() - SCHEDULED_RUNS_KEEP
    ).delete()
    if settings.SEATWISE_TASK_BACKEND != "database":
        return deleted
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(
        finished_at__lt=timezone.now() - settings.SEATWISE_TASK_RESULTS_KEEP
    )
    results, _details = old.delete()
    return deleted + results


@task()
def tasks_janitor_task() -> int:
    """Run again the tasks a killed worker left "running" (the database backend keeps no
    heartbeat of its workers): those started longer than ``SEATWISE_TASK_VISIBILITY_TIMEOUT``
    ago go back to the queue. Every task is idempotent, so a slow one run twice is harmless."""
    if settings.SEATWISE_TASK_BACKEND != "database":
        return 0
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    stale = DBTaskResult.objects.running().filter(
        started_at__lt=timezone.now() - settings.SEATWISE_TASK_VISIBILITY_TIMEOUT
    )
    return stale.update(status=TaskResultStatus.READY, started_at=None)
