"""The audit trail is append-only: the ORM refuses every update and delete of an entry, and
the database refuses them too (migration audit/0004), except a whole account's trail deleted
through ``seatwise.audit.purge`` (the demo wipe; the test suite's emptying of the tables).
Entries made by a request record its client."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from seatwise.audit.actors import Actor, Client
from seatwise.audit.models import AuditEntry, ImmutableAuditEntry
from seatwise.audit.purge import audit_deletes_permitted, audit_trail_purge
from seatwise.audit.services import audit_record
from tests.factories import make_account

pytestmark = pytest.mark.django_db

ALICE = Actor(kind="person", label="alice@example.com", person_id=None)


@pytest.fixture
def entry() -> AuditEntry:
    account = make_account()
    return audit_record(
        by=ALICE, action="account.address_set", obj=account, account_id=account.pk, new={"a": 1}
    )


def stored(entry: AuditEntry) -> dict[str, object]:
    return AuditEntry.objects.filter(pk=entry.pk).values().get()


def test_the_orm_refuses_to_update_an_entry(entry):
    # Given an entry
    before = stored(entry)

    # When it is changed through every way the ORM has, then each is refused
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.filter(pk=entry.pk).update(action="account.create")
    entry.action = "account.create"
    with pytest.raises(ImmutableAuditEntry):
        entry.save()
    with pytest.raises(ImmutableAuditEntry):
        entry.save(update_fields=["action"])
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.bulk_update([entry], ["action"])
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"action": "account.create"})
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry._base_manager.filter(pk=entry.pk).update(action="account.create")
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.bulk_create(
            [AuditEntry(pk=entry.pk, action="x")],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["action"],
        )

    # And nothing changed
    assert stored(entry) == before


def test_the_orm_refuses_to_delete_an_entry(entry):
    with pytest.raises(ImmutableAuditEntry):
        entry.delete()
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.all().delete()
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry._base_manager.all().delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_an_update_and_a_delete_that_go_around_the_orm(entry):
    before = stored(entry)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])

    assert stored(entry) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_a_truncate(entry):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry")

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_update_is_refused_even_with_the_permit_to_delete(entry):
    with (
        pytest.raises(IntegrityError),
        audit_deletes_permitted(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])

    assert stored(entry)["action"] == "account.address_set"


def test_a_purge_deletes_only_the_trails_of_the_accounts_given_and_gives_the_permit_back():
    # Given two accounts with their trails
    gone, kept = make_account(), make_account()
    kept_ids = set(AuditEntry.objects.filter(account_id=kept.pk).values_list("pk", flat=True))
    assert AuditEntry.objects.filter(account_id=gone.pk).exists()
    assert kept_ids

    # When one account's trail is purged
    deleted = audit_trail_purge(account_ids=[gone.pk])

    # Then its entries are gone, the other's are all there
    assert deleted > 0
    assert not AuditEntry.objects.filter(account_id=gone.pk).exists()
    assert set(AuditEntry.objects.filter(account_id=kept.pk).values_list("pk", flat=True)) == (
        kept_ids
    )
    # And the permit is given back: a delete is refused again
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_purge_permit")
        assert cursor.fetchone() == (0,)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE account_id = %s", [kept.pk])


def test_a_permit_is_given_back_with_the_savepoint_when_the_purge_fails():
    account = make_account()

    with pytest.raises(RuntimeError), audit_deletes_permitted():
        raise RuntimeError("the caller failed")

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_purge_permit")
        assert cursor.fetchone() == (0,)
    assert AuditEntry.objects.filter(account_id=account.pk).exists()


def test_an_entry_records_the_client_of_the_request():
    account = make_account()
    request = RequestFactory().get(
        "/", REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="Mozilla/5.0\r\nX-Forged: 1\x00"
    )

    entry = audit_record(
        by=Actor.system("tests", client=Client.of(request)),
        action="account.address_set",
        obj=account,
        account_id=account.pk,
    )

    assert (entry.client_ip, entry.client_agent) == ("2001:db8::7", "Mozilla/5.0X-Forged: 1")
    assert stored(entry)["client_ip"] == "2001:db8::7"


def test_a_client_without_an_address_or_a_browser_records_none():
    request = RequestFactory().get("/", REMOTE_ADDR="not an address")
    request.META.pop("HTTP_USER_AGENT", None)

    assert Client.of(request) == Client(address=None, agent="")
    assert len(Client.of(RequestFactory().get("/", HTTP_USER_AGENT="x" * 999)).agent) == 256
