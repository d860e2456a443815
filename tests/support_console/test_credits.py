"""Crediting an invoice from the console: the agent's form issues a credit note whose
settlement is what really happens, and the refund it promises goes through the gateway once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import AccountCredit, Invoice
from seatwise.payments.models import Refund, TestGatewayRefund
from tests.billing.test_settlement import buy, german_subscription
from tests.factories import SYSTEM, ensure_default_catalog, make_account
from tests.support_console.conftest import make_agent, sign_in_with_two_factors
from tests.tax.data import ensure_eu_vat_rates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


@pytest.fixture
def agent_client(client):
    sign_in_with_two_factors(client, make_agent())
    return client


def paid_invoice() -> Invoice:
    result = buy(german_subscription())
    assert result.status == "completed"
    return Invoice.objects.get(pk=result.invoice.pk)


def credit_url(invoice: Invoice) -> str:
    return f"/support/accounts/{invoice.account_id}/invoices/{invoice.pk}/credit/"


def form_key(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def test_a_refund_credit_from_the_console_refunds_the_card_once_even_if_sent_twice(agent_client):
    invoice = paid_invoice()
    page = agent_client.get(credit_url(invoice)).content.decode()
    assert "Card payments that can be refunded" in page
    data = {
        "amount_net": "10.00",
        "reason": "Seats bought by mistake",
        "give_back": "refund",
        "key": form_key(page),
    }

    first = agent_client.post(credit_url(invoice), data)
    second = agent_client.post(credit_url(invoice), data)

    assert first.status_code == second.status_code == 302
    note = Invoice.objects.get(kind="credit_note")
    assert (note.corrects_id, note.net_total, note.gross_total) == (
        invoice.pk,
        Decimal("10.00"),
        Decimal("11.90"),
    )
    assert (note.settlement, note.settlement_amount) == ("refund", Decimal("11.90"))
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.credit_note_id) == (
        "succeeded",
        Decimal("11.90"),
        note.pk,
    )
    assert TestGatewayRefund.objects.count() == 1
    assert AuditEntry.objects.filter(action="credit_note.issue").count() == 1
    account_page = agent_client.get(first["Location"]).content.decode()
    assert f"Credit note {note.number} issued: Refunded to the original payment method." in (
        account_page
    )


def test_a_set_off_credit_opens_an_account_credit(agent_client):
    invoice = paid_invoice()
    page = agent_client.get(credit_url(invoice)).content.decode()

    agent_client.post(
        credit_url(invoice),
        {"reason": "Goodwill", "give_back": "set_off", "key": form_key(page), "amount_net": "5"},
    )

    note = Invoice.objects.get(kind="credit_note")
    credit = AccountCredit.objects.get()
    assert (note.settlement, credit.amount, credit.remaining) == (
        "set_off",
        Decimal("5.95"),
        Decimal("5.95"),
    )
    assert Refund.objects.count() == 0


def test_a_credit_on_an_unpaid_invoice_settles_nothing_whatever_was_chosen(agent_client):
    from seatwise.invoicing.seller import account_tax_decision
    from seatwise.invoicing.services import invoice_issue
    from seatwise.pricing.lines import preview_seat_addition
    from tests.billing.test_settlement import ON

    subscription = german_subscription()
    tax = account_tax_decision(account=subscription.account, on=ON)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=3, on=ON, tax=tax)
    invoice = invoice_issue(
        account=subscription.account, lines=preview.lines, tax=tax, source="seats", by=SYSTEM
    )
    page = agent_client.get(credit_url(invoice)).content.decode()

    agent_client.post(
        credit_url(invoice),
        {"reason": "Not wanted", "give_back": "refund", "key": form_key(page)},
    )

    note = Invoice.objects.get(kind="credit_note")
    invoice.refresh_from_db()
    assert (note.settlement, note.settlement_amount, note.gross_total) == (
        "none",
        Decimal("0.00"),
        invoice.gross_total,
    )
    assert invoice.status == "credited"
    assert Refund.objects.count() == 0


def test_a_refund_larger_than_the_card_payments_is_refused_and_changes_nothing(agent_client):
    from seatwise.invoicing.services import invoice_record_payment

    subscription = german_subscription()
    result = buy(subscription)
    invoice = Invoice.objects.get(pk=result.invoice.pk)
    # A second invoice paid by bank transfer: no card payment to refund.
    from seatwise.invoicing.seller import account_tax_decision
    from seatwise.invoicing.services import invoice_issue
    from seatwise.pricing.lines import preview_seat_addition
    from tests.billing.test_settlement import ON

    tax = account_tax_decision(account=subscription.account, on=ON)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=1, on=ON, tax=tax)
    transfer = invoice_issue(
        account=subscription.account, lines=preview.lines, tax=tax, source="seats", by=SYSTEM
    )
    invoice_record_payment(
        invoice=transfer, amount=transfer.gross_total, reference="bank:1", by=SYSTEM
    )
    page = agent_client.get(credit_url(transfer)).content.decode()

    response = agent_client.post(
        credit_url(transfer),
        {"reason": "Refund please", "give_back": "refund", "key": form_key(page)},
    )

    assert response.status_code == 200
    assert (
        f"The card payments of invoice {transfer.number} can give back 0.00, not "
        f"{transfer.gross_total}: set the credit off against the next invoice."
    ) in response.content.decode()
    assert Invoice.objects.filter(kind="credit_note").count() == 0
    assert invoice.status == "paid"


def test_another_accounts_invoice_is_not_found(agent_client):
    invoice = paid_invoice()
    other = make_account()

    response = agent_client.get(f"/support/accounts/{other.pk}/invoices/{invoice.pk}/credit/")

    assert response.status_code == 404


def test_a_customer_cannot_reach_the_credit_form(client):
    invoice = paid_invoice()
    client.force_login(invoice.account.people.get())

    response = client.get(credit_url(invoice))

    assert response.status_code == 403
    assert Invoice.objects.filter(kind="credit_note").count() == 0
