"""Issuing invoices and credit notes, recording payments, and what an issued document says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from seatwise.accounts.models import Account
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.documents import DocumentLine, Party
from seatwise.invoicing.models import DocumentSeries, ImmutableDocument, Invoice, InvoiceLine
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import (
    credit_note_issue,
    document_for,
    invoice_issue,
    invoice_record_payment,
)
from tests.factories import SYSTEM, billing_contact, make_account
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats

pytestmark = pytest.mark.django_db


def issue(account, *, lines=None, tax=GERMAN_VAT, **kwargs):
    return invoice_issue(
        account=account,
        lines=lines or [five_seats()],
        tax=tax,
        source="purchase",
        issue_date=ISSUED_ON,
        by=SYSTEM,
        **kwargs,
    )


def state():
    """Everything a refusal must leave unchanged."""
    return (
        list(Invoice.objects.order_by("pk").values_list("number", "paid_amount", "status")),
        InvoiceLine.objects.count(),
        list(DocumentSeries.objects.order_by("pk").values_list("next_number", "last_hash")),
        AuditEntry.objects.count(),
    )


class TestIssue:
    def test_an_invoice_snapshots_totals_parties_and_vat(self, account):
        invoice = issue(account, purchase_order="PO-4711")

        document = document_for(invoice)
        assert (document.kind, document.number, document.issue_date, document.due_date) == (
            "invoice",
            "INV-2026-000001",
            date(2026, 3, 1),
            date(2026, 3, 15),
        )
        assert (document.currency, document.language) == ("EUR", "de")
        assert (document.net_total, document.tax_total, document.gross_total) == (
            Decimal("70.00"),
            Decimal("13.30"),
            Decimal("83.30"),
        )
        assert (document.tax_category, document.tax_rate, document.tax_note) == (
            "S",
            Decimal("19.00"),
            "",
        )
        assert document.seller == Party(
            name="Seatwise Software GmbH",
            address_lines=("Friedrichstraße 100",),
            postal_code="10117",
            city="Berlin",
            country="DE",
            vat_id="DE136695976",
            email="billing@seatwise.test",
        )
        assert document.seller_iban == "DE89370400440532013000"
        assert document.buyer == Party(
            name="Muster GmbH",
            address_lines=(account.address_line1,),
            postal_code="10115",
            city="Berlin",
            country="DE",
            vat_id="",
            email=billing_contact(account).email,
        )
        assert document.lines == (
            DocumentLine(
                description="GoTo Meeting Standard (Monatlich), Abonnementlaufzeit",
                quantity=Decimal("5"),
                unit_price=Decimal("14.0000"),
                net_amount=Decimal("70.00"),
                period_start=date(2026, 3, 1),
                period_end=date(2026, 3, 31),
            ),
        )
        assert (
            document.delivery_date,
            document.purchase_order,
            document.prepaid_amount,
            document.prepayments,
            document.vat_in_accounting_currency,
        ) == (date(2026, 3, 1), "PO-4711", Decimal("0.00"), (), None)
        assert invoice.status == "open"
        entry = AuditEntry.objects.get(action="invoice.issue")
        assert (entry.object_id, entry.account_id, entry.new["number"]) == (
            str(invoice.pk),
            account.pk,
            "INV-2026-000001",
        )

    def test_the_line_text_is_in_the_buyers_language(self, account):
        invoice = issue(account)

        [line] = document_for(invoice).lines
        assert line.quantity == Decimal("5")
        assert line.unit_price == Decimal("14.0000")
        assert (line.period_start, line.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
        assert line.description == "GoTo Meeting Standard (Monatlich), Abonnementlaufzeit"

    def test_reverse_charge_carries_the_legal_note_in_the_buyers_language(self):
        austrian = make_account(country="AT", language="de", vat_id="ATU13585627")
        tax = account_tax_decision(account=austrian, on=ISSUED_ON)

        document = document_for(issue(austrian, tax=tax))

        assert (document.tax_category, document.tax_rate, document.tax_total) == (
            "AE",
            Decimal("0.00"),
            Decimal("0.00"),
        )
        assert document.tax_note.startswith("Steuerschuldnerschaft des Leistungsempfängers")
        assert document.buyer.vat_id == "ATU13585627"

    def test_a_corporate_account_shows_its_user_id(self):
        corporate = make_account(kind="corporate", country="DE")

        document = document_for(issue(corporate))

        assert document.corporate_user_id == billing_contact(corporate).email

    def test_changing_the_account_later_does_not_change_the_document(self, account):
        invoice = issue(account)
        before = document_for(invoice)

        Account.objects.filter(pk=account.pk).update(
            name="Renamed AG", address_line1="Elsewhere 1", city="Hamburg", language="en"
        )
        invoice.refresh_from_db()

        assert document_for(invoice) == before

    def test_a_negative_invoice_is_refused_and_changes_nothing(self, account):
        from dataclasses import replace

        credit = replace(five_seats(), kind="plan_credit", amount=Decimal("-70.00"))
        before = state()

        with pytest.raises(Refused) as refusal:
            issue(account, lines=[credit])

        assert refusal.value.code == "negative_invoice"
        assert state() == before

    @pytest.mark.parametrize(
        ("kwargs", "code"),
        [
            ({"lines": []}, "no_lines"),
            ({"source": "correction"}, "invalid_source"),
            ({"due_days": -1}, "invalid_due_days"),
            ({"idempotency_key": ""}, "invalid_idempotency_key"),
        ],
    )
    def test_invalid_input_is_refused_and_changes_nothing(self, account, kwargs, code):
        before = state()
        arguments = {
            "account": account,
            "lines": [five_seats()],
            "tax": GERMAN_VAT,
            "source": "purchase",
            "issue_date": ISSUED_ON,
            "by": SYSTEM,
            **kwargs,
        }

        with pytest.raises(Invalid) as refusal:
            invoice_issue(**arguments)

        assert refusal.value.code == code
        assert state() == before


class TestImmutability:
    def test_saving_an_issued_invoice_with_other_changes_is_refused(self, account):
        invoice = issue(account)
        invoice.net_total = Decimal("1.00")

        with pytest.raises(ImmutableDocument):
            invoice.save()
        with pytest.raises(ImmutableDocument):
            invoice.save(update_fields=["net_total", "status"])

        assert Invoice.objects.get(pk=invoice.pk).net_total == Decimal("70.00")

    def test_an_issued_invoice_and_its_lines_cannot_be_deleted_or_edited(self, account):
        invoice = issue(account)
        line = invoice.lines.get()

        with pytest.raises(ImmutableDocument):
            invoice.delete()
        with pytest.raises(ImmutableDocument):
            line.delete()
        line.description = "changed"
        with pytest.raises(ImmutableDocument):
            line.save()

        assert Invoice.objects.count() == 1
        assert InvoiceLine.objects.get().description != "changed"


class TestPayments:
    def test_partial_then_full_payment(self, account):
        invoice = issue(account)

        invoice_record_payment(
            invoice=invoice, amount=Decimal("30.00"), reference="ch_1", by=SYSTEM
        )
        invoice.refresh_from_db()
        assert (invoice.paid_amount, invoice.status, invoice_amount_due(invoice)) == (
            Decimal("30.00"),
            "open",
            Decimal("53.30"),
        )

        paid = invoice_record_payment(
            invoice=invoice, amount=Decimal("53.30"), reference="ch_2", by=SYSTEM
        )

        assert (paid.paid_amount, paid.status, invoice_amount_due(paid)) == (
            Decimal("83.30"),
            "paid",
            Decimal("0.00"),
        )
        entries = AuditEntry.objects.filter(action="invoice.record_payment").order_by("pk")
        assert [(e.new["amount"], e.new["reference"], e.new["status"]) for e in entries] == [
            ("30.00", "ch_1", "open"),
            ("53.30", "ch_2", "paid"),
        ]

    def test_paying_more_than_is_due_is_refused_and_changes_nothing(self, account):
        invoice = issue(account)
        invoice_record_payment(invoice=invoice, amount=Decimal("80.00"), reference="a", by=SYSTEM)
        before = state()

        with pytest.raises(Refused) as refusal:
            invoice_record_payment(
                invoice=invoice, amount=Decimal("3.31"), reference="b", by=SYSTEM
            )

        assert refusal.value.code == "payment_exceeds_amount_due"
        assert state() == before

    @pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("1.001")])
    def test_an_invalid_amount_is_refused(self, account, amount):
        invoice = issue(account)
        before = state()

        with pytest.raises(Invalid):
            invoice_record_payment(invoice=invoice, amount=amount, reference="a", by=SYSTEM)

        assert state() == before

    def test_a_credit_note_cannot_be_paid(self, account):
        invoice = issue(account)
        note = credit_note_issue(
            invoice=invoice, amount_net=Decimal("10.00"), reason="r", settlement="none", by=SYSTEM
        )

        with pytest.raises(Refused) as refusal:
            invoice_record_payment(invoice=note, amount=Decimal("1.00"), reference="a", by=SYSTEM)

        assert refusal.value.code == "not_an_invoice"


class TestCreditNotes:
    def test_a_partial_credit_note(self, account):
        invoice = issue(account)

        note = credit_note_issue(
            invoice=invoice,
            amount_net=Decimal("10.00"),
            reason="Goodwill",
            settlement="none",
            issue_date=date(2026, 3, 20),
            by=SYSTEM,
        )

        document = document_for(note)
        assert (document.kind, document.number, document.preceding_number) == (
            "credit_note",
            "CN-2026-000001",
            "INV-2026-000001",
        )
        assert (document.net_total, document.tax_total, document.gross_total) == (
            Decimal("10.00"),
            Decimal("1.90"),
            Decimal("11.90"),
        )
        [line] = document.lines
        assert (line.description, line.quantity, line.net_amount, line.period_start) == (
            "Korrektur: Goodwill",
            Decimal("1"),
            Decimal("10.00"),
            None,
        )
        assert (document.issue_date, document.due_date, document.preceding_issue_date) == (
            date(2026, 3, 20),
            None,
            date(2026, 3, 1),
        )
        assert document.buyer == document_for(invoice).buyer
        assert (document.settlement, document.settlement_amount, document.cancels_in_full) == (
            "none",
            Decimal("0.00"),
            False,
        )
        invoice.refresh_from_db()
        assert (invoice.status, invoice_amount_due(invoice)) == ("open", Decimal("71.40"))

    def test_credit_notes_never_exceed_the_invoice_and_a_refusal_changes_nothing(self, account):
        invoice = issue(account)
        credit_note_issue(
            invoice=invoice, amount_net=Decimal("60.00"), reason="a", settlement="none", by=SYSTEM
        )
        before = state()

        with pytest.raises(Refused) as refusal:
            credit_note_issue(
                invoice=invoice,
                amount_net=Decimal("10.01"),
                reason="b",
                settlement="none",
                by=SYSTEM,
            )

        assert refusal.value.code == "credit_exceeds_invoice"
        assert state() == before

    def test_crediting_the_rest_settles_the_invoice(self, account):
        invoice = issue(account)
        invoice_record_payment(invoice=invoice, amount=Decimal("23.80"), reference="a", by=SYSTEM)

        note = credit_note_issue(
            invoice=invoice,
            lines=[five_seats()],
            reason="Cancelled",
            settlement="refund",
            by=SYSTEM,
        )

        # the 23.80 paid goes back; the rest only cancels what was still due
        assert (note.settlement, note.settlement_amount) == ("refund", Decimal("23.80"))
        assert document_for(note).cancels_in_full is True
        invoice.refresh_from_db()
        assert invoice.status == "credited"
        assert invoice_amount_due(invoice) == Decimal("0.00")
        totals = Invoice.objects.filter(corrects=invoice).aggregate(gross=Sum("gross_total"))
        assert totals["gross"] == Decimal("83.30")

    def test_the_same_key_returns_the_same_credit_note(self, account):
        invoice = issue(account)

        first = credit_note_issue(
            invoice=invoice,
            amount_net=Decimal("5.00"),
            reason="a",
            settlement="none",
            by=SYSTEM,
            idempotency_key="k",
        )
        again = credit_note_issue(
            invoice=invoice,
            amount_net=Decimal("5.00"),
            reason="a",
            settlement="none",
            by=SYSTEM,
            idempotency_key="k",
        )

        assert again.pk == first.pk
        assert Invoice.objects.filter(kind="credit_note").count() == 1

    def test_a_credit_note_cannot_be_credited(self, account):
        note = credit_note_issue(
            invoice=issue(account),
            amount_net=Decimal("5.00"),
            reason="a",
            settlement="none",
            by=SYSTEM,
        )

        with pytest.raises(Refused) as refusal:
            credit_note_issue(
                invoice=note, amount_net=Decimal("1.00"), reason="b", settlement="none", by=SYSTEM
            )

        assert refusal.value.code == "not_an_invoice"

    @pytest.mark.parametrize(
        ("kwargs", "code"),
        [
            ({"amount_net": Decimal("0.00")}, "invalid_amount"),
            ({"amount_net": Decimal("1.005")}, "invalid_amount"),
            ({}, "amount_or_lines"),
            ({"amount_net": Decimal("1.00"), "reason": " "}, "invalid_reason"),
            (
                {"amount_net": Decimal("1.00"), "issue_date": date(2026, 2, 28)},
                "credit_before_invoice",
            ),
        ],
    )
    def test_invalid_credit_notes_are_refused(self, account, kwargs, code):
        invoice = issue(account)
        before = state()

        with pytest.raises(Invalid) as refusal:
            credit_note_issue(
                invoice=invoice, by=SYSTEM, **{"reason": "r", "settlement": "none", **kwargs}
            )

        assert refusal.value.code == code
        assert state() == before
