"""B4 (and its B0 floor): the bill run, ``billing.renewals.renewals_run``, renewing due
subscriptions, on the database this process is configured for (SQLite by default,
``DATABASE_URL`` for PostgreSQL).

Run as ``python -m bench.billrun COUNT`` by ``make bench`` (bench/__main__.py), once per
database, in a process of its own: it migrates an empty database, makes ``COUNT`` online
accounts through the services (each with a card on file and a monthly subscription whose
term ended yesterday; not timed), then times one run of the renewals, and prints one JSON
line: invoices issued, seconds, statements, the process's peak memory, and the floor: the
same invoice and line rows copied by one ``INSERT … SELECT`` each into tables without
constraints or indexes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def _prepare(count: int, today: date) -> None:
    from seatwise.accounts.services import Address, NewPerson, account_create
    from seatwise.audit.actors import Actor
    from seatwise.catalog.models import Plan
    from seatwise.core.dates import add_months
    from seatwise.payments.services import payment_method_add
    from seatwise.subscriptions.services import subscription_add

    by = Actor.system("bench")
    plan = Plan.objects.get(code="goto-meeting-standard-monthly")
    term_start = add_months(today - timedelta(days=1), -1)
    for n in range(count):
        account = account_create(
            name=f"Bill Run {n} GmbH",
            kind="online",
            country="DE",
            language="de",
            currency="EUR",
            vat_id="",
            address=Address(line1=f"Hauptstraße {n}", postal_code="10115", city="Berlin"),
            self_service_eligible=True,
            billing_contact=NewPerson(
                email=f"billing-{n}@billrun.example",
                first_name="Berta",
                last_name="Bauer",
                language="de",
            ),
            by=by,
        )
        payment_method_add(account=account, token="tok_visa", by=by)
        subscription_add(account=account, plan=plan, seats=1 + n % 20, term_start=term_start, by=by)


def _floor(invoice_ids: tuple[int, int]) -> float:
    """Seconds to copy the run's invoices and their lines with one statement each into
    tables without constraints or indexes (made empty, outside the timing)."""
    from django.db import connection, transaction

    from seatwise.invoicing.models import Invoice, InvoiceLine

    tables = [
        (Invoice._meta.db_table, "id"),
        (InvoiceLine._meta.db_table, "invoice_id"),
    ]
    with connection.cursor() as cursor:
        for table, _column in tables:
            cursor.execute(f"CREATE TABLE bench_{table} AS SELECT * FROM {table} WHERE 1 = 0")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column in tables:
            cursor.execute(
                f"INSERT INTO bench_{table} SELECT * FROM {table} WHERE {column} BETWEEN %s AND %s",
                list(invoice_ids),
            )
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1])
    sys.path.insert(0, str(BASE))
    os.chdir(BASE)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Min
    from django.utils import timezone

    from seatwise.audit.actors import Actor
    from seatwise.billing.renewals import renewals_run
    from seatwise.invoicing.models import Invoice

    call_command("migrate", "--noinput", verbosity=0)
    today = timezone.localdate()
    _prepare(count, today)
    before = Invoice.objects.aggregate(last=Max("id"))["last"] or 0
    statements = 0

    def count_statement(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count_statement):
        renewed = renewals_run(on=today, by=Actor.system("bench"))
    seconds = time.perf_counter() - started
    issued_ids = Invoice.objects.filter(pk__gt=before).aggregate(first=Min("id"), last=Max("id"))
    issued = Invoice.objects.filter(pk__gt=before).count()
    floor = _floor((issued_ids["first"], issued_ids["last"]))
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "subscriptions": count,
                "renewed": renewed,
                "invoices": issued,
                "seconds": seconds,
                "statements": statements,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "floor_seconds": floor,
            }
        )
    )


if __name__ == "__main__":
    main()
