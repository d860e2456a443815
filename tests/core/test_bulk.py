"""core.bulk: the set-based writes of the bill run, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.core.bulk import rows_insert, rows_update, values_insert
from seatwise.core.models import RateLimitCounter
from seatwise.tax.models import ExchangeRate

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def entry(n: int, **fields: object) -> AuditEntry:
    return AuditEntry(
        actor_kind="system",
        actor_label="bulk",
        action="test.bulk",
        object_type="x",
        object_id=str(n),
        **fields,
    )


def test_rows_insert_stores_every_value_as_the_orm_would_and_returns_the_keys_in_order():
    entries = [
        entry(1, new={"ä": "ü", "n": [1, 2]}, account_id=7, at=AT),
        entry(2, old=None, new=None),
        entry(3, new={"seats": 5}),
    ]

    rows_insert(entries, returning_pk=True)

    stored = {e.pk: e for e in AuditEntry.objects.filter(action="test.bulk")}
    assert sorted(stored) == sorted(e.pk for e in entries)
    assert [stored[e.pk].object_id for e in entries] == ["1", "2", "3"]
    first = stored[entries[0].pk]
    assert (first.new, first.account_id, first.at) == ({"ä": "ü", "n": [1, 2]}, 7, AT)
    assert (stored[entries[1].pk].old, stored[entries[1].pk].new) == (None, None)
    # a default (``at=timezone.now``) applies as in ``bulk_create``
    assert stored[entries[2].pk].at.tzinfo is not None
    assert not entries[0]._state.adding


def test_rows_insert_takes_one_statement_copy_on_postgresql_or_one_prepared_insert_on_sqlite():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rows_insert([entry(n) for n in range(5)])

    statements = [query["sql"].split(" (")[0] for query in queries]
    if connection.vendor == "postgresql":
        assert statements == ['COPY "audit_auditentry"']
    else:
        # one prepared statement executed for each row (Django logs it once)
        assert statements == ['5 times: INSERT INTO "audit_auditentry"']
    assert AuditEntry.objects.filter(action="test.bulk").count() == 5


def test_values_insert_returns_the_keys_in_order_by_statements_of_the_parameter_limit(
    monkeypatch,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    fields = ["at", "actor_kind", "actor_label", "action", "object_type", "object_id", "new"]

    with CaptureQueriesContext(connection) as queries:
        keys = values_insert(
            AuditEntry,
            fields,
            [(AT, "system", "bulk", "test.bulk", "x", str(n), {"n": n}) for n in range(5)],
            returning=["id"],
        )

    stored = dict(AuditEntry.objects.filter(action="test.bulk").values_list("id", "object_id"))
    assert [stored[key] for (key,) in keys] == ["0", "1", "2", "3", "4"]
    statements = [query["sql"].split("(")[0].strip() for query in queries]
    if connection.vendor == "postgresql":  # the keys from the sequence, then one copy
        assert statements == ["SELECT nextval", 'COPY "audit_auditentry"']
    else:
        assert statements == ['INSERT INTO "audit_auditentry"'] * 3


def test_values_insert_returns_the_rows_it_inserted_and_skips_those_in_conflict():
    RateLimitCounter.objects.create(key="k", window_start=AT, hits=3)

    inserted = values_insert(
        RateLimitCounter,
        ["key", "window_start", "hits"],
        [("k", AT, 1), ("other", AT, 2)],
        returning=["key", "hits"],
        ignore_conflicts=True,
    )

    assert inserted == [("other", 2)]
    assert sorted(RateLimitCounter.objects.values_list("key", "hits")) == [("k", 3), ("other", 2)]
    with pytest.raises(ValueError, match="returns its keys only"):
        values_insert(RateLimitCounter, ["key", "window_start"], [("z", AT)], returning=["key"])


def test_rows_insert_skips_rows_that_break_a_unique_constraint_when_told():
    RateLimitCounter.objects.create(key="k", window_start=AT, hits=3)

    rows_insert(
        [
            RateLimitCounter(key="k", window_start=AT, hits=1),
            RateLimitCounter(key="other", window_start=AT, hits=1),
        ],
        ignore_conflicts=True,
    )

    assert sorted(RateLimitCounter.objects.values_list("key", "hits")) == [("k", 3), ("other", 1)]
    with pytest.raises(ValueError, match="return no key"):
        rows_insert(
            [RateLimitCounter(key="z", window_start=AT)], returning_pk=True, ignore_conflicts=True
        )


def test_rows_insert_stores_decimals_and_dates_exactly():
    rows_insert([ExchangeRate(currency="USD", date=AT.date(), rate=Decimal("1.083100"))])

    assert ExchangeRate.objects.values_list("currency", "date", "rate").get() == (
        "USD",
        AT.date(),
        Decimal("1.083100"),
    )


def test_rows_update_saves_the_named_fields_of_each_row_and_nothing_else():
    counters = [
        RateLimitCounter.objects.create(key=f"k{n}", window_start=AT, hits=n) for n in range(3)
    ]
    later = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    counters[0].hits = 40
    counters[0].window_start = later
    counters[2].hits = 42
    counters[2].key = "renamed"  # not named: not saved

    rows_update(counters, ["hits", "window_start"])

    stored = RateLimitCounter.objects.in_bulk([c.pk for c in counters])
    assert [(stored[c.pk].key, stored[c.pk].hits, stored[c.pk].window_start) for c in counters] == [
        ("k0", 40, later),
        ("k1", 1, AT),
        ("k2", 42, AT),
    ]
