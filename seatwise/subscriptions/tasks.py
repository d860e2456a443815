"""Background tasks of subscriptions: the daily trial jobs. Each is idempotent: delivery is at
least once."""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.subscriptions.trials import trial_reminders_send, trials_expire


@task()
def trials_expire_task(*, on: str | None = None) -> int:
    """Expire the trials that end on or before ``on`` (ISO date; today when empty). Nothing is
    charged; a trial expired already is left alone (``subscriptions.trials``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return trials_expire(on=day, by=Actor.system("subscriptions.trials"))


@task()
def trial_reminders_task(*, on: str | None = None) -> int:
    """E-mail the reminders of the trials that end within 7 days (ISO date ``on``; today when
    empty), each reminder once per trial (``subscriptions.trials``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return trial_reminders_send(on=day, by=Actor.system("subscriptions.trials"))
