from __future__ import annotations

from django.db import models


class RateLimitCounter(models.Model):
    """How often one key (an action and who or where it comes from) was used in one window.

    Written only by ``seatwise.core.ratelimit`` (``rate_limit_hit``, one atomic upsert per hit,
    or per leased block of hits), so that concurrent requests can never pass a limit together.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_limit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_limit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.hits}"


class ScheduledRun(models.Model):
    """A periodic job enqueued for one period (``seatwise.core.schedule``): unique per job and
    minute, so that schedulers on several hosts enqueue each job once per period."""

    job = models.CharField(max_length=200)
    period = models.DateTimeField()
    enqueued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once_per_period")
        ]
        indexes = [models.Index(fields=["period"], name="scheduled_run_period_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """When a process last showed it works (``core.housekeeping.heartbeat_task``, run by a task
    worker each minute); ``/readyz`` reports its age."""

    name = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
