"""Reads of quotes and orders: inside one account only, bounded queries, the quote PDF."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from seatwise.core.errors import NotFound
from seatwise.ordering.rendering import quote_pdf, quote_pdf_filename
from seatwise.ordering.selectors import (
    add_seats_subscriptions,
    open_quote,
    order_in_account,
    quote_in_account,
    quotes_page,
)
from seatwise.ordering.services import quote_reject
from seatwise.subscriptions.models import Subscription
from tests.factories import SYSTEM
from tests.ordering.helpers import checkout, corporate, quote_for

pytestmark = pytest.mark.django_db


def test_add_seats_offers_live_subscriptions_with_seat_expansion_in_product_order():
    c = corporate()
    with CaptureQueriesContext(connection) as queries:
        offered = add_seats_subscriptions(account_id=c.account.pk)
        names = [s.product.name for s in offered]
    assert names == ["GoTo Meeting", "GoTo Training"]
    assert len(queries) == 1
    Subscription.objects.filter(pk=c.meeting.pk).update(status="cancelled")
    assert [s.pk for s in add_seats_subscriptions(account_id=c.account.pk)] == [c.training.pk]


def test_open_quote_is_the_accounts_open_one_only():
    c, other = corporate(), corporate()
    assert open_quote(account_id=c.account.pk) is None
    quote = quote_for(c)
    quote_for(other)
    assert open_quote(account_id=c.account.pk) == quote
    quote_reject(quote=quote, by=SYSTEM)
    assert open_quote(account_id=c.account.pk) is None


def test_quotes_page_is_newest_first_by_keyset_in_one_query():
    c, other = corporate(), corporate()
    quotes = []
    for _ in range(5):
        quote = quote_for(c, meeting=1, training=0)
        quote_reject(quote=quote, by=SYSTEM)
        quotes.append(quote.pk)
    quote_for(other)

    with CaptureQueriesContext(connection) as queries:
        first, after = quotes_page(account_id=c.account.pk, limit=2)
        orders = [q.order_or_none for q in first]
    assert len(queries) == 1
    assert orders == [None, None]
    second, after2 = quotes_page(account_id=c.account.pk, after=after, limit=2)
    third, after3 = quotes_page(account_id=c.account.pk, after=after2, limit=2)

    newest_first = list(reversed(quotes))
    assert [q.pk for q in first] == newest_first[:2]
    assert [q.pk for q in second] == newest_first[2:4]
    assert ([q.pk for q in third], after3) == (newest_first[4:], None)


def test_quote_in_account_has_its_lines_and_hides_other_accounts_quotes():
    c, other = corporate(), corporate()
    quote = quote_for(c)
    found = quote_in_account(account_id=c.account.pk, quote_id=quote.pk)
    with CaptureQueriesContext(connection) as queries:
        products = [line.subscription.product.name for line in found.lines.all()]
    assert (products, len(queries)) == (["GoTo Meeting", "GoTo Training"], 0)
    with pytest.raises(NotFound) as missing:
        quote_in_account(account_id=other.account.pk, quote_id=quote.pk)
    assert missing.value.code == "quote_not_found"


def test_order_in_account_hides_other_accounts_orders():
    c, other = corporate(), corporate()
    order = checkout(quote_for(c), c)
    assert order_in_account(account_id=c.account.pk, order_id=order.pk) == order
    with pytest.raises(NotFound) as missing:
        order_in_account(account_id=other.account.pk, order_id=order.pk)
    assert missing.value.code == "service_order_not_found"


def test_the_quote_pdf_is_a_pdf_in_the_accounts_language():
    c = corporate()  # a German account
    quote = quote_for(c)
    pdf = quote_pdf(quote)
    assert pdf[:4] == b"%PDF"
    assert quote_pdf_filename(quote) == f"{quote.number}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert quote.number in text
    assert "5.334,73" in text
    assert "GoTo Training" in text
