"""Background tasks of notifications. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from seatwise.notifications.delivery import due_for_relay, email_deliver

# E-mail goes first: a confirmation never waits behind the orders of a burst. On Redis the
# workers take the mail queue before the default one (scripts/serve.sh worker); on the
# database backend's one queue of every task, this priority does it.
MAIL_PRIORITY = 10


@task(queue_name="mail", priority=MAIL_PRIORITY)
def deliver_email(*, email_id: int) -> str | None:
    """One attempt to send a queued e-mail (``notifications.delivery``). A failure is recorded
    on the message (and retried later or marked failed), never raised: the task itself
    succeeds. Idempotent: a message that is not due, sent, failed or taken is left alone."""
    outcome = email_deliver(email_id=email_id)
    return outcome.verdict if outcome is not None else None


@task(queue_name="mail")
def outbox_relay_task() -> int:
    """Enqueue an attempt for every message whose attempt is due and that no task will make:
    retries whose time has come, attempts of a killed worker, first attempts whose task was
    lost. Idempotent: an attempt is claimed once, whatever the number of tasks."""
    due = due_for_relay(now=timezone.now())
    for email_id in due:
        deliver_email.enqueue(email_id=email_id)
    return len(due)
