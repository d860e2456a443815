"""``manage.py task_worker``: the database backend's task worker as ``scripts/serve.sh worker``
runs it: django-tasks-db's ``db_worker`` (same options), which first loads what the tasks use
(``core.tasking.worker_preload``), so that the first order after a start does not wait for
WeasyPrint, the templates and the schemas to load. The Redis backend's worker does the same
(``core.rq_workers.ServingWorker``)."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from seatwise.core.tasking import worker_preload


class Command(DatabaseWorkerCommand):
    help = "Run the database backend's task worker after loading what the tasks use."

    def handle(self, *args: Any, **options: Any) -> None:
        worker_preload()
        super().handle(*args, **options)
