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

A limit counted on every request of a busy caller (the API's tokens) uses
``rate_limit_hit_leased``: a process takes a block of uses at once (a lease, at most a
hundredth of the limit) with the same upsert, and grants them from memory, so that the count
costs one write per block instead of one per request while the uses granted by all processes
together still never pass the limit.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from seatwise.core.models import RateLimitCounter

KEY_MAX = 200
# A lease is at most this share of the limit (1/100), and at most LEASE_MAX uses.
LEASE_SHARE = 100
LEASE_MAX = 1000
# Past this many keys leased, a process forgets the leases of ended windows.
LEASED_KEYS_MAX = 1000


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
    hits = _count(key=key, start=start, uses=1)
    return RateLimit(hits=hits, limit=limit, window_start=start, window=window)


def _count(*, key: str, start: datetime, uses: int) -> int:
    """Add ``uses`` to the count of ``key`` in the window from ``start``: the count after."""
    quote = connection.ops.quote_name
    table, key_column = quote(RateLimitCounter._meta.db_table), quote("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, window_start, hits) "  # noqa: S608
            f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}, window_start) "
            f"DO UPDATE SET hits = {table}.hits + %s RETURNING hits",
            # Adapted as the ORM stores the column, so that ORM reads find the row.
            [key[:KEY_MAX], connection.ops.adapt_datetimefield_value(start), uses, uses],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


@dataclass(slots=True)
class _Lease:
    """The uses numbered ``next_hit`` to ``last_hit`` of one key and window, counted in the
    database and not yet granted by this process."""

    window_start: datetime
    next_hit: int
    last_hit: int


_leases: dict[str, _Lease] = {}
_leases_lock = threading.Lock()
# A forked child must not grant the uses its parent holds.
os.register_at_fork(after_in_child=_leases.clear)


def rate_limit_lease_size(limit: int) -> int:
    """How many uses a process counts at once under ``limit``: a hundredth of it (at most
    ``LEASE_MAX``), so 1 (every use counted in the database) below 200."""
    return max(1, min(limit // LEASE_SHARE, LEASE_MAX))


def rate_limit_hit_leased(*, key: str, limit: int, window: timedelta) -> RateLimit:
    """``rate_limit_hit`` for a key used often: one use of ``key``, granted from this process's
    lease of uses, which is taken (``rate_limit_lease_size(limit)`` uses, one upsert) when it
    runs out.

    Every use granted has its own number in the database's count, so all processes together
    grant at most ``limit`` uses per window. The price: uses a process leased but did not grant
    before the window ended count as used, so a caller spreading its requests over ``n``
    processes may be refused up to ``(n - 1) × (lease size - 1)`` uses early (1 % of the limit
    per further process), never late. Once the count is past the limit, the process refuses
    the rest of the window from memory, without writing. Outside a transaction only: inside
    one, the count could be rolled back under a lease, so each use is counted on its own.
    """
    start = _window_start(timezone.now(), window)
    size = rate_limit_lease_size(limit)
    if size == 1 or connection.in_atomic_block:
        return rate_limit_hit(key=key, limit=limit, window=window)
    with _leases_lock:
        lease = _leases.get(key)
        if lease is not None and lease.window_start == start:
            if lease.next_hit <= lease.last_hit:
                lease.next_hit += 1
                return RateLimit(
                    hits=lease.next_hit - 1, limit=limit, window_start=start, window=window
                )
            if lease.last_hit > limit:
                # The count is past the limit: refused until the window ends.
                return RateLimit(
                    hits=lease.last_hit, limit=limit, window_start=start, window=window
                )
    last = _count(key=key, start=start, uses=size)
    first = last - size + 1
    with _leases_lock:
        if len(_leases) >= LEASED_KEYS_MAX:
            for stale in [k for k, held in _leases.items() if held.window_start != start]:
                del _leases[stale]
        _leases[key] = _Lease(window_start=start, next_hit=first + 1, last_hit=last)
    return RateLimit(hits=first, limit=limit, window_start=start, window=window)


def rate_limit_leases_forget() -> None:
    """Drop this process's leases (their uses stay counted). For tests, whose counters are
    rolled back while the process keeps running."""
    with _leases_lock:
        _leases.clear()


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
