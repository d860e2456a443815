"""Invoices issued together (a bill run's batch): one block of numbers, set-based writes, the
same invoices ``invoice_issue`` would issue one by one."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatwise.accounts.models import Account
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.chain import chain_verify
from seatwise.invoicing.models import AccountCredit, DocumentSeries, Invoice, InvoiceLine
from seatwise.invoicing.services import InvoiceRequest, invoice_issue, invoices_issue_many
from tests.factories import SYSTEM, make_account
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats
from tests.invoicing.test_documents import credit, pay_in_full


def request(account, *, seats=5, key=None, on=ISSUED_ON, currency="EUR"):
    return InvoiceRequest(
        account=account,
        lines=[five_seats(seats=seats, currency=currency)],
        tax=GERMAN_VAT,
        source="renewal",
        idempotency_key=key,
        issue_date=on,
    )


def accounts(count):
    return [make_account(country="DE", language="de", name=f"Kunde {n}") for n in range(count)]


def statements(queries, prefix):
    """The statements starting with ``prefix``; an ``INSERT INTO "t"`` is also a
    ``COPY "t"`` (core.bulk on PostgreSQL) or one executed for many rows (``executemany``,
    logged as ``<n> times: INSERT INTO "t" …``, core.bulk on SQLite)."""
    copy = prefix.replace("INSERT INTO ", "COPY ", 1)
    return [
        query["sql"]
        for query in queries
        if re.sub(r"^\d+ times: ", "", query["sql"]).startswith((prefix, copy))
    ]


def issued_alone(account: Account) -> Invoice:
    """The invoice ``request(account)`` asks for, issued one by one (``invoice_issue``)."""
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=ISSUED_ON,
        by=SYSTEM,
    )


@pytest.mark.django_db
class TestABatch:
    def test_numbers_are_one_block_in_the_order_of_the_requests_and_the_chain_holds(self):
        buyers = accounts(3)
        issue_one = invoice_issue(
            account=buyers[0],
            lines=[five_seats()],
            tax=GERMAN_VAT,
            source="renewal",
            issue_date=ISSUED_ON,
            by=SYSTEM,
        )

        batch = invoices_issue_many(
            [request(buyers[n % 3], seats=n + 1) for n in range(5)], by=SYSTEM
        )

        assert issue_one.number == "INV-2026-000001"
        assert [(i.number, i.account_id, i.net_total) for i in batch] == [
            ("INV-2026-000002", buyers[0].pk, Decimal("14.00")),
            ("INV-2026-000003", buyers[1].pk, Decimal("28.00")),
            ("INV-2026-000004", buyers[2].pk, Decimal("42.00")),
            ("INV-2026-000005", buyers[0].pk, Decimal("56.00")),
            ("INV-2026-000006", buyers[1].pk, Decimal("70.00")),
        ]
        assert [i.previous_hash for i in batch[1:]] == [i.hash for i in batch[:-1]]
        counter = DocumentSeries.objects.get(series="INV", year=2026)
        assert (counter.next_number, counter.last_hash) == (7, batch[-1].hash)
        assert chain_verify().ok
        audited = AuditEntry.objects.filter(action="invoice.issue").order_by("id")
        assert [entry.new["number"] for entry in audited] == [
            issue_one.number,
            *(i.number for i in batch),
        ]

    def test_a_batch_is_the_same_invoice_as_one_issued_alone(self):
        [alone_account, batch_account] = accounts(2)
        alone = issued_alone(alone_account)
        [batched] = invoices_issue_many([request(batch_account)], by=SYSTEM)

        fields = ["gross_total", "tax_total", "status", "due_date", "tax_note", "language"]
        assert [getattr(batched, f) for f in fields] == [getattr(alone, f) for f in fields]
        assert list(batched.lines.values_list("quantity", "unit_price", "net_amount")) == list(
            alone.lines.values_list("quantity", "unit_price", "net_amount")
        )

    def test_every_stored_value_is_the_one_an_invoice_issued_alone_has(self):
        """The batch stores plain rows (core.bulk.values_insert), not model instances: each
        invoice, its line and its audit entry hold what one issued alone holds, in every
        column but those that name the document or its buyer; and the invoice returned is
        the row stored."""
        alone_account, *batch_accounts = [
            make_account(country="DE", language="de", name="Kunde") for _n in range(3)
        ]
        alone = issued_alone(alone_account)
        batch = invoices_issue_many([request(account) for account in batch_accounts], by=SYSTEM)

        naming = {"id", "number", "sequence", "account_id", "previous_hash", "hash", "created_at"}

        def stored(invoice):
            row = Invoice.objects.filter(pk=invoice.pk).values().get()
            buyer = row.pop("buyer")
            lines = list(
                invoice.lines.values(
                    "position",
                    "description",
                    "quantity",
                    "unit_price",
                    "term_unit_price",
                    "net_amount",
                    "period_start",
                    "period_end",
                )
            )
            entry = AuditEntry.objects.get(action="invoice.issue", object_id=str(invoice.pk))
            return (
                {name: value for name, value in row.items() if name not in naming},
                {name: buyer[name] for name in ("name", "postal_code", "city", "country")},
                lines,
                {name: value for name, value in entry.new.items() if name != "number"},
            )

        for invoice in batch:
            assert stored(invoice) == stored(alone)
            row = Invoice.objects.filter(pk=invoice.pk).values().get()
            assert {name: getattr(invoice, name) for name in row} == row
        assert stored(alone)[0]["status"] == "open"
        with CaptureQueriesContext(connection) as queries:  # the buyers held, not read again
            buyers = [invoice.account for invoice in batch]
        assert (buyers, len(queries)) == (batch_accounts, 0)
        assert stored(alone)[2] == [
            {
                "position": 1,
                "description": "GoTo Meeting Standard (Monatlich), Abonnementlaufzeit",
                "quantity": Decimal("5.00"),
                "unit_price": Decimal("14.00000000"),
                "term_unit_price": None,
                "net_amount": Decimal("70.00"),
                "period_start": date(2026, 3, 1),
                "period_end": date(2026, 3, 31),
            }
        ]

    def test_the_writes_are_set_based_whatever_the_size(self):
        buyers = accounts(40)

        with CaptureQueriesContext(connection) as queries:
            invoices_issue_many([request(buyer) for buyer in buyers], by=SYSTEM)

        assert len(statements(queries, 'INSERT INTO "invoicing_invoice"')) == 1
        assert len(statements(queries, 'INSERT INTO "invoicing_invoiceline"')) == 1
        assert len(statements(queries, 'INSERT INTO "audit_auditentry"')) == 1
        assert len(statements(queries, 'UPDATE "invoicing_documentseries"')) == 1
        assert Invoice.objects.count() == 40
        assert InvoiceLine.objects.count() == 40

    def test_the_statements_do_not_grow_with_the_batch(self):
        """The batch reads its plans' names, the VAT rates and the billing contacts once
        (core.memo), whatever its size (not counted: the archiving tasks, one per
        ``ARCHIVE_BATCH`` documents, rows of the database task backend)."""
        buyers = accounts(65)

        def issued(batch):
            with CaptureQueriesContext(connection) as queries:
                invoices_issue_many([request(buyer) for buyer in batch], by=SYSTEM)
            return [q["sql"] for q in queries if "django_tasks_database" not in q["sql"]]

        five, twenty, forty = issued(buyers[:5]), issued(buyers[5:25]), issued(buyers[25:65])
        assert len(five) == len(twenty) == len(forty)

    def test_each_year_is_its_own_block(self):
        [buyer] = accounts(1)

        batch = invoices_issue_many(
            [
                request(buyer, on=date(2026, 12, 31)),
                request(buyer, on=date(2027, 1, 1)),
                request(buyer, on=date(2026, 12, 31)),
            ],
            by=SYSTEM,
        )

        assert [i.number for i in batch] == [
            "INV-2026-000001",
            "INV-2027-000001",
            "INV-2026-000002",
        ]
        assert chain_verify().ok

    def test_a_key_issued_before_returns_that_invoice_and_takes_no_number(self):
        [buyer] = accounts(1)
        [first] = invoices_issue_many([request(buyer, key="renewal:1")], by=SYSTEM)

        again = invoices_issue_many(
            [request(buyer, key="renewal:2"), request(buyer, key="renewal:1")], by=SYSTEM
        )

        assert [i.number for i in again] == ["INV-2026-000002", first.number]
        assert again[1].pk == first.pk
        assert DocumentSeries.objects.get(series="INV", year=2026).next_number == 3

    def test_a_key_of_another_account_refuses_the_batch(self):
        [mine, theirs] = accounts(2)
        invoices_issue_many([request(theirs, key="renewal:1")], by=SYSTEM)

        with pytest.raises(Refused) as refused:
            invoices_issue_many(
                [request(mine, key="renewal:2"), request(mine, key="renewal:1")], by=SYSTEM
            )

        assert refused.value.code == "idempotency_key_reused"
        assert Invoice.objects.count() == 1

    def test_one_invalid_request_refuses_the_batch_and_writes_nothing(self):
        [buyer] = accounts(1)

        with pytest.raises(Invalid) as invalid:
            invoices_issue_many([request(buyer), request(buyer, currency="USD")], by=SYSTEM)

        assert invalid.value.code == "currency_mismatch"
        assert Invoice.objects.count() == 0
        assert not DocumentSeries.objects.exists()

    def test_two_invoices_of_one_account_share_its_credit_in_their_order(self):
        [buyer] = accounts(1)
        # 83.30 of credit: a paid invoice of 70.00 + 19 % cancelled by set-off
        credit(pay_in_full(invoices_issue_many([request(buyer)], by=SYSTEM)[0]), "set_off")

        # two invoices of 3 seats: 42.00 + 7.98 = 49.98 each
        first, second = invoices_issue_many(
            [request(buyer, seats=3), request(buyer, seats=3)], by=SYSTEM
        )

        assert (first.prepaid_amount, first.status) == (Decimal("49.98"), "paid")
        assert (second.prepaid_amount, second.status) == (Decimal("33.32"), "open")
        assert AccountCredit.objects.get(account=buyer).remaining == Decimal("0.00")
        assert chain_verify().ok
