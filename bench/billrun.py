"""B4 (and its B0 floor): the bill run on the database this process is configured for
(SQLite by default, ``DATABASE_URL`` for PostgreSQL), in a process of its own.

``python -m bench.billrun run COUNT``: migrates an empty database, generates ``COUNT``
accounts in bulk (``seatwise.demo.generate``) with one monthly subscription each whose term
ended yesterday (not timed), then times one bill run (``billing.renewals.renewals_bill``:
the invoices issued, the charges handed to the workers as tasks) and prints one JSON line:
invoices issued, seconds, statements, the process's peak memory, and the floor: the same
invoice and line rows copied by one ``INSERT … SELECT`` each into tables without
constraints or indexes.

``python -m bench.billrun charges COUNT WORKERS LATENCY``: ``COUNT`` accounts made through
the services, each with a card on file; the bill run (not timed); then the test gateway
answers every call after ``LATENCY`` seconds and ``WORKERS`` task workers (``scripts/serve.sh
worker``, as production runs them) take the charges the run handed over, each running several
at once (``SEATWISE_PURCHASE_CONCURRENCY``); timed from the workers' start until no renewal is open
(charged and applied; the workers are stopped then, before the documents the run issued are
all archived); one JSON line, with the workers' peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def _generate(count: int, today: date) -> None:
    """``count`` generated accounts, each with a monthly subscription due ``today``."""
    from seatwise.catalog.models import Plan
    from seatwise.core.dates import add_months
    from seatwise.demo.generate import Mix, accounts_generate
    from seatwise.subscriptions.models import Subscription

    accounts_generate(count=count, mix=Mix(invoiced_every=10**9, case_every=10**9))
    plan = Plan.objects.select_related("product").get(code="goto-meeting-standard-monthly")
    term_end = today - timedelta(days=1)
    term_start = add_months(term_end, -1)
    from seatwise.accounts.models import Account

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), 10_000):
        Subscription.objects.bulk_create(
            [
                Subscription(
                    account_id=account_id,
                    product=plan.product,
                    plan=plan,
                    seats=1 + account_id % 20,
                    term_start=term_start,
                    term_end=term_end,
                )
                for account_id in ids[first : first + 10_000]
            ]
        )


def _with_cards(count: int, today: date) -> None:
    """``count`` accounts made through the services, each with a card and a monthly
    subscription due ``today``."""
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


def _setup() -> date:
    from bench.server import django_in_process

    django_in_process()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", "--noinput", verbosity=0)
    return timezone.localdate()


def run(count: int) -> dict[str, object]:
    today = _setup()
    from django.db import connection
    from django.db.models import Max, Min

    from seatwise.audit.actors import Actor
    from seatwise.billing.renewals import renewals_bill
    from seatwise.invoicing.models import Invoice

    _generate(count, today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    before = Invoice.objects.aggregate(last=Max("id"))["last"] or 0
    statements = 0

    def count_statement(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count_statement):
        bill = renewals_bill(on=today, by=Actor.system("bench"))
    seconds = time.perf_counter() - started
    issued = Invoice.objects.filter(pk__gt=before)
    ids = issued.aggregate(first=Min("id"), last=Max("id"))
    return {
        "database": connection.vendor,
        "subscriptions": count,
        "invoices": issued.count(),
        "invoiced": bill.invoiced,
        "seconds": seconds,
        "statements": statements,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "floor_seconds": _floor((ids["first"], ids["last"])),
    }


def charges(count: int, workers: int, latency: float) -> dict[str, object]:
    today = _setup()
    from django.conf import settings
    from django.db import connection

    from seatwise.audit.actors import Actor
    from seatwise.billing.renewals import renewals_bill
    from seatwise.payments.gateways.test import set_test_gateway_mode
    from seatwise.payments.models import TestGatewayCharge
    from seatwise.sales.models import Purchase

    _with_cards(count, today)
    renewals_bill(on=today, by=Actor.system("bench"))
    set_test_gateway_mode("slow", delay_seconds=latency)
    connection.close()
    # The task worker as production runs it (scripts/serve.sh worker), stopped below.
    command = ["bash", "scripts/serve.sh", "worker"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=BASE) for _n in range(workers)]
    # Charged and applied: no renewal open any more (looked at every 50 ms).
    open_renewals = Purchase.objects.filter(status=Purchase.Status.OPEN)
    while open_renewals.exists() and all(p.poll() is None for p in processes):
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    # The documents the run issued are still being archived: not this benchmark's work.
    for process in processes:
        process.terminate()
    peak_rss_mb = 0.0
    for process in processes:
        _pid, _status, usage = os.wait4(process.pid, 0)
        peak_rss_mb = max(peak_rss_mb, usage.ru_maxrss / 1024)
    return {
        "database": connection.vendor,
        "renewals": count,
        "completed": Purchase.objects.filter(status=Purchase.Status.COMPLETED).count(),
        "charges": TestGatewayCharge.objects.count(),
        "workers": workers,
        "concurrency": settings.SEATWISE_PURCHASE_CONCURRENCY,
        "latency_s": latency,
        "seconds": seconds,
        "worker_peak_rss_mb": peak_rss_mb,
    }


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "run":
        result = run(int(args[0]))
    elif mode == "charges":
        result = charges(int(args[0]), int(args[1]), float(args[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}: run COUNT | charges COUNT WORKERS LATENCY")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
