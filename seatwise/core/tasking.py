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

import gc
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.tasks import Task
from django.tasks.signals import task_enqueued
from django.utils import translation
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
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


def enqueue_many_on_commit(task: Task[..., Any], calls: Sequence[dict[str, Any]]) -> None:
    """``enqueue_on_commit(task, **kwargs)`` for each keyword set of ``calls`` (a batch job's
    hand-over): on the database backend the task rows are inserted in one statement, in the
    caller's transaction, as the backend's own ``enqueue`` would store each (the same
    columns, its ``task_enqueued`` signal sent for each); with a broker each is enqueued
    when the transaction commits."""
    if not calls:
        return
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for kwargs in calls:
            enqueue_on_commit(task, **kwargs)
        return
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend.validate_task(task)
    # What the package's pre_save handler sets on each row (bulk_create sends no signals).
    run_after = task.run_after if task.run_after is not None else get_date_max()
    rows = DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=run_after,
                backend_name=backend.alias,
            )
            for kwargs in calls
        ]
    )
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


def worker_preload() -> None:
    """Load in this process, before a task worker's first task, what the tasks use: the
    callables of ``settings.SEATWISE_TASK_PRELOAD`` (WeasyPrint and its fonts, every template,
    the e-invoice schemas) and every language's translations; then keep it out of the garbage
    collector's full passes. ``scripts/serve.sh worker`` runs it on either backend
    (``core.rq_workers.ServingWorker``, ``manage.py task_worker``); the tests' workers, started
    hundreds of times, do not."""
    for path in settings.SEATWISE_TASK_PRELOAD:
        import_string(path)()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("")
    # Tasks open their connections when they need them (a forked process never shares one).
    connections.close_all()
    # What is loaded now stays out of the garbage collector's full passes, which would walk it
    # again and again (and, in a forked process, write to every page of it).
    gc.freeze()
