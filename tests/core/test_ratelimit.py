"""Rate limits are counted atomically: concurrent requests can never pass a limit together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from seatwise.core.models import RateLimitCounter
from seatwise.core.ratelimit import (
    rate_limit_hit,
    rate_limit_peek,
    rate_limit_release,
    rate_limit_reset,
    rate_limit_window_end,
    rate_limits_prune,
)

WINDOW = timedelta(hours=1)


@pytest.mark.django_db
def test_the_limit_allows_exactly_limit_uses_per_window():
    results = [rate_limit_hit(key="k", limit=3, window=WINDOW) for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert [r.hits for r in results] == [1, 2, 3, 4, 5]
    assert rate_limit_peek(key="k", window=WINDOW) == 5
    assert rate_limit_peek(key="other", window=WINDOW) == 0
    # Another key has its own count
    assert rate_limit_hit(key="other", limit=3, window=WINDOW).hits == 1


@pytest.mark.django_db
def test_the_next_window_starts_again():
    for _ in range(3):
        rate_limit_hit(key="k", limit=3, window=WINDOW)
    with time_machine.travel(timezone.now() + WINDOW, tick=False):
        assert rate_limit_hit(key="k", limit=3, window=WINDOW).hits == 1


@pytest.mark.django_db
def test_retry_after_is_the_rest_of_the_window():
    now = timezone.now().replace(minute=10, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        result = rate_limit_hit(key="k", limit=1, window=WINDOW)
        assert result.retry_after == timedelta(minutes=50)


@pytest.mark.django_db
def test_a_use_given_back_frees_its_slot_and_never_goes_below_zero():
    for _ in range(3):
        rate_limit_hit(key="k", limit=3, window=WINDOW)

    rate_limit_release(key="k", window=WINDOW)
    assert rate_limit_hit(key="k", limit=3, window=WINDOW).allowed
    for _ in range(5):
        rate_limit_release(key="k", window=WINDOW)
    rate_limit_release(key="never used", window=WINDOW)

    assert rate_limit_peek(key="k", window=WINDOW) == 0
    assert rate_limit_peek(key="never used", window=WINDOW) == 0


@pytest.mark.django_db
def test_a_reset_forgets_the_window_and_says_how_many_uses_it_had():
    for _ in range(4):
        rate_limit_hit(key="k", limit=3, window=WINDOW)
    rate_limit_hit(key="other", limit=3, window=WINDOW)

    assert rate_limit_reset(key="k", window=WINDOW) == 4
    assert rate_limit_reset(key="k", window=WINDOW) == 0
    assert rate_limit_hit(key="k", limit=3, window=WINDOW).hits == 1
    assert rate_limit_peek(key="other", window=WINDOW) == 1


def test_the_window_end():
    now = timezone.now().replace(minute=10, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        assert rate_limit_window_end(window=WINDOW) == now.replace(minute=0) + WINDOW


@pytest.mark.django_db
def test_a_refused_transaction_takes_its_hit_back():
    def refused() -> None:
        with transaction.atomic():
            rate_limit_hit(key="k", limit=1, window=WINDOW)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        refused()
    assert rate_limit_peek(key="k", window=WINDOW) == 0


@pytest.mark.django_db
def test_old_windows_are_pruned():
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        rate_limit_hit(key="old", limit=1, window=WINDOW)
    rate_limit_hit(key="new", limit=1, window=WINDOW)
    assert rate_limits_prune() == 1
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_pass_a_limit_of_three_exactly_three_times():
    def hit(_n: int) -> bool:
        try:
            with transaction.atomic():
                return rate_limit_hit(key="race", limit=3, window=WINDOW).allowed
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        allowed = list(pool.map(hit, range(20)))
    assert allowed.count(True) == 3
    assert rate_limit_peek(key="race", window=WINDOW) == 20
