"""Invoice numbers: gapless per series and year, allocated at issue, safe under concurrency."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import close_old_connections, connection, connections

from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.chain import chain_verify
from seatwise.invoicing.models import DocumentSeries, Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue
from tests.factories import SYSTEM, make_account
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats

ROOT = Path(__file__).resolve().parents[2]


def issue(account, *, on=ISSUED_ON, key=None, source="purchase"):
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=source,
        issue_date=on,
        idempotency_key=key,
        by=SYSTEM,
    )


@pytest.mark.django_db
class TestNumbers:
    def test_numbers_count_up_from_one_per_series_and_year(self, account):
        numbers = [issue(account).number for _ in range(3)]

        assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
        counter = DocumentSeries.objects.get(series="INV", year=2026)
        assert counter.next_number == 4

    def test_credit_notes_have_their_own_series(self, account):
        first = issue(account)

        note = credit_note_issue(
            invoice=first,
            amount_net=first.net_total,
            reason="x",
            settlement="none",
            issue_date=ISSUED_ON,
            by=SYSTEM,
        )
        second = issue(account)

        assert (first.number, note.number, second.number) == (
            "INV-2026-000001",
            "CN-2026-000001",
            "INV-2026-000002",
        )
        assert (note.series, note.year, note.sequence) == ("CN", 2026, 1)

    def test_a_new_year_starts_again_at_one(self, account):
        december = issue(account, on=date(2026, 12, 31))
        january = issue(account, on=date(2027, 1, 1))
        december_again = issue(account, on=date(2026, 12, 31))

        assert (december.number, january.number, december_again.number) == (
            "INV-2026-000001",
            "INV-2027-000001",
            "INV-2026-000002",
        )

    def test_the_same_idempotency_key_returns_the_same_invoice(self, account):
        first = issue(account, key="order-17")

        again = issue(account, key="order-17")

        assert again.pk == first.pk
        assert again.number == "INV-2026-000001"
        assert Invoice.objects.count() == 1
        assert DocumentSeries.objects.get(series="INV", year=2026).next_number == 2

    def test_a_key_of_another_account_is_refused_and_changes_nothing(self, account):
        issue(account, key="order-17")
        other = make_account(country="DE")

        with pytest.raises(Refused) as refusal:
            issue(other, key="order-17")

        assert refusal.value.code == "idempotency_key_reused"
        assert Invoice.objects.count() == 1
        assert DocumentSeries.objects.get(series="INV", year=2026).next_number == 2

    def test_a_refused_issue_takes_no_number(self, account):
        with pytest.raises(Invalid):
            invoice_issue(
                account=account,
                lines=[five_seats(currency="USD")],
                tax=GERMAN_VAT,
                source="purchase",
                issue_date=ISSUED_ON,
                by=SYSTEM,
            )

        assert issue(account).number == "INV-2026-000001"


def _sequences():
    return list(
        Invoice.objects.filter(series="INV", year=2026)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_threads_issuing_at_once_get_gapless_unique_numbers():
    """On SQLite the IMMEDIATE transactions serialise the writers; on PostgreSQL the row lock."""
    account = make_account(country="DE")
    threads_count, per_thread = 8, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            for _ in range(per_thread):
                issue(account)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    assert errors == []
    assert _sequences() == list(range(1, threads_count * per_thread + 1))
    assert chain_verify().ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_processes_issuing_at_once_get_numbers_one_to_n():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent processes and row locks")
    import os

    account = make_account(country="DE")
    processes_count, per_process = 8, 10
    env = dict(os.environ)
    base = env["DATABASE_URL"].rsplit("/", 1)[0]
    env["DATABASE_URL"] = f"{base}/{connection.settings_dict['NAME']}"
    start_at = time.time() + 3
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.invoicing.issue_worker",
                str(account.pk),
                str(per_process),
                str(start_at),
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(processes_count)
    ]
    codes = [process.wait(timeout=180) for process in processes]

    assert codes == [0] * processes_count
    assert _sequences() == list(range(1, processes_count * per_process + 1))
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == processes_count * per_process
    assert DocumentSeries.objects.get(series="INV", year=2026).next_number == 81
    assert chain_verify().ok
