"""The task worker of the configured backend, as tests run it, and what waits in its queues."""

from __future__ import annotations

import os


def worker_command() -> list[str]:
    """The task worker of the configured backend, run until the queues are empty.

    Without the system checks: they import every URL module (WeasyPrint, factur-x, the API)
    and parse the help library, two of the three seconds of CPU a worker start costs, and a
    test starts a worker hundreds of times. The checks run in ``manage.py check`` and the
    suite's own tests of them (tests/test_operations.py starts its workers with them).
    """
    import sys

    from django.conf import settings

    if settings.SEATWISE_TASK_BACKEND == "rq":
        # RQ's SimpleWorker runs each job in the worker's own process (no forked work-horse):
        # a job that kills its process (the crash tests' fault hook) kills the worker itself.
        # Ours exits as soon as its jobs are done (seatwise/core/rq_workers.py).
        return [
            sys.executable,
            "manage.py",
            "rqworker",
            "mail",
            "default",
            "documents",
            "--job-class",
            "django_tasks_rq.Job",
            "--worker-class",
            "seatwise.core.rq_workers.SimpleWorker",
            "--burst",
            "--verbosity",
            "0",
            "--skip-checks",
        ]
    return [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--queue-name",
        "*",
        "--verbosity",
        "0",
        "--skip-checks",
    ]


def worker_env() -> dict[str, str]:
    """The environment of a worker process on the test's database and mail server."""
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        env["SEATWISE_SQLITE_PATH"] = str(name)
    else:
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{url}/{name}"
    mailer = settings.MAILERS["default"]
    if mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        # The test's mail server (the smtp_server fixture, or one the test started).
        options = mailer["OPTIONS"]
        env["SEATWISE_SMTP_HOST"] = options["host"]
        env["SEATWISE_SMTP_PORT"] = str(options["port"])
        env["SEATWISE_SMTP_TIMEOUT"] = str(options.get("timeout", 10))
    return env


def queued_tasks() -> list[tuple[str, dict[str, object]]]:
    """The tasks waiting in the queues, as (task path, keyword arguments), oldest first."""
    from django.conf import settings

    if settings.SEATWISE_TASK_BACKEND == "rq":
        import django_rq

        jobs = [job for name in settings.TASK_QUEUES for job in django_rq.get_queue(name).jobs]
        return [(job.func_name, dict(job.kwargs)) for job in jobs]
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.ready().order_by("enqueued_at")
    return [(row.task_path, dict(row.args_kwargs["kwargs"])) for row in rows]
