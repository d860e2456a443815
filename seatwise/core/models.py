from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


class ChoiceLabels(models.Model):
    """A model whose ``get_<field>_display()`` looks its label up once per value and language.

    Django's builds the field's whole list of choices into a dictionary on every call (9-13 µs:
    a list of subscriptions shows three per row). Here the label of each value is kept per
    language (``_label``); what it returns is what Django's returns.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        label = _label(field, make_hashable(value), get_language())
        return force_str(value, strings_only=True) if label is _NOT_A_CHOICE else label


_NOT_A_CHOICE = object()


@lru_cache(maxsize=4096)
def _label(field: models.Field[Any, Any], value: Any, language: str | None) -> Any:
    """The label of ``value`` (made hashable) in ``language``, or ``_NOT_A_CHOICE``."""
    choices = dict(make_hashable(field.flatchoices))
    return force_str(choices[value], strings_only=True) if value in choices else _NOT_A_CHOICE


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _label.cache_clear()


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
