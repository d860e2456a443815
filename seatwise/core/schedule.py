"""Every periodic job of Seatwise, in one place.

The scheduler is django-crontask's ``manage.py crontask``: one process that, at each cron
time below (UTC, ``TIME_ZONE``), *enqueues* the task; a task worker runs it. The scheduler loads
every installed app's ``tasks`` module, and ``seatwise.core.tasks`` calls
``schedule_register()``. Schedulers may run on every host: before it enqueues a job, a
scheduler records the job's run of that minute (``ScheduledRun``, unique per job and minute),
and only the one whose record goes in enqueues it. Every job is idempotent anyway, because task
delivery is at least once:

- renewals: each term is invoiced and charged once (``billing.renewals``);
- direct debits: each invoice is debited by one purchase, once (``billing.direct_debits``);
- the charge reconciler only asks the gateway, never charges (``payments.reconcile``);
- resuming purchases does each step of a purchase once, and only asks the gateway about a
  charge already made (``sales.runner``);
- expiring quotes moves only quotes still open past their 7 days (``ordering.services``);
- card-expiry reminders are recorded once per card and reminder (``payments.reminders``);
- purchase-order reminders are sent once per account, number and expiration date
  (``accounts.purchase_orders``);
- expiring trials moves only trials still running past their end, and each trial reminder is
  recorded once per trial (``subscriptions.trials``);
- archiving documents stores each document's file once (a unique constraint per document and
  format), and leaves what is stored as it is (``invoicing.archive``);
- the outbox relay only enqueues attempts, and each attempt is claimed once
  (``notifications.delivery``);
- pruning unconfirmed support requests, old rate-limit counters and expired sessions deletes
  only what is old.

A run the scheduler missed (it was stopped at that minute) is not replayed: each job catches
up on its next run, because it works from the state of the data (subscriptions due on or
before today, charges still unknown, reminders whose window has opened) and not from the
time it was started.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from seatwise.core.models import ScheduledRun
from seatwise.core.tasking import is_task

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
        "seatwise.billing.tasks.direct_debits_collect_task",
        "0 6 * * *",
        "debit the open invoices paid by SEPA direct debit whose due date has come, under "
        "their mandates, once each",
    ),
    PeriodicJob(
        "seatwise.subscriptions.tasks.trials_expire_task",
        "30 2 * * *",
        "expire the free trials whose end has come (never charged)",
    ),
    PeriodicJob(
        "seatwise.subscriptions.tasks.trial_reminders_task",
        "0 7 * * *",
        "e-mail the billing contact 7 days and 1 day before a free trial ends",
    ),
    PeriodicJob(
        "seatwise.payments.tasks.reconcile_charges_task",
        "* * * * *",
        "settle charges whose outcome is unknown by asking the gateway",
    ),
    PeriodicJob(
        "seatwise.sales.tasks.purchases_resume_task",
        "* * * * *",
        "run again the open purchases: a charge settled since, a crashed worker's purchase",
    ),
    PeriodicJob(
        "seatwise.billing.tasks.late_payments_settle_task",
        "* * * * *",
        "refund the payments no purchase kept (arrived after their purchase was cancelled, or "
        "with nothing left to pay)",
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
        "seatwise.accounts.tasks.purchase_order_reminders_task",
        "5 7 * * *",
        "e-mail the billing contact 14 days before the purchase order expires",
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
        "seatwise.invoicing.tasks.documents_archive_pending_task",
        "*/10 * * * *",
        "render and archive the PDF and UBL of the issued documents that have none yet (their "
        "task lost with a broker, or issued before archiving)",
    ),
    PeriodicJob(
        "seatwise.core.housekeeping.rate_limits_prune_task",
        "15 * * * *",
        "delete the counters of rate-limit windows long past",
    ),
    PeriodicJob(
        "seatwise.sessions.tasks.sessions_prune_task",
        "40 4 * * *",
        "delete the sessions past their expiry",
    ),
    PeriodicJob(
        "seatwise.core.housekeeping.heartbeat_task",
        "* * * * *",
        "show that a worker runs tasks (its age is on /readyz)",
    ),
    PeriodicJob(
        "seatwise.core.housekeeping.tasks_janitor_task",
        "*/5 * * * *",
        "queue again the tasks a killed worker left running (database task backend)",
    ),
    PeriodicJob(
        "seatwise.core.housekeeping.task_results_prune_task",
        "45 4 * * *",
        "delete finished task results and scheduler records past their use",
    ),
)


class ScheduledTask:
    """A task as the scheduler enqueues it: once per period whatever the number of schedulers,
    and with a usable database connection.

    The scheduler enqueues from its own long-lived threads, where no request ends to close a
    connection: without this, a connection broken by a database restart (or older than
    ``CONN_MAX_AGE``) would make every later enqueue of that thread fail.
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self.module_path: str = task.module_path
        self.name: str = task.name

    def enqueue(self) -> Any:
        """Enqueue the job, unless a scheduler (on this host or another) did for this period."""
        close_old_connections()
        try:
            if not scheduled_run_claim(job=self.module_path, now=timezone.now()):
                logger.info("scheduled %s: enqueued by another scheduler", self.module_path)
                return None
            result = self.task.enqueue()
        finally:
            close_old_connections()
        logger.info("scheduled %s: enqueued as %s", self.module_path, result.id)
        return result


def period_of(now: datetime) -> datetime:
    """The minute a scheduled run belongs to: the nearest whole minute, so that schedulers
    whose clocks differ by less than half a minute agree on it."""
    return (now + timedelta(seconds=30)).replace(second=0, microsecond=0)


def scheduled_run_claim(*, job: str, now: datetime) -> bool:
    """Record the job's run of this period; False when another scheduler recorded it first."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job, period=period_of(now), enqueued_at=now)
    except IntegrityError:
        return False
    return True


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
        if not is_task(task):
            raise TypeError(f"{job.task_path} is not a task")
        cron(job.cron)(ScheduledTask(task))
    _registered = True
