"""The demo's Construcciones Navarro (es) has an open quote (article 003: accept or reject it
before a new Add Seats order), and the demo still loads, resets and wipes with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from seatwise.demo.loader import demo_load
from seatwise.ordering.models import Quote
from seatwise.ordering.services import quote_create
from tests.factories import SYSTEM


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_navarro_has_an_open_quote_for_five_goto_meeting_seats():
    data = demo_load(reset=False)

    navarro = data.accounts["navarro"]
    quote = Quote.objects.get()
    assert (quote.account_id, quote.status, quote.tax_category, quote.tax_rate) == (
        navarro.pk,
        "open",
        "AE",  # a Spanish business with a VAT ID: reverse charge
        Decimal("0.00"),
    )
    assert list(quote.lines.values_list("product_name", "quantity")) == [("GoTo Meeting", 5)]
    assert quote.tax_total == Decimal("0.00")
    assert quote.gross_total == quote.net_total > 0


@pytest.mark.django_db
def test_reset_wipes_quotes_replaced_ones_included_and_loads_the_open_quote_again():
    data = demo_load(reset=False)
    navarro = data.accounts["navarro"]
    meeting = navarro.subscriptions.get(product__code="goto-meeting")
    quote_create(account=navarro, seats={meeting.pk: 1}, replace_open=True, by=SYSTEM)
    assert list(Quote.objects.order_by("pk").values_list("status", flat=True)) == [
        "expired",
        "open",
    ]

    demo_load(reset=True)

    assert list(Quote.objects.values_list("status", flat=True)) == ["open"]
