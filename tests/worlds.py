"""A module's world, built once for all its tests: two ways.

**In a transaction rolled back at the module's end** (``module_world``), for tests that run
in a savepoint each (pytest-django's default): the module's fixture builds its world inside
it, each test's writes are undone with its savepoint, and every test starts from the same
rows (the authorization matrices, the support console at a million accounts).

**Copied and put back** (``world_once``), for transactional tests (the browser tests). A
browser test is transactional (its live server reads what the test committed) and ends by
emptying every table. Building its world again for the next test (the demo data, or an
account made through the services) costs more than most tests. So the first test that wants
a world builds it, and a copy of every row is taken; the next tests of the module that want
the same world (same key) get every table emptied and those rows put back, with their ids,
in one transaction (bulk INSERTs on SQLite, COPY on PostgreSQL), and a fresh copy of the
world's Python objects. Id sequences only move forward, so what a test adds after that
never collides with a row put back.

What a world's build does outside the database (a job on a Redis queue, a setting) is not in
the copy: a world's fixture sets its settings outside the build, and no world leaves work
queued that a later test would wait for.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import override_settings

from seatwise.audit.purge import audit_deletes_permitted

T = TypeVar("T")
# Argon2 costs seconds per password here; no world is about hashing.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def module_world(django_db_blocker: Any) -> Iterator[None]:
    """Database access for a module-scoped fixture, in a transaction rolled back when it
    leaves (see the module docstring), with a fast password hasher."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


@contextmanager
def demo_world(django_db_blocker: Any) -> Iterator[None]:
    """The demo data (``seatwise.demo``) as a module's world (``module_world``)."""
    from seatwise.demo.loader import demo_load

    with module_world(django_db_blocker):
        demo_load(reset=False)
        yield


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    rows: Any  # a list of tuples (SQLite), or the bytes of COPY … TO STDOUT (PostgreSQL)


def _tables(using: BaseDatabaseWrapper = connection) -> list[str]:
    return sorted(using.introspection.django_table_names(only_existing=True, include_views=False))


def rows_take() -> list[_Table]:
    """Every row of every table of the project, as the database has them now."""
    quote = connection.ops.quote_name
    taken: list[_Table] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in _tables():
            if connection.vendor == "postgresql":
                with raw.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                    data = b"".join(bytes(block) for block in copy)
                taken.append(_Table(table, (), data))
            else:
                raw.execute(f"SELECT * FROM {quote(table)}")
                columns = tuple(column[0] for column in raw.description)
                taken.append(_Table(table, columns, raw.fetchall()))
    return taken


def rows_restore(taken: list[_Table], *, using: BaseDatabaseWrapper = connection) -> None:
    """Empty every table of the project and put ``taken`` back, in one transaction: DELETE
    (on PostgreSQL far cheaper than TRUNCATE's new files for tables of a few rows), then COPY
    on PostgreSQL, one ``executemany`` per table on SQLite. The foreign keys are checked at
    the commit, so the order of the tables does not matter. The append-only audit trail is
    emptied too, with the one permit its triggers accept (``seatwise.audit.purge``)."""
    quote = using.ops.quote_name
    with (
        transaction.atomic(using=using.alias),
        audit_deletes_permitted(using=using.alias),
        using.cursor() as cursor,
    ):
        for table_name in _tables(using):
            cursor.execute(f"DELETE FROM {quote(table_name)}")
        raw = cursor.cursor
        for table in taken:
            if not table.rows:
                continue
            if using.vendor == "postgresql":
                with raw.copy(f"COPY {quote(table.name)} FROM STDIN") as copy:
                    copy.write(table.rows)
            else:
                columns = ", ".join(quote(column) for column in table.columns)
                marks = ", ".join("%s" for _column in table.columns)
                raw.executemany(
                    f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", table.rows
                )


_WORLDS: dict[tuple[str, Hashable], tuple[list[_Table], bytes]] = {}


@pytest.fixture(scope="module", autouse=True)
def _worlds_of_the_module(request) -> Iterator[None]:
    yield
    for key in [key for key in _WORLDS if key[0] == request.module.__name__]:
        del _WORLDS[key]


@pytest.fixture
def world_once(request, transactional_db) -> Callable[[Hashable, Callable[[], T]], T]:
    """``world_once(key, build)``: the world ``build()`` makes, built by the module's first
    test that asks for ``key`` and put back for the next ones (see the module docstring)."""
    module = request.module.__name__

    def once(key: Hashable, build: Callable[[], T]) -> T:
        kept = _WORLDS.get((module, key))
        if kept is not None:
            rows, made = kept
            rows_restore(rows)
            return pickle.loads(made)  # the test's own objects
        world = build()
        _WORLDS[(module, key)] = (rows_take(), pickle.dumps(world))
        return world

    return once
