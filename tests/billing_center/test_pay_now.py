"""Pay Now in the Billing Center's invoice history: an open invoice is paid in full by the card on
file, once however often the form is sent."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from decimal import Decimal

import pytest

from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge
from tests.factories import SYSTEM, billing_contact, make_account, make_card
from tests.invoicing.helpers import GERMAN_VAT, five_seats

pytestmark = pytest.mark.django_db
DECLINING_CARD = "4000000000000341"


def open_invoice(client, *, card: str | None = "4242424242424242", source: str = "renewal"):
    """5 seats × 14.00 = 70.00 net, 19 % VAT: 83.30 gross, open."""
    account = make_account(kind="online", language="en")
    if card:
        make_card(account, card)
    client.force_login(billing_contact(account))
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=source,
        issue_date=date(2026, 3, 1),
        by=SYSTEM,
    )


def text(response) -> str:
    body = response.content.decode().split("<body", 1)[-1]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def form_key(response) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def followed(client, response) -> str:
    assert (response.status_code, response["Location"]) == (302, "/billing/invoices/")
    return text(client.get(response["Location"]))


def test_an_open_invoice_is_paid_in_full_once(client):
    invoice = open_invoice(client)
    url = f"/billing/invoices/{invoice.pk}/pay/"
    history = client.get("/billing/invoices/").content.decode()
    assert f'<a href="{url}">Pay Now</a>' in history

    page = client.get(url)

    shown = text(page)
    assert f"Invoice {invoice.number}" in shown
    assert "Amount due €83.30 Card Visa •••• 4242 Pay in full" in shown
    key = form_key(page)
    first = followed(client, client.post(url, {"form_key": key}))
    second = followed(client, client.post(url, {"form_key": key}))

    message = (
        f"Thank you: your payment of €83.30 was received. Invoice {invoice.number} is paid. "
        "The receipt is on its way by e-mail."
    )
    assert message in first
    assert message in second
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", Decimal("83.30"))
    assert Charge.objects.count() == TestGatewayCharge.objects.count() == 1
    assert "Pay Now" not in client.get("/billing/invoices/").content.decode()


def test_a_decline_pays_nothing_and_says_so(client):
    invoice = open_invoice(client, card=DECLINING_CARD)
    url = f"/billing/invoices/{invoice.pk}/pay/"

    page = followed(client, client.post(url, {"form_key": form_key(client.get(url))}))

    assert (
        "The card was declined. Use another card or ask your bank. Nothing was paid on the "
        "invoice." in page
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("open", Decimal("0.00"))


def test_an_unreachable_gateway_pays_nothing(client):
    invoice = open_invoice(client)
    url = f"/billing/invoices/{invoice.pk}/pay/"
    set_test_gateway_mode("fail", times=1)

    page = followed(client, client.post(url, {"form_key": form_key(client.get(url))}))

    assert "Nothing was charged" in page
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_without_a_card_the_page_says_what_to_do(client):
    invoice = open_invoice(client, card=None)
    url = f"/billing/invoices/{invoice.pk}/pay/"

    page = text(client.get(url))
    posted = client.post(url, {"form_key": "a-form-key-of-16-chars"})

    assert "No card for automatic payments is on file. Add one to pay this invoice." in page
    assert "Pay in full" not in page
    assert "The payment form was incomplete. Open Pay Now again." in followed(client, posted)
    assert Charge.objects.count() == 0


def test_a_purchase_invoice_in_flight_is_not_offered(client):
    invoice = open_invoice(client, source="seats")
    url = f"/billing/invoices/{invoice.pk}/pay/"

    assert "Pay Now" not in client.get("/billing/invoices/").content.decode()
    assert f"Invoice {invoice.number} has nothing to pay now." in followed(client, client.get(url))
    posted = client.post(url, {"form_key": "a-form-key-of-16-chars"})
    assert f"Invoice {invoice.number} is paid by its own purchase." in followed(client, posted)
    assert Charge.objects.count() == 0


def test_another_accounts_invoice_is_not_found(client):
    theirs = open_invoice(client)
    open_invoice(client)  # signs in the billing admin of another account

    shown = client.get(f"/billing/invoices/{theirs.pk}/pay/")
    posted = client.post(f"/billing/invoices/{theirs.pk}/pay/", {"form_key": "a-form-key-of-16"})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Charge.objects.count() == 0
    assert Invoice.objects.get(pk=theirs.pk).status == "open"
