"""The API's invoices: an account's documents, and each one's archived PDF and UBL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.invoicing.archive import document_file
from seatwise.invoicing.models import ArchivedDocument, Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from tests.api.conftest import BASE, error
from tests.factories import SYSTEM, ensure_default_catalog, make_account
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def issue(account) -> Invoice:
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=ON,
        by=SYSTEM,
    )


def document_url(account_id: int, invoice_id: int, file_format: str | None = None) -> str:
    query = f"?format={file_format}" if file_format else ""
    return f"{BASE}/accounts/{account_id}/invoices/{invoice_id}/document{query}"


def test_lists_an_accounts_invoices_and_credit_notes_with_their_settlement(api):
    # given a paid invoice cancelled by a credit note settled by set-off, and the next invoice
    account = make_account()
    first = issue(account)
    invoice_record_payment(invoice=first, amount=Decimal("83.30"), reference="p", by=SYSTEM)
    note = credit_note_issue(
        invoice=first,
        amount_net=Decimal("10.00"),
        reason="Goodwill",
        settlement="set_off",
        issue_date=ON,
        by=SYSTEM,
    )
    second = issue(account)
    issue(make_account())  # another account's

    response = api.get_json(f"/accounts/{account.pk}/invoices")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": first.pk,
                "account_id": account.pk,
                "kind": "invoice",
                "number": "INV-2026-000001",
                "issue_date": "2026-03-01",
                "due_date": "2026-03-15",
                "currency": "EUR",
                "net_total": "70.00",
                "tax_total": "13.30",
                "gross_total": "83.30",
                "prepaid_amount": "0.00",
                "paid_amount": "83.30",
                "status": "paid",
                "corrects_id": None,
                "settlement": "",
                "settlement_amount": "0.00",
            },
            {
                "id": note.pk,
                "account_id": account.pk,
                "kind": "credit_note",
                "number": "CN-2026-000001",
                "issue_date": "2026-03-01",
                "due_date": None,
                "currency": "EUR",
                "net_total": "10.00",
                "tax_total": "1.90",
                "gross_total": "11.90",
                "prepaid_amount": "0.00",
                "paid_amount": "0.00",
                "status": "issued",
                "corrects_id": first.pk,
                "settlement": "set_off",
                "settlement_amount": "11.90",
            },
            {
                "id": second.pk,
                "account_id": account.pk,
                "kind": "invoice",
                "number": "INV-2026-000002",
                "issue_date": "2026-03-01",
                "due_date": "2026-03-15",
                "currency": "EUR",
                "net_total": "70.00",
                "tax_total": "13.30",
                "gross_total": "83.30",
                "prepaid_amount": "11.90",
                "paid_amount": "0.00",
                "status": "open",
                "corrects_id": None,
                "settlement": "",
                "settlement_amount": "0.00",
            },
        ],
        "next_after": None,
    }


@pytest.mark.parametrize(
    ("file_format", "content_type", "extension"),
    [
        ("ubl", "application/xml", "xml"),
        ("pdf", "application/pdf", "pdf"),
        (None, "application/pdf", "pdf"),
    ],
)
def test_the_document_is_the_archived_file(api, file_format, content_type, extension):
    # given an invoice of the account
    account = make_account()
    invoice = issue(account)

    # when its document is fetched, then again after it was paid
    first = api.get(document_url(account.pk, invoice.pk, file_format))
    invoice_record_payment(invoice=invoice, amount=Decimal("83.30"), reference="p", by=SYSTEM)
    again = api.get(document_url(account.pk, invoice.pk, file_format))

    # then both are the archived bytes, archived once, by the API's token
    stored = document_file(invoice=invoice, file_format=file_format or "pdf", by=SYSTEM)
    assert first.status_code == again.status_code == 200
    assert first["Content-Type"] == content_type
    assert first["Content-Disposition"] == f'attachment; filename="{invoice.number}.{extension}"'
    assert first.content == again.content == bytes(stored.content)
    assert ArchivedDocument.objects.filter(invoice=invoice).count() == 1
    entry = AuditEntry.objects.get(action="invoice.archive")
    assert (entry.actor_kind, entry.actor_label) == ("operator", "api:crm-sync")


@pytest.mark.parametrize("file_format", ["ubl", "pdf"])
def test_another_accounts_invoice_is_not_found(api, file_format):
    account, other = make_account(), make_account()
    foreign = issue(other)

    response = api.get(document_url(account.pk, foreign.pk, file_format))

    assert response.status_code == 404
    assert response.json() == error("invoice_not_found", "The account has no invoice with this id.")
    assert ArchivedDocument.objects.count() == 0


def test_an_unknown_account_is_not_found(api):
    invoice = issue(make_account())

    response = api.get(document_url(invoice.account_id + 1000, invoice.pk, "ubl"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "account_not_found"


def test_an_unknown_format_is_refused(api):
    account = make_account()
    invoice = issue(account)

    response = api.get(document_url(account.pk, invoice.pk, "docx"))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert ArchivedDocument.objects.count() == 0


def test_without_a_token_nothing_is_served(client):
    account = make_account()
    invoice = issue(account)

    response = client.get(document_url(account.pk, invoice.pk, "ubl"))

    assert response.status_code == 401
    assert ArchivedDocument.objects.count() == 0


def test_the_openapi_document_describes_both_files(client):
    schema = client.get(f"{BASE}/openapi.json").json()

    operation = schema["paths"]["/api/v1/accounts/{account_id}/invoices/{invoice_id}/document"]
    content = operation["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/pdf", "application/xml"}
    [parameter] = [p for p in operation["get"]["parameters"] if p["name"] == "format"]
    assert parameter["schema"]["enum"] == ["pdf", "ubl"]
