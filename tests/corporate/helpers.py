"""Givens shared by the Corporate Billing Portal's tests: issued invoices, invoice contacts and
a portal session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from seatwise.accounts.invoice_contacts import invoice_contact_add as _invoice_contact_add
from seatwise.accounts.models import Account, CorporateCredential, InvoiceContact
from seatwise.accounts.services import corporate_password_set
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue
from tests.factories import PASSWORD, SYSTEM, make_account
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

ISSUED_ON = date(2026, 3, 1)


def corporate_account(
    *, language: str = "en", name: str | None = None, vat_id: str = ""
) -> Account:
    """A corporate account whose portal password is ``tests.factories.PASSWORD``."""
    account = make_account(kind="corporate", language=language, name=name, vat_id=vat_id)
    corporate_password_set(account=account, password=PASSWORD, by=SYSTEM)
    return account


def portal_sign_in(client, account: Account) -> None:
    user_id = CorporateCredential.objects.get(account=account).user_id
    response = client.post("/corporate/signin/", {"user_id": user_id, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def issue_invoice(
    account: Account, *, credit: str | None = None, on: date = ISSUED_ON
) -> tuple[Invoice, Invoice | None]:
    """An open invoice of 5 × 14.00 net + 19 % VAT = 83.30 gross, and optionally a credit
    note of ``credit`` net on it."""
    ensure_eu_vat_rates()
    invoice = invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=Invoice.Source.PURCHASE,
        by=SYSTEM,
        issue_date=on,
    )
    note = None
    if credit is not None:
        note = credit_note_issue(
            invoice=invoice,
            reason="Goodwill",
            amount_net=Decimal(credit),
            settlement="none",  # the invoice is unpaid: the credit only reduces what is due
            by=SYSTEM,
            issue_date=on,
        )
    return invoice, note


def invoice_contact_add(account: Account, *, name: str, email: str) -> InvoiceContact:
    return _invoice_contact_add(account=account, name=name, email=email, by=SYSTEM)
