"""The restore drill of docs/operations.md, performed: a backup taken with `manage.py backup`
while the data is there, restored into a new database as the guide says, compared table by
table and row by row with the original, and its invoice chains verified with
`manage.py verify_invoice_chain`. On SQLite (online backup, a file copy to restore) and on
PostgreSQL (pg_dump, pg_restore into a new database)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from seatwise.invoicing.models import Invoice
from tests.corporate.helpers import issue_invoice
from tests.factories import make_account

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def _rows_sqlite(path: Path, table: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(str(path))
    try:
        return sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    finally:
        db.close()


def _rows_postgresql(url: str, table: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as db:
        return sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def _some_history() -> None:
    """Demo accounts, and invoices and a credit note in their chains."""
    call_command("load_demo", verbosity=0)
    for n in range(3):
        account = make_account(kind="corporate", language="de", name=f"Drill {n} GmbH")
        issue_invoice(account, credit="14.00" if n == 1 else None)


def _verify_chain(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_invoice_chain"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_restore_drill(tmp_path):
    from tests.tasks import worker_env

    _some_history()
    documents = Invoice.objects.count()
    assert documents >= 4
    backup = tmp_path / ("seatwise.backup" if connection.vendor == "postgresql" else "seatwise.db")

    # 1. The backup, while Seatwise runs
    call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size > 0

    # 2. The restore, as docs/operations.md says, into a new database
    env = worker_env()
    if connection.vendor == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        restored.write_bytes(backup.read_bytes())
        env["SEATWISE_SQLITE_PATH"] = str(restored)
    else:
        settings = connection.settings_dict
        name = f"{settings['NAME']}_restored"
        base = [f"--host={settings['HOST']}", f"--port={settings['PORT']}", "--username=postgres"]
        subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
        subprocess.run(["createdb", *base, name], check=True)
        subprocess.run(
            ["pg_restore", *base, "--no-owner", "--exit-on-error", f"--dbname={name}", backup],
            check=True,
        )
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"

    # 3. Every table, row by row, as in the original
    compared: dict[str, int] = {}
    for table in _tables():
        if connection.vendor == "sqlite":
            original = _rows_sqlite(Path(connection.settings_dict["NAME"]), table)
            copy = _rows_sqlite(restored, table)
        else:
            original = _rows_postgresql(worker_env()["DATABASE_URL"], table)
            copy = _rows_postgresql(env["DATABASE_URL"], table)
        assert copy == original, table
        compared[table] = len(original)
    # Not a comparison of empty tables: the history is there, in both
    for table in ("invoicing_invoice", "accounts_person", "support_case", "audit_auditentry"):
        assert compared[table] > 0, table

    # 4. And the invoice chains hold in the restored database
    assert _verify_chain(env) == f"OK: {documents} documents in {_series()} series"

    if connection.vendor == "postgresql":
        subprocess.run(["dropdb", *base, name], check=True)


def _series() -> int:
    return len({(i.series, i.year) for i in Invoice.objects.all()})
