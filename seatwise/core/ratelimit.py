"""Fixed-window rate limits, counted atomically in the database.

``rate_limit_hit(key=…, limit=…, window=…)`` counts one use of ``key`` in the current window
and says whether it is still within the limit. The count is one ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` statement (SQLite and PostgreSQL alike): two requests at the same moment
get two different counts, so a limit cannot be raced. Keys name the action and what is
limited, e.g. ``"support.case:email:anna@example.test"``; callers choose keys that only the
person or client concerned can use up, so that a limit meant to stop an attacker cannot lock
out the real user. A use counted before its outcome was known is given back with
``rate_limit_release`` (one conditional ``UPDATE``), a key's window forgotten with
``rate_limit_reset``. Old windows are deleted by ``rate_limits_prune`` (a periodic job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from seatwise.core.models import RateLimitCounter

KEY_MAX = 200


@dataclass(frozen=True, slots=True)
class RateLimit:
    hits: int
    limit: int
    window_start: datetime
    window: timedelta

    @property
    def allowed(self) -> bool:
        return self.hits <= self.limit

    @property
    def retry_after(self) -> timedelta:
        """How long until the window ends (and the key may be used again)."""
        return max(self.window_start + self.window - timezone.now(), timedelta(0))


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def rate_limit_hit(*, key: str, limit: int, window: timedelta) -> RateLimit:
    """Count one use of ``key``; ``.allowed`` is false once it was used more than ``limit``
    times in the current window. Runs in the caller's transaction, if any."""
    start = _window_start(timezone.now(), window)
    quote = connection.ops.quote_name
    table, key_column = quote(RateLimitCounter._meta.db_table), quote("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, window_start, hits) "  # noqa: S608
            f"VALUES (%s, %s, 1) ON CONFLICT ({key_column}, window_start) "
            f"DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            # Adapted as the ORM stores the column, so that ORM reads find the row.
            [key[:KEY_MAX], connection.ops.adapt_datetimefield_value(start)],
        )
        row = cursor.fetchone()
    assert row is not None
    return RateLimit(hits=int(row[0]), limit=limit, window_start=start, window=window)


def rate_limit_window_end(*, window: timedelta) -> datetime:
    """When the current window of this length ends."""
    return _window_start(timezone.now(), window) + window


def rate_limit_peek(*, key: str, window: timedelta) -> int:
    """How often ``key`` was used in the current window, without counting a use."""
    start = _window_start(timezone.now(), window)
    found = RateLimitCounter.objects.filter(key=key[:KEY_MAX], window_start=start).first()
    return found.hits if found is not None else 0


def rate_limit_release(*, key: str, window: timedelta) -> None:
    """Give one use of ``key`` in the current window back (one conditional ``UPDATE``, never
    below zero): a use counted before its outcome was known that should not count."""
    start = _window_start(timezone.now(), window)
    RateLimitCounter.objects.filter(key=key[:KEY_MAX], window_start=start, hits__gt=0).update(
        hits=F("hits") - 1
    )


def rate_limit_reset(*, key: str, window: timedelta) -> int:
    """Forget the uses of ``key`` in the current window; returns how many there were."""
    start = _window_start(timezone.now(), window)
    found = RateLimitCounter.objects.filter(key=key[:KEY_MAX], window_start=start)
    hits = found.values_list("hits", flat=True).first() or 0
    found.delete()
    return hits


def rate_limits_prune(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete the counters of windows that started more than ``older_than`` ago."""
    deleted, _details = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted
