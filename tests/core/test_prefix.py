"""The prefix search mechanism (seatwise.core.prefix): a range on the database's own LOWER of
the columns, served by one index in key order, on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import F

from seatwise.accounts.models import Account, Person
from seatwise.accounts.services import person_add
from seatwise.core.prefix import StartsWith, prefix_filter, prefix_key_sql
from tests.factories import SYSTEM, make_account

pytestmark = pytest.mark.django_db

PREFIX_INDEXES = {
    "accounts_account": {"account_name_prefix_idx"},
    "accounts_person": {
        "person_first_last_prefix_idx",
        "person_last_first_prefix_idx",
        "person_email_prefix_idx",
    },
    "accounts_corporatecredential": {"corporate_user_id_prefix_idx"},
    "invoicing_invoice": {"invoice_number_prefix_idx"},
    "support_case": {"case_number_prefix_idx"},
}


def names(text: str) -> list[str]:
    return [a.name for a in prefix_filter(Account.objects.all(), "name", text=text, limit=50)]


def test_the_key_is_lower_on_sqlite_and_lower_in_the_c_collation_on_postgresql():
    key = prefix_key_sql(['"first_name"', '"last_name"'], connection.vendor)
    expected = {
        "sqlite": """LOWER("first_name" || ' ' || "last_name")""",
        "postgresql": """(LOWER("first_name" || ' ' || "last_name") COLLATE "C")""",
    }
    assert key == expected[connection.vendor]


def test_every_prefix_index_exists_after_migrate():
    # Guards against a later migration that rebuilds a table on SQLite and drops an index
    # created outside the migration state (CreatePrefixIndex).
    for table, indexes in PREFIX_INDEXES.items():
        assert indexes <= _indexes(table), table


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.django_db(transaction=True)
def test_the_case_number_index_is_dropped_and_created_by_its_operation():
    # Given the operation of the migration and the project state it runs in
    migration = importlib.import_module("seatwise.support.migrations.0002_search_indexes")
    (operation,) = migration.Migration.operations
    state = MigrationLoader(connection).project_state()
    # When it runs backwards, then forwards
    with connection.schema_editor() as editor:
        operation.database_backwards("support", editor, state, state)
    try:
        assert "case_number_prefix_idx" not in _indexes("support_case")
        with connection.schema_editor(collect_sql=True) as collector:
            operation.database_forwards("support", collector, state, state)
    finally:
        with connection.schema_editor() as editor:
            operation.database_forwards("support", editor, state, state)
    # Then the index is back, created by this statement
    assert "case_number_prefix_idx" in _indexes("support_case")
    expected = {
        "sqlite": 'CREATE INDEX "case_number_prefix_idx" ON "support_case" '
        '((LOWER("number")), "id");',
        "postgresql": 'CREATE INDEX "case_number_prefix_idx" ON "support_case" '
        '(((LOWER("number") COLLATE "C")), "id");',
    }
    assert collector.collected_sql == [expected[connection.vendor]]
    assert operation.describe() == "Create prefix index case_number_prefix_idx on case (number)"


def test_a_prefix_matches_case_insensitively_in_key_order():
    # Given
    for name in ("acme Labs", "ACME", "Acmex", "Acne", "Zacme"):
        make_account(name=name)
    # Then: ordered by the lower-cased name, then by id.
    assert names("acme") == ["ACME", "acme Labs", "Acmex"]
    assert names("ACME ") == ["acme Labs"]
    assert names("acmex") == ["Acmex"]
    assert names("acmey") == []
    assert names("z") == ["Zacme"]


def test_the_exact_match_is_annotated():
    make_account(name="Acme")
    make_account(name="Acme Labs")
    rows = prefix_filter(Account.objects.all(), "name", text="ACME", limit=5)
    assert [(a.name, a.prefix_exact) for a in rows] == [("Acme", True), ("Acme Labs", False)]


def test_the_limit_is_applied_in_key_order():
    for name in ("Beta 3", "beta 1", "BETA 2", "Beta 4"):
        make_account(name=name)
    assert [a.name for a in prefix_filter(Account.objects.all(), "name", text="be", limit=2)] == [
        "beta 1",
        "BETA 2",
    ]


def test_percent_underscore_and_backslash_are_literal():
    for name in ("100% Cotton", "1000 Cotton", "100_Yarn", "100X Yarn", "Back\\slash", "Backslash"):
        make_account(name=name)
    assert names("100%") == ["100% Cotton"]
    assert names("100_") == ["100_Yarn"]
    assert names("back\\") == ["Back\\slash"]
    assert names("%") == []
    assert names("_") == []


def test_non_ascii_letters_fold_as_the_database_lower_folds_them():
    # Given
    for name in ("MÜLLER GmbH", "Müller AG", "Ñandú S.L.", "ñu Media"):
        make_account(name=name)
    if connection.vendor == "sqlite":
        # SQLite's LOWER folds ASCII only: other letters match as typed, case and all.
        assert names("mü") == ["Müller AG"]
        assert names("MÜ") == ["MÜLLER GmbH"]
        assert names("mÜ") == ["MÜLLER GmbH"]
        assert names("ñ") == ["ñu Media"]
        assert names("Ñ") == ["Ñandú S.L."]
    else:
        # PostgreSQL's LOWER (a UTF-8 LC_CTYPE) folds every letter.
        assert names("mü") == ["Müller AG", "MÜLLER GmbH"]
        assert names("MÜ") == ["Müller AG", "MÜLLER GmbH"]
        assert names("ñ") == ["Ñandú S.L.", "ñu Media"]
        assert names("Ñ") == ["Ñandú S.L.", "ñu Media"]


def test_only_a_prefix_key_can_be_compared():
    with pytest.raises(TypeError):
        StartsWith(F("name"), "a")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # A handful of rows: without this, a sequential scan is rightly cheaper.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return json.dumps(cursor.fetchone()[0])


def test_the_query_is_one_range_scan_of_the_index_in_key_order():
    for name in ("Acme", "Acme Labs", "Zeta"):
        make_account(name=name)
    plan = _plan(prefix_filter(Account.objects.all(), "name", text="acme", limit=20))
    if connection.vendor == "sqlite":
        assert (
            plan
            == "SEARCH accounts_account USING INDEX account_name_prefix_idx (<expr>>? AND <expr><?)"
        )
    else:
        tree = json.loads(plan)[0]["Plan"]
        assert tree["Node Type"] == "Limit"
        (scan,) = tree["Plans"]
        assert (scan["Node Type"], scan["Index Name"]) == ("Index Scan", "account_name_prefix_idx")
        assert "Sort" not in plan


def test_the_two_column_key_matches_first_last_across_the_space():
    account = make_account()
    for first, last in (("Anna", "Schmidt"), ("Anna", "Schneider"), ("Annabel", "Smith")):
        person_add(
            account=account,
            email=f"{first}.{last}@example.com".lower(),
            first_name=first,
            last_name=last,
            by=SYSTEM,
        )

    def full(text: str) -> list[str]:
        qs = Person.objects.filter(account=account)
        return [
            p.full_name for p in prefix_filter(qs, "first_name", "last_name", text=text, limit=9)
        ]

    assert full("anna") == ["Anna Schmidt", "Anna Schneider", "Annabel Smith"]
    assert full("anna s") == ["Anna Schmidt", "Anna Schneider"]
    assert full("ANNA SCHN") == ["Anna Schneider"]
    assert full("anna  schn") == []  # the caller collapses spaces (seatwise.support.search)
