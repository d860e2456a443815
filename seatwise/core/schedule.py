"""Every periodic job of Seatwise, in one place (issue 4: renewals, dunning and reminders run
on a schedule).

The scheduler is django-crontask's ``manage.py crontask``: one process that, at each cron
time below (UTC, ``TIME_ZONE``), *enqueues* the task; a task worker (``manage.py db_worker``)
runs it. The scheduler loads every installed app's ``tasks`` module, and
``seatwise.core.tasks`` calls ``schedule_register()``. Run exactly one scheduler; a second
one (or a restart at the wrong moment) only enqueues a job twice, and every job is idempotent
because task delivery is at least once anyway:

- renewals: each term is invoiced and charged once (``billing.renewals``);
- the charge reconciler only asks the gateway, never charges (``payments.reconcile``);
- settling purchases completes each purchase at most once and never calls the gateway
  (``billing.settlement``);
- resuming service orders picks up each order where it stopped (``ordering.pipeline``);
- expiring quotes moves only quotes still open past their 7 days (``ordering.services``);
- card-expiry reminders are recorded once per card and reminder (``payments.reminders``);
- the outbox relay only enqueues attempts, and each attempt is claimed once
  (``notifications.delivery``);
- pruning unconfirmed support requests and old rate-limit counters deletes only what is old.

A run the scheduler missed (it was stopped at that minute) is not replayed: each job catches
up on its next run, because it works from the state of the data (subscriptions due on or
before today, charges still unknown, reminders whose window has opened) and not from the
time it was started.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections
from django.tasks import Task, TaskResult
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    task_path: str
    cron: str  # minute hour day-of-month month day-of-week, in UTC
    description: str


SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "seatwise.billing.tasks.renewals_run_task",
        "0 3 * * *",
        "renew the subscriptions due today, retry failed renewal charges, suspend after the "
        "last try",
    ),
    PeriodicJob(
        "seatwise.payments.tasks.reconcile_charges_task",
        "* * * * *",
        "settle charges whose outcome is unknown by asking the gateway",
    ),
    PeriodicJob(
        "seatwise.billing.tasks.purchases_settle_task",
        "* * * * *",
        "complete (or void) the Billing Center purchases whose charge has since been settled",
    ),
    PeriodicJob(
        "seatwise.ordering.tasks.service_orders_resume_task",
        "* * * * *",
        "process again the placed service orders left unfinished (a killed worker, a charge "
        "settled since)",
    ),
    PeriodicJob(
        "seatwise.ordering.tasks.quotes_expire_task",
        "0 * * * *",
        "expire the open quotes whose 7 days have passed",
    ),
    PeriodicJob(
        "seatwise.payments.tasks.card_expiry_reminders_task",
        "0 7 * * *",
        "e-mail the billing contact 30 and 7 days before the default card expires",
    ),
    PeriodicJob(
        "seatwise.notifications.tasks.outbox_relay_task",
        "* * * * *",
        "send again the e-mails whose next attempt is due, and those of a killed worker",
    ),
    PeriodicJob(
        "seatwise.support.tasks.unconfirmed_requests_prune_task",
        "30 4 * * *",
        "forget visitors' support requests whose confirmation link was never opened",
    ),
    PeriodicJob(
        "seatwise.core.housekeeping.rate_limits_prune_task",
        "15 * * * *",
        "delete the counters of rate-limit windows long past",
    ),
)


class ScheduledTask(Task[..., Any]):
    """A task as the scheduler enqueues it: the same task path, so the worker runs the task
    itself; enqueued with a usable database connection.

    The scheduler enqueues from its own long-lived threads, where no request ends to close a
    connection: without this, a connection broken by a database restart (or older than
    ``CONN_MAX_AGE``) would make every later enqueue of that thread fail.
    """

    def enqueue(self, *args: Any, **kwargs: Any) -> TaskResult[..., Any]:
        close_old_connections()
        try:
            result = super().enqueue(*args, **kwargs)
        finally:
            close_old_connections()
        logger.info("scheduled %s: enqueued as %s", self.module_path, result.id)
        return result


def scheduled_task(task: Task[..., Any]) -> ScheduledTask:
    return ScheduledTask(
        func=task.func,
        priority=task.priority,
        backend=task.backend,
        queue_name=task.queue_name,
        run_after=task.run_after,
        takes_context=task.takes_context,
    )


_registered = False


def schedule_register() -> None:
    """Register every job of ``SCHEDULE`` with django-crontask's scheduler, once per process.
    A task path that does not import fails loudly: the scheduler does not start without it."""
    global _registered
    if _registered:
        return
    from crontask import cron

    for job in SCHEDULE:
        task = import_string(job.task_path)
        if not isinstance(task, Task):
            raise TypeError(f"{job.task_path} is not a task")
        cron(job.cron)(scheduled_task(task))
    _registered = True
