"""Rate limits are counted atomically: concurrent requests can never pass a limit together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seatwise.core.models import RateLimitCounter
from seatwise.core.ratelimit import (
    rate_limit_hit,
    rate_limit_hit_leased,
    rate_limit_lease_size,
    rate_limit_leases_forget,
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


# --- Leases (a busy key counted in blocks) -------------------------------------------------


def _counter_statements(queries: CaptureQueriesContext) -> int:
    table = RateLimitCounter._meta.db_table
    return len([q for q in queries.captured_queries if f'"{table}"' in q["sql"]])


def test_a_lease_is_a_hundredth_of_the_limit():
    assert [rate_limit_lease_size(limit) for limit in (1, 60, 199, 200, 600, 10**9)] == [
        1,
        1,
        1,
        2,
        6,
        1000,
    ]


@pytest.mark.django_db(transaction=True)
def test_a_lease_grants_its_block_of_uses_with_one_statement():
    # Given a limit of 1,000 (leases of 10)
    with time_machine.travel(timezone.now(), tick=False), CaptureQueriesContext(connection) as q:
        # when a key is used 25 times
        results = [rate_limit_hit_leased(key="k", limit=1000, window=WINDOW) for _ in range(25)]

    # then each use has its own number, three leases were counted, and the database holds
    # the 30 uses leased
    assert [r.hits for r in results] == list(range(1, 26))
    assert all(r.allowed for r in results)
    assert _counter_statements(q) == 3
    assert rate_limit_peek(key="k", window=WINDOW) == 30


@pytest.mark.django_db(transaction=True)
def test_the_uses_of_all_processes_together_never_pass_the_limit():
    # Given a limit of 300 (leases of 3) and processes that each grant two uses of their lease
    # and stop (a new process, without this one's lease, takes the next request)
    allowed = 0
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(400):
            if n % 2 == 0:
                rate_limit_leases_forget()
            allowed += rate_limit_hit_leased(key="k", limit=300, window=WINDOW).allowed
        # then the uses leased but not granted count as used: the key is refused early, never
        # late (a hundred leases of 3, two uses granted of each)
        assert allowed == 200
        # and a process whose lease is past the limit refuses without a statement
        with CaptureQueriesContext(connection) as queries:
            refused = rate_limit_hit_leased(key="k", limit=300, window=WINDOW)
        assert (refused.allowed, _counter_statements(queries)) == (False, 0)
        assert refused.retry_after > timedelta(0)


@pytest.mark.django_db(transaction=True)
def test_the_next_window_takes_a_new_lease():
    start = timezone.now().replace(minute=10, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        rate_limit_hit_leased(key="k", limit=1000, window=WINDOW)
    with time_machine.travel(start + WINDOW, tick=False):
        assert rate_limit_hit_leased(key="k", limit=1000, window=WINDOW).hits == 1
        assert rate_limit_peek(key="k", window=WINDOW) == 10


@pytest.mark.django_db
def test_inside_a_transaction_each_leased_use_is_counted_on_its_own():
    # Given a transaction (a rollback would take a lease's count back, not its uses)
    with CaptureQueriesContext(connection) as queries:
        results = [rate_limit_hit_leased(key="k", limit=1000, window=WINDOW) for _ in range(3)]

    # then each use is one statement, and the count holds exactly the uses
    assert [r.hits for r in results] == [1, 2, 3]
    assert _counter_statements(queries) == 3
    assert rate_limit_peek(key="k", window=WINDOW) == 3
