"""Both portals' invoice histories: the archived PDF and UBL of each document for the right
person only, credit notes with their settlement (and a refund's status), the account's open
credit."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatwise.invoicing.archive import document_file
from seatwise.invoicing.models import ArchivedDocument, Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.payments.models import Refund
from seatwise.payments.refunds import refund_charge
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
)
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.payments.charging import charge
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def issue(account, on: date = ON) -> Invoice:
    """5 seats × 14.00 = 70.00 net, 19 % VAT: 83.30 gross."""
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=on,
        by=SYSTEM,
    )


def paid(invoice: Invoice) -> Invoice:
    return invoice_record_payment(
        invoice=invoice, amount=invoice.gross_total, reference="p", by=SYSTEM
    )


def cancel(invoice: Invoice, settlement: str, net: str = "70.00") -> Invoice:
    return credit_note_issue(
        invoice=invoice,
        amount_net=Decimal(net),
        reason="Cancelled",
        settlement=settlement,
        issue_date=invoice.issue_date,
        by=SYSTEM,
    )


def stored(invoice: Invoice, file_format: str) -> bytes:
    return bytes(document_file(invoice=invoice, file_format=file_format, by=SYSTEM).content)


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def online(client):
    """The billing admin of an online account, signed in, and another online account."""
    account = make_account(kind="online", language="en", name="Mine Ltd")
    client.force_login(billing_contact(account))
    return account, make_account(kind="online", language="en", name="Other Ltd")


@pytest.fixture
def corporate(client):
    """A Corporate Billing Portal session, and another corporate account."""
    account = corporate_account()
    portal_sign_in(client, account)
    return account, corporate_account(name="Other Corp")


PORTALS = {
    "billing": ("online", "/billing/invoices/"),
    "corporate": ("corporate", "/corporate/invoices/"),
}


@pytest.fixture(params=list(PORTALS))
def portal(request):
    """(account, other account, the history's URL) in each portal."""
    fixture, url = PORTALS[request.param]
    account, other = request.getfixturevalue(fixture)
    return account, other, url


class TestDownloads:
    @pytest.mark.parametrize(
        ("file_format", "content_type", "extension"),
        [("ubl", "application/xml", "xml"), ("pdf", "application/pdf", "pdf")],
    )
    def test_the_stored_file_is_downloaded_the_same_every_time(
        self, client, portal, file_format, content_type, extension
    ):
        account, _other, url = portal
        invoice = issue(account)

        first = client.get(f"{url}{invoice.pk}/{file_format}/")
        paid(invoice)
        again = client.get(f"{url}{invoice.pk}/{file_format}/")

        assert first.status_code == again.status_code == 200
        assert first["Content-Type"] == content_type
        assert first["Content-Disposition"] == (
            f'attachment; filename="{invoice.number}.{extension}"'
        )
        assert first.content == again.content == stored(invoice, file_format)
        assert ArchivedDocument.objects.filter(invoice=invoice, format=file_format).count() == 1

    @pytest.mark.parametrize("file_format", ["ubl", "pdf"])
    def test_another_accounts_document_is_not_found_and_not_archived(
        self, client, portal, file_format
    ):
        _account, other, url = portal
        foreign = issue(other)

        response = client.get(f"{url}{foreign.pk}/{file_format}/")

        assert response.status_code == 404
        assert ArchivedDocument.objects.count() == 0

    def test_the_ubl_is_for_the_billing_admin_only(self, client):
        account = make_account(kind="online", language="en")
        invoice = issue(account)
        client.force_login(make_person(account))

        response = client.get(f"/billing/invoices/{invoice.pk}/ubl/")

        assert response.status_code == 302
        assert ArchivedDocument.objects.count() == 0

    def test_the_ubl_needs_a_portal_session(self, client):
        invoice = issue(corporate_account())

        response = client.get(f"/corporate/invoices/{invoice.pk}/ubl/")

        assert response.status_code == 302
        assert response["Location"].startswith("/corporate/signin/")


class TestHistory:
    def test_each_document_has_its_pdf_and_ubl(self, client, portal):
        account, _other, url = portal
        invoice = issue(account)

        html = client.get(url).content.decode()

        assert f'href="{url}{invoice.pk}/pdf/" download>Download {invoice.number}</a>' in html
        assert (
            f'href="{url}{invoice.pk}/ubl/" download>E-invoice {invoice.number} (UBL)</a>' in html
        )

    def test_credit_notes_say_how_they_are_settled(self, client, portal):
        account, _other, url = portal
        card = make_card(account)
        # issued before any credit is set off (the next invoice would use it up)
        unpaid = issue(account, date(2026, 3, 4))
        refunded = paid(issue(account, date(2026, 3, 1)))
        payment = charge(card, key="c-1", amount="83.30", invoice_id=refunded.pk)
        refund_note = cancel(refunded, "refund")
        refund_charge(
            charge=payment,
            amount=refund_note.settlement_amount,
            idempotency_key=f"refund:{refund_note.pk}",
            reason="credit note",
            by=SYSTEM,
            credit_note_id=refund_note.pk,
        )
        pending_note = cancel(paid(issue(account, date(2026, 3, 2))), "refund", net="10.00")
        set_off_note = cancel(paid(issue(account, date(2026, 3, 3))), "set_off", net="10.00")
        none_note = cancel(unpaid, "none")
        assert Refund.objects.get().status == "succeeded"

        text = visible(client.get(url).content.decode())

        assert (
            f"Credit note for {refunded.number}: Cancelled €83.30 refunded to the original "
            "payment method" in text
        )
        assert (
            f"Credit note for {pending_note.corrects.number}: Cancelled Refund of €11.90 to the "
            "original payment method in progress" in text
        )
        assert (
            f"Credit note for {set_off_note.corrects.number}: Cancelled €11.90 set off against "
            "your next invoices" in text
        )
        assert (
            f"Credit note for {none_note.corrects.number}: Cancelled Nothing to settle: it "
            "reduced the amount due on the invoice" in text
        )
        assert "Your account has a credit of €11.90. Your next invoices use it first." in text

    def test_a_failed_refund_says_so(self, client, portal):
        account, _other, url = portal
        card = make_card(account)
        invoice = paid(issue(account))
        payment = charge(card, key="c-1", amount="83.30", invoice_id=invoice.pk)
        note = cancel(invoice, "refund")
        refund = refund_charge(
            charge=payment,
            amount=note.settlement_amount,
            idempotency_key=f"refund:{note.pk}",
            reason="credit note",
            by=SYSTEM,
            credit_note_id=note.pk,
        )
        Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED)

        text = visible(client.get(url).content.decode())

        assert "Refund of €83.30 failed: please contact customer service" in text

    def test_no_credit_no_notice(self, client, portal):
        account, _other, url = portal
        issue(account)

        assert "Your account has a credit" not in client.get(url).content.decode()

    def test_queries_do_not_grow_with_refunded_credit_notes(self, client, portal):
        account, _other, url = portal
        card = make_card(account)

        def queries_with(n: int) -> int:
            for _ in range(n):
                invoice = paid(issue(account))
                payment = charge(card, key=f"c-{invoice.pk}", amount="83.30", invoice_id=invoice.pk)
                note = cancel(invoice, "refund")
                refund_charge(
                    charge=payment,
                    amount=note.settlement_amount,
                    idempotency_key=f"refund:{note.pk}",
                    reason="credit note",
                    by=SYSTEM,
                    credit_note_id=note.pk,
                )
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        assert queries_with(1) == queries_with(5)
