"""Add a New Subscription and Subscribe Now through the Billing Center's pages: the review's
confirmation posted twice buys once; a new card needs a fresh re-authentication; a trial
shows no cancel option."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from seatwise.catalog.models import Product
from seatwise.catalog.services import product_trial_set
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge, PaymentMethod, TestGatewayCharge
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
    plan,
)
from tests.step_up import step_up_age, stepped_up
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
NEW = "/billing/subscriptions/new/"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()
    product_trial_set(
        product=Product.objects.get(code="goto-webinar"),
        trial_days=14,
        trial_seat_limit=5,
        by=SYSTEM,
    )


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def signed_in(client, *, card: bool = True):
    account = make_account(kind="online", country="DE", currency="EUR", language="en")
    if card:
        make_card(account)
    make_subscription(account, seats=5, plan_code="goto-meeting-standard-yearly")
    admin = billing_contact(account)
    client.force_login(admin)
    stepped_up(client, admin.pk)
    return account, admin


def text(response) -> str:
    body = response.content.decode().split("<body", 1)[-1]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def hidden_fields(response) -> dict[str, str]:
    form = response.content.decode().split('<form method="post" novalidate>', 1)[1]
    form = form.split("</form>", 1)[0]
    fields = re.findall(r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', form)
    return {name: html_lib.unescape(value) for name, value in fields}


def review(client, **query) -> object:
    response = client.get(NEW, query)
    assert response.status_code == 200
    return response


def test_the_first_step_lists_the_products_the_account_does_not_have(client):
    signed_in(client)

    page = text(client.get(NEW))

    assert "GoTo Webinar (free trial: 14 days, up to 5 seats)" in page
    assert "GoTo Training" in page
    assert "GoTo Meeting" not in page  # the account has it


def test_confirming_the_review_twice_buys_once(client):
    account, _admin = signed_in(client)
    webinar = plan("goto-webinar-standard-yearly")
    response = review(client, product=webinar.product_id, mode="buy", plan=webinar.pk, seats=2)
    page = text(response)
    assert "GoTo Webinar Standard (Annual), subscription term 2 €1,180.00" in page
    assert "Total €1,404.20" in page
    data = {**hidden_fields(response), "payment": "file"}
    assert data["expected_total"] == "1404.20"

    first = client.post(NEW, data)
    second = client.post(NEW, data)

    assert first["Location"] == second["Location"] == "/billing/subscriptions/"
    assert Subscription.objects.filter(account=account, product__code="goto-webinar").count() == 1
    assert Invoice.objects.filter(account=account).count() == 1
    assert Charge.objects.filter(account=account).count() == 1
    assert TestGatewayCharge.objects.count() == 1
    assert Invoice.objects.get(account=account).gross_total == Decimal("1404.20")


def test_a_new_card_needs_a_fresh_re_authentication_and_nothing_is_bought_before(client):
    account, _admin = signed_in(client)
    webinar = plan("goto-webinar-standard-monthly")
    response = review(client, product=webinar.product_id, mode="buy", plan=webinar.pk, seats=1)
    data = {
        **hidden_fields(response),
        "payment": "new",
        "card_number": "5555 5555 5555 4444",
        "exp_month": "8",
        "exp_year": "2029",
        "cvc": "123",
        "holder_name": "Bill Contact",
    }
    step_up_age(client, 3600)

    refused = client.post(NEW, data)

    assert refused["Location"].startswith("/signin/confirm/?next=")
    assert Invoice.objects.filter(account=account).count() == 0
    assert PaymentMethod.objects.filter(account=account).count() == 1

    stepped_up(client, billing_contact(account).pk)
    done = client.post(NEW, data)

    assert done["Location"] == "/billing/subscriptions/"
    card = PaymentMethod.objects.get(account=account, is_default=True)
    assert (card.brand, card.last4) == ("mastercard", "4444")
    assert Charge.objects.get(account=account).payment_method == card


def test_a_trial_shows_subscribe_now_and_no_cancel(client):
    account, _admin = signed_in(client, card=False)
    webinar = plan("goto-webinar-standard-monthly")
    response = review(client, product=webinar.product_id, mode="try", plan=webinar.pk, seats=2)
    assert "Free trial of GoTo Webinar Standard (Monthly) with 2 seats" in text(response)

    started = client.post(NEW, hidden_fields(response))

    assert started["Location"] == "/billing/subscriptions/"
    trial = Subscription.objects.get(account=account, product__code="goto-webinar")
    page = client.get("/billing/subscriptions/").content.decode()
    row = page.split("<strong>GoTo Webinar</strong>", 1)[1].split("</tr>", 1)[0]
    assert f'href="/billing/subscriptions/{trial.pk}/subscribe/"' in row
    assert "/cancel/" not in row
    assert "/plan/" not in row
    assert "trial ends on 03/24/2026" in text(client.get("/billing/subscriptions/"))
    # A second trial of the product: refused, nothing more.
    again = client.post(NEW, {**hidden_fields(response), "form_key": "another-key-000001"})
    assert again.status_code == 302
    assert Subscription.objects.filter(account=account, product__code="goto-webinar").count() == 1
