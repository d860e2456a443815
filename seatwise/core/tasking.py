"""Enqueueing a task so that it runs after the caller's transaction commits, and is never lost.

- Database backend (the embedded default): enqueued at once, in the caller's transaction: the
  task row commits with the data that causes it, or not at all.
- A broker (Redis + RQ): enqueued when the transaction commits, so that no worker runs it
  before the data exists, and none for data rolled back. A process that dies between the
  commit and the enqueue loses the message to Redis, not the work: every task enqueued this
  way has a periodic job that sweeps up what is left undone (the outbox relay for e-mails,
  the resumption of service orders); the caller says which.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.tasks import Task
from django_tasks_db import DatabaseBackend

logger = logging.getLogger(__name__)


def is_task(value: object) -> bool:
    """A task of Django's task framework (django.tasks), or of the django-tasks package that
    the Redis backend builds its tasks with."""
    if isinstance(value, Task):
        return True
    try:
        from django_tasks.base import Task as PackageTask
    except ImportError:  # the Redis backend is not installed
        return False
    return isinstance(value, PackageTask)


def enqueue_on_commit(task: Task[..., Any], **kwargs: Any) -> None:
    """Enqueue ``task(**kwargs)`` with the caller's transaction (see the module docstring)."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
        return

    def enqueue() -> None:
        task.enqueue(**kwargs)

    # robust: a broker that is down must not fail the request that already committed; the
    # periodic sweep does the work later.
    transaction.on_commit(enqueue, robust=True)
