"""The audit trail's reads: one account's or every account's entries newest first by time,
page by page from a keyset, filtered exactly by action, actor and dates, in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.audit.selectors import AuditCursor, AuditQuery, audit_entries, audit_page
from seatwise.audit.services import audit_record
from tests.factories import make_account

pytestmark = pytest.mark.django_db

ACCOUNT_ID = 424_242  # audit entries name accounts by a plain id
NOON = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def trail():
    """Five entries of the account an hour apart (the first two in the same instant), and one
    of another account."""
    obj = make_account()
    alice, bob, system = Actor.system("alice"), Actor.system("bob"), Actor.system("seatwise")

    def entry(by: Actor, action: str, hours: int, account_id: int = ACCOUNT_ID) -> AuditEntry:
        with time_machine.travel(NOON + timedelta(hours=hours), tick=False):
            return audit_record(by=by, action=action, obj=obj, account_id=account_id)

    e1 = entry(alice, "person.add", 0)
    e2 = entry(bob, "person.add", 0)
    other = entry(alice, "person.add", 1, account_id=ACCOUNT_ID + 1)
    e3 = entry(alice, "invoice.issue", 2)
    e4 = entry(system, "account.create", 3)
    e5 = entry(alice, "person.add", 4)
    return e1, e2, e3, e4, e5, other


def page(query: AuditQuery, before: AuditCursor | None = None, limit: int = 50):
    return audit_page(query=query, before=before, limit=limit)


def test_the_trail_pages_newest_first_by_time_then_id(trail, django_assert_num_queries):
    e1, e2, e3, e4, e5, _other = trail
    account = AuditQuery(account_id=ACCOUNT_ID)

    with django_assert_num_queries(1):
        first = page(account, limit=2)

    assert first == ([e5, e4], AuditCursor.after(e4))
    assert page(account, first[1], limit=2) == ([e3, e2], AuditCursor.after(e2))
    # e1 and e2 share their instant: the id orders them, and the page after e2 holds e1.
    assert page(account, AuditCursor.after(e2), limit=2) == ([e1], None)


def test_filters_by_action_actor_and_dates_exactly(trail):
    e1, e2, e3, e4, e5, other = trail

    def rows(**filters: object) -> list[AuditEntry]:
        found, more = page(AuditQuery(account_id=ACCOUNT_ID, **filters))  # type: ignore[arg-type]
        assert more is None
        return found

    assert rows(action="person.add") == [e5, e2, e1]
    assert rows(actor="alice") == [e5, e3, e1]
    assert rows(action="person.add", actor="alice") == [e5, e1]
    assert rows(action="person") == []
    assert rows(actor="ali") == []
    assert rows(actor="ALICE") == []
    # since: included; until: excluded
    assert rows(since=NOON + timedelta(hours=2)) == [e5, e4, e3]
    assert rows(until=NOON + timedelta(hours=2)) == [e2, e1]
    assert rows(since=NOON + timedelta(hours=2), until=NOON + timedelta(hours=3)) == [e3]
    # Every account: the other account's entry among them
    everyone = AuditQuery(account_id=None, action="person.add", until=NOON + timedelta(hours=5))
    assert page(everyone)[0] == [e5, other, e2, e1]


def test_a_cursor_goes_through_a_url_and_a_forged_one_is_none(trail):
    cursor = AuditCursor.after(trail[3])

    assert AuditCursor.parse(cursor.token()) == cursor
    for forged in ("", "1", "x.1", "1.0", "-1.5", "1.5.6", "9" * 20 + ".1", "1." + "9" * 20):
        assert AuditCursor.parse(forged) is None, forged
    assert AuditCursor.parse("9" * 19 + ".1") is None  # beyond the year 9999


def test_the_export_reads_every_entry_a_chunk_at_a_time(trail, django_assert_num_queries):
    e1, e2, e3, e4, e5, _other = trail

    with django_assert_num_queries(3):
        found = list(audit_entries(query=AuditQuery(account_id=ACCOUNT_ID), chunk=2))

    assert found == [e5, e4, e3, e2, e1]
