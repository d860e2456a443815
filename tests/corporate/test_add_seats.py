"""Add Seats, quotes and service orders in the Corporate Billing Portal, page by page with the
Django client (the help articles add-seats-corporate and quotes).

Given a corporate German account (19 % VAT) with GoTo Meeting (5 seats) and GoTo Webinar (2
seats), both annual and starting today, so that seats added today cost a whole term: GoTo
Meeting 140.00 and GoTo Webinar 590.00 per seat and year, net; and GoToAssist Remote Support
v5, whose seats cannot be added here. Every refused step is checked to leave quotes, service
orders, seats, cards, charges and invoices as they were.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seatwise.accounts.models import Account, Person
from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.ordering.services import REQUEST_KEY_RE, quote_create
from seatwise.payments.models import Charge, PaymentMethod
from seatwise.subscriptions.models import Subscription
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import SYSTEM, billing_contact, make_card, make_subscription
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ADD_SEATS = "/corporate/add-seats/"
QUOTES = "/corporate/quotes/"
QUOTE_URL = re.compile(r"^/corporate/quotes/(\d+)/$")
ORDER_URL = re.compile(r"^/corporate/service-orders/(\d+)/$")


class World:
    def __init__(self, *, eligible: bool = True, card: bool = True, automatic: bool = True) -> None:
        ensure_eu_vat_rates()
        self.account = corporate_account(language="en")
        if not eligible:
            Account.objects.filter(pk=self.account.pk).update(self_service_eligible=False)
            self.account.refresh_from_db()
        self.meeting = make_subscription(
            self.account, seats=5, plan_code="goto-meeting-standard-yearly"
        )
        self.webinar = make_subscription(
            self.account, seats=2, plan_code="goto-webinar-standard-yearly"
        )
        self.remote = make_subscription(
            self.account, seats=3, plan_code="gotoassist-remote-support-v5-standard-yearly"
        )
        self.card = make_card(self.account) if card else None
        if self.card is not None and not automatic:
            PaymentMethod.objects.filter(pk=self.card.pk).update(is_automatic=False)
        self.contact = billing_contact(self.account)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def portal(client, world):
    portal_sign_in(client, world.account)
    return client


def state(account: Account) -> dict[str, object]:
    """What a refused step must leave unchanged."""
    return {
        "quotes": list(
            Quote.objects.filter(account=account).order_by("pk").values_list("pk", "status")
        ),
        "orders": list(
            ServiceOrder.objects.filter(account=account)
            .order_by("pk")
            .values_list("pk", "status", "admin_email", "payment_method_id", "address_line1")
        ),
        "seats": list(
            Subscription.objects.filter(account=account).order_by("pk").values_list("pk", "seats")
        ),
        "cards": list(
            PaymentMethod.objects.filter(account=account)
            .order_by("pk")
            .values_list("pk", "is_default", "is_automatic")
        ),
        "charges": Charge.objects.count(),
        "invoices": Invoice.objects.count(),
        "address": Account.objects.filter(pk=account.pk).values_list("address_line1").get(),
    }


def text(html: bytes | str) -> str:
    """The page's visible text, tags removed and white space collapsed."""
    raw = html.decode() if isinstance(html, bytes) else html
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def field_errors(html: bytes, name: str) -> list[str]:
    raw = html.decode()
    errors = re.search(rf'<div id="id_{name}_error">(.*?)</div>', raw, re.S)
    return [
        unescape(m)
        for m in re.findall(r'<p class="form-field__error">(.*?)</p>', errors[1] if errors else "")
    ]


def cart(world: World, meeting: object = 0, webinar: object = 0, **extra: object) -> dict:
    return {
        f"seats-{world.meeting.pk}": meeting,
        f"seats-{world.webinar.pk}": webinar,
        **extra,
    }


def save_cart(client, world: World, meeting: object = 3, webinar: object = 0, **extra):
    return client.post(ADD_SEATS, cart(world, meeting, webinar, **extra))


def new_quote(client, world: World, meeting: int = 3, webinar: int = 0) -> Quote:
    response = save_cart(client, world, meeting, webinar)
    match = QUOTE_URL.match(response["Location"])
    assert match, response.content.decode()[:800]
    return Quote.objects.get(pk=int(match.group(1)))


def checkout_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "admin_first_name": "Greta",
        "admin_last_name": "Admin",
        "admin_email": "greta.admin@example.com",
        "admin_language": "de",
        "payment_method": str(world.card.pk) if world.card else "new",
        "address_line1": "Chausseestraße 1",
        "address_line2": "",
        "postal_code": "10115",
        "city": "Berlin",
        "region": "",
        "country": "DE",
    }
    data.update(overrides)
    return data


def draft_order(client, world: World, **overrides: object) -> ServiceOrder:
    quote = new_quote(client, world)
    client.post(f"/corporate/quotes/{quote.pk}/accept/")
    response = client.post(
        f"/corporate/quotes/{quote.pk}/checkout/", checkout_data(world, **overrides)
    )
    match = ORDER_URL.match(response["Location"])
    assert match, response.content.decode()[:800]
    return ServiceOrder.objects.get(pk=int(match.group(1)))


# --- Subscriptions tab → Add Seats ---------------------------------------------------------------


class TestAddSeatsPage:
    def test_the_subscriptions_tab_has_add_seats(self, portal):
        html = portal.get("/corporate/").content.decode()

        assert '<a class="button" href="/corporate/add-seats/">Add Seats</a>' in html

    def test_lists_the_products_with_seat_expansion_each_with_new_seat_qty(self, portal, world):
        response = portal.get(ADD_SEATS)

        html = response.content.decode()
        assert response.status_code == 200
        assert re.findall(r"<legend>(.*?)</legend>", html) == ["GoTo Meeting", "GoTo Webinar"]
        assert "GoToAssist Remote Support v5" not in html
        for subscription in (world.meeting, world.webinar):
            assert f'<label for="id_seats-{subscription.pk}">New Seat Qty</label>' in html
            assert f'name="seats-{subscription.pk}" value="0"' in html
        # New Seat Qty is the number of seats to add, not the new total.
        assert (
            "In New Seat Qty, enter the number of seats to add to each product, not the new "
            "total." in text(html)
        )
        assert "Seats to add to the 5 you have; up to 9995." in text(html)
        assert '<button class="button" type="submit">Save Cart and Review</button>' in html

    def test_the_page_is_never_cached(self, portal):
        response = portal.get(ADD_SEATS)

        assert "no-store" in response["Cache-Control"]

    def test_save_cart_and_review_makes_the_quote_and_shows_it(self, portal, world):
        response = save_cart(portal, world, meeting=3, webinar=1)

        quote = Quote.objects.get(account=world.account)
        assert response["Location"] == f"/corporate/quotes/{quote.pk}/"
        assert quote.status == "open"
        assert [(line.product_name, line.quantity) for line in quote.lines.all()] == [
            ("GoTo Meeting", 3),
            ("GoTo Webinar", 1),
        ]
        # 3 × 140.00 + 1 × 590.00 = 1,010.00 net, 19 % VAT 191.90, 1,201.90 in all.
        assert (quote.net_total, quote.tax_total, quote.gross_total) == (
            Decimal("1010.00"),
            Decimal("191.90"),
            Decimal("1201.90"),
        )
        # Nothing is bought yet.
        assert Subscription.objects.get(pk=world.meeting.pk).seats == 5

        page = portal.get(response["Location"])
        shown = text(page.content)
        assert page.status_code == 200
        assert f"Quote {quote.number}" in shown
        assert "GoTo Meeting 3 €140.00" in shown
        assert "€420.00" in shown
        assert "GoTo Webinar 1 €590.00" in shown
        assert "Net total €1,010.00" in shown
        assert "VAT 19 % €191.90" in shown
        assert "Total €1,201.90" in shown
        expiry = timezone.localtime(quote.expires_at).date()
        assert quote.expires_at - quote.sent_at == timedelta(days=7)
        assert f"Valid until {expiry:%m/%d/%Y}" in shown
        html = page.content.decode()
        assert f'href="/corporate/quotes/{quote.pk}/pdf/" download>PDF</a>' in html
        assert "Proceed to Payment</button>" in html

    def test_the_quote_pdf_downloads(self, portal, world):
        quote = new_quote(portal, world)

        response = portal.get(f"/corporate/quotes/{quote.pk}/pdf/")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
        assert response.content.startswith(b"%PDF-")


class TestQuantities:
    @pytest.mark.parametrize(
        ("meeting", "message"),
        [
            ("-1", "The number of seats to add cannot be negative."),
            ("1.5", "Enter a whole number of seats to add, such as 5."),
            ("three", "Enter a whole number of seats to add, such as 5."),
            ("9996", "You can add at most 9995 seats to this product."),
            ("99999999999999999999", "You can add at most 9995 seats to this product."),
        ],
    )
    def test_a_bad_quantity_is_an_error_next_to_its_field(self, portal, world, meeting, message):
        before = state(world.account)

        response = save_cart(portal, world, meeting=meeting, webinar=1)

        assert response.status_code == 200
        assert field_errors(response.content, f"seats-{world.meeting.pk}") == [message]
        assert field_errors(response.content, f"seats-{world.webinar.pk}") == []
        # What was typed stays in the form.
        assert f'name="seats-{world.webinar.pk}" value="1"' in response.content.decode()
        assert state(world.account) == before

    def test_nothing_to_add(self, portal, world):
        before = state(world.account)

        response = save_cart(portal, world, meeting="0", webinar="")

        assert response.status_code == 200
        assert "Enter the number of seats to add (New Seat Qty) for at least one product." in text(
            response.content
        )
        assert state(world.account) == before

    def test_a_product_without_seat_expansion_cannot_be_slipped_in(self, portal, world):
        before = state(world.account)

        response = save_cart(portal, world, meeting=0, **{f"seats-{world.remote.pk}": 4})

        # The form knows only the products it offers: the extra field is ignored.
        assert response.status_code == 200
        assert state(world.account) == before


# --- Preconditions --------------------------------------------------------------------------------


class TestNotEligible:
    @pytest.fixture
    def world(self) -> World:
        return World(eligible=False)

    def test_pointed_to_corporate_account_services_before_any_cart(self, portal, world, settings):
        settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL = "cas@seatwise.test"
        settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_PHONE = "+49 30 1234567"

        response = portal.get(ADD_SEATS)

        html = response.content.decode()
        assert response.status_code == 200
        assert (
            "Your account is not eligible for self-service because its products need "
            "additional support. To add seats, please contact Corporate Account Services."
            in text(html)
        )
        assert '<a href="mailto:cas@seatwise.test">cas@seatwise.test</a>' in html
        assert '<a href="tel:+49 30 1234567">+49 30 1234567</a>' in html
        assert "New Seat Qty" not in html
        assert "Save Cart and Review" not in html

    def test_without_settings_the_sellers_address_is_given(self, portal, settings):
        settings.SEATWISE_SELLER = {**settings.SEATWISE_SELLER, "email": "billing@vendor.test"}
        settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL = ""

        html = portal.get(ADD_SEATS).content.decode()

        assert '<a href="mailto:billing@vendor.test">billing@vendor.test</a>' in html

    def test_a_post_changes_nothing(self, portal, world):
        before = state(world.account)
        audit = AuditEntry.objects.count()

        response = save_cart(portal, world, meeting=3)

        assert response.status_code == 200
        assert "Save Cart and Review" not in response.content.decode()
        assert state(world.account) == before
        assert AuditEntry.objects.count() == audit


class TestNoAutomaticCard:
    @pytest.fixture
    def world(self) -> World:
        # The only card was given for one payment: not an automatic payment method.
        return World(automatic=False)

    def test_said_up_front_with_how_to_add_one(self, portal, world):
        response = portal.get(ADD_SEATS)

        shown = text(response.content)
        assert (
            "Adding seats needs an automatic payment method: a credit or debit card that is "
            "charged automatically. Add one in the Payment method step after Proceed to "
            "Payment" in shown
        )
        # The cart can still be filled: the checkout adds the card.
        assert "Save Cart and Review" in shown

    def test_the_checkout_offers_only_a_new_card_and_adds_it(self, portal, world):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")

        page = portal.get(f"/corporate/quotes/{quote.pk}/checkout/")
        html = page.content.decode()
        assert re.findall(r'<input type="radio" name="payment_method" value="(\w+)"', html) == [
            "new"
        ]
        assert re.search(r'<input type="radio" name="payment_method" value="new"[^>]*checked', html)

        response = portal.post(
            f"/corporate/quotes/{quote.pk}/checkout/",
            checkout_data(
                world,
                payment_method="new",
                card_number="4242 4242 4242 4242",
                exp_month="12",
                exp_year=str(timezone.localdate().year + 3),
                cvc="123",
                holder_name="Bill Contact",
            ),
        )

        order = ServiceOrder.objects.get(quote=quote)
        assert response["Location"] == f"/corporate/service-orders/{order.pk}/"
        card = order.payment_method
        assert (card.is_automatic, card.is_default, card.last4) == (True, True, "4242")
        assert "Visa •••• 4242" in text(portal.get(response["Location"]).content)

    def test_a_double_submitted_checkout_with_a_new_card_stores_the_card_once(self, portal, world):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")
        html = portal.get(f"/corporate/quotes/{quote.pk}/checkout/").content.decode()
        key = re.search(r'<input type="hidden" name="form_key" value="([\w-]+)"', html)
        assert key is not None
        before = PaymentMethod.objects.filter(account=world.account).count()
        data = checkout_data(
            world,
            payment_method="new",
            card_number="4242 4242 4242 4242",
            exp_month="12",
            exp_year=str(timezone.localdate().year + 3),
            cvc="123",
            holder_name="Bill Contact",
            form_key=key.group(1),
        )

        first = portal.post(f"/corporate/quotes/{quote.pk}/checkout/", data)
        second = portal.post(f"/corporate/quotes/{quote.pk}/checkout/", data)

        order = ServiceOrder.objects.get(quote=quote)
        assert first["Location"] == second["Location"] == f"/corporate/service-orders/{order.pk}/"
        assert PaymentMethod.objects.filter(account=world.account).count() == before + 1
        assert order.payment_method.last4 == "4242"


class TestOpenQuote:
    def test_named_up_front_with_a_link(self, portal, world):
        quote = new_quote(portal, world)

        html = portal.get(ADD_SEATS).content.decode()

        assert (
            f"You have an open quote, {quote.number}. Accept or reject it first: if you save "
            "a new cart, the open quote expires at once and the new quote replaces it."
            in text(html)
        )
        assert f'<a href="/corporate/quotes/{quote.pk}/">Review quote {quote.number}</a>' in html

    def test_saving_another_cart_asks_first_and_changes_nothing(self, portal, world):
        quote = new_quote(portal, world, meeting=3)
        before = state(world.account)

        response = save_cart(portal, world, meeting=1, webinar=2)

        html = response.content.decode()
        assert response.status_code == 200
        assert (
            f"Your quote {quote.number} is still open. If you continue, it expires at once "
            "and is replaced by the quote of this cart." in text(html)
        )
        # The cart travels in hidden fields: nothing typed is lost.
        assert f'<input type="hidden" name="seats-{world.meeting.pk}" value="1">' in html
        assert f'<input type="hidden" name="seats-{world.webinar.pk}" value="2">' in html
        assert '<input type="hidden" name="replace_open" value="on">' in html
        assert f'href="/corporate/quotes/{quote.pk}/">Keep quote {quote.number}</a>' in html
        assert state(world.account) == before

    def test_confirmed_the_open_quote_expires_at_once_and_is_replaced(self, portal, world):
        old = new_quote(portal, world, meeting=3)

        response = save_cart(portal, world, meeting=1, webinar=2, replace_open="on")

        new = Quote.objects.get(account=world.account, status="open")
        assert response["Location"] == f"/corporate/quotes/{new.pk}/"
        old.refresh_from_db()
        assert (old.status, old.replaced_by_id) == ("expired", new.pk)
        assert AuditEntry.objects.filter(action="quote.expire", object_id=str(old.pk)).exists()

    def test_the_same_cart_again_is_the_same_quote(self, portal, world):
        first = save_cart(portal, world, meeting=3, webinar=1)
        second = save_cart(portal, world, meeting=3, webinar=1)

        assert Quote.objects.filter(account=world.account).count() == 1
        assert first["Location"] == second["Location"]


# --- The form's key: one quote per form, however often it is sent ------------------------------

FORM_KEY = re.compile(r'<input type="hidden" name="form_key" value="([A-Za-z0-9_-]+)">')


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of the page's form, as the browser posts them."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


class TestFormKey:
    def test_each_showing_of_the_form_has_a_new_key(self, portal):
        first = FORM_KEY.findall(portal.get(ADD_SEATS).content.decode())
        second = FORM_KEY.findall(portal.get(ADD_SEATS).content.decode())

        assert len(first) == len(second) == 1
        assert first != second
        for key in (*first, *second):
            assert REQUEST_KEY_RE.match(key)

    def test_the_quote_is_made_under_the_key_of_the_form(self, portal, world):
        key = FORM_KEY.findall(portal.get(ADD_SEATS).content.decode())[0]

        response = portal.post(ADD_SEATS, cart(world, 3, 0, form_key=key))

        quote = Quote.objects.get(account=world.account)
        assert response["Location"] == f"/corporate/quotes/{quote.pk}/"
        assert quote.request_key == key

    def test_the_confirmation_step_keeps_the_key_of_the_form(self, portal, world):
        new_quote(portal, world, meeting=3)
        key = FORM_KEY.findall(portal.get(ADD_SEATS).content.decode())[0]

        response = portal.post(ADD_SEATS, cart(world, 1, 2, form_key=key))

        assert response.status_code == 200
        assert hidden_inputs(response.content.decode())["form_key"] == key

    def test_a_key_that_made_a_quote_of_another_cart_is_said_and_replaced(self, portal, world):
        key = FORM_KEY.findall(portal.get(ADD_SEATS).content.decode())[0]
        first = portal.post(ADD_SEATS, cart(world, 3, 0, form_key=key))
        quote = Quote.objects.get(account=world.account)
        before = state(world.account)

        # The browser restored the page with its old key, and another cart is typed.
        response = portal.post(ADD_SEATS, cart(world, 1, 2, form_key=key))

        html = response.content.decode()
        assert first["Location"] == f"/corporate/quotes/{quote.pk}/"
        assert response.status_code == 200
        assert (
            f"This form was already sent and made quote {quote.number}. To price the cart "
            "below instead, save it again." in text(html)
        )
        # The cart typed stays, under a new key.
        assert f'name="seats-{world.webinar.pk}" value="2"' in html
        assert FORM_KEY.findall(html) != [key]
        assert state(world.account) == before


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_posts_of_one_form_make_one_quote_shown_to_each():
    """The confirmation that replaces the open quote, sent 20 times at once over the portal
    (each request in its own thread, with its own database connection): one new quote, the
    open one expired once, and the page after every POST is that new quote."""
    from django.test import Client

    world = World()
    signed_in = Client()
    portal_sign_in(signed_in, world.account)
    old = new_quote(signed_in, world, meeting=3)
    key = FORM_KEY.findall(signed_in.get(ADD_SEATS).content.decode())[0]
    confirm = signed_in.post(ADD_SEATS, cart(world, 1, 2, form_key=key)).content.decode()
    form = hidden_inputs(confirm)
    assert (form["replace_open"], form["form_key"]) == ("on", key)
    barrier = threading.Barrier(20)
    pages: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        client = Client()
        for name, morsel in signed_in.cookies.items():
            client.cookies[name] = morsel.value
        try:
            barrier.wait()
            response = client.post(ADD_SEATS, form)
            page = client.get(response["Location"])
            with lock:
                pages.append((response["Location"], text(page.content)))
        except BaseException as error:  # reported by the test
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    assert errors == []
    new = Quote.objects.get(account=world.account, status="open")
    assert [location for location, _page in pages] == [f"/corporate/quotes/{new.pk}/"] * 20
    assert all(f"Quote {new.number}" in page for _location, page in pages)
    assert Quote.objects.filter(account=world.account).count() == 2
    assert new.request_key == key
    assert [(line.product_name, line.quantity) for line in new.lines.all()] == [
        ("GoTo Meeting", 1),
        ("GoTo Webinar", 2),
    ]
    old.refresh_from_db()
    assert (old.status, old.replaced_by_id) == ("expired", new.pk)
    assert AuditEntry.objects.filter(action="quote.expire", object_id=str(old.pk)).count() == 1
    assert AuditEntry.objects.filter(action="quote.create").count() == 2


# --- Quotes tab ----------------------------------------------------------------------------------


class TestQuotesTab:
    def test_lists_quotes_newest_first_with_their_state(self, portal, world):
        rejected = new_quote(portal, world, meeting=1)
        portal.post(f"/corporate/quotes/{rejected.pk}/reject/")
        accepted = new_quote(portal, world, meeting=2)
        portal.post(f"/corporate/quotes/{accepted.pk}/accept/")
        expired = new_quote(portal, world, meeting=3)
        # Confirmed replacement: that quote expires at once.
        save_cart(portal, world, meeting=4, replace_open="on")
        current = Quote.objects.get(account=world.account, status="open")

        response = portal.get(QUOTES)

        html = response.content.decode()
        numbers = re.findall(r'<tr data-quote="([^"]+)">', html)
        assert numbers == [current.number, expired.number, accepted.number, rejected.number]
        assert [Quote.objects.get(number=n).status for n in numbers] == [
            "open",
            "expired",
            "accepted",
            "rejected",
        ]
        # The accepted quote goes on to the checkout.
        assert f'<a href="/corporate/quotes/{accepted.pk}/checkout/">Proceed to Payment</a>' in html
        assert '<a href="/corporate/quotes/" aria-current="page">Quotes</a>' in html
        assert 'aria-label="Accept quote ' in html
        assert html.count("Accept</button>") == 1
        assert html.count("Reject</button>") == 1
        assert "Rejected" in text(html)
        assert "Expired" in text(html)

    def test_reject(self, portal, world):
        quote = new_quote(portal, world)

        response = portal.post(f"/corporate/quotes/{quote.pk}/reject/")

        assert response["Location"] == QUOTES
        quote.refresh_from_db()
        assert quote.status == "rejected"
        assert f"Quote {quote.number} is rejected." in text(portal.get(QUOTES).content)
        # No open quote any more: Add Seats says nothing about one.
        assert "You have an open quote" not in text(portal.get(ADD_SEATS).content)

    def test_accept_continues_to_the_checkout(self, portal, world):
        quote = new_quote(portal, world)

        response = portal.post(f"/corporate/quotes/{quote.pk}/accept/")

        assert response["Location"] == f"/corporate/quotes/{quote.pk}/checkout/"
        quote.refresh_from_db()
        assert quote.status == "accepted"

    def test_an_expired_quote_cannot_be_accepted(self, portal, world):
        quote = new_quote(portal, world)
        Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        before = state(world.account)

        response = portal.post(f"/corporate/quotes/{quote.pk}/accept/", follow=True)

        assert response.redirect_chain == [(f"/corporate/quotes/{quote.pk}/", 302)]
        assert f"Quote {quote.number} has expired. Add Seats again for a new quote." in text(
            response.content
        )
        assert "Proceed to Payment</button>" not in response.content.decode()
        assert state(world.account) == before

    def test_pages_by_keyset_with_a_bounded_number_of_queries(self, portal, world):
        for n in range(1, 27):
            quote_create(
                account=world.account, seats={world.meeting.pk: n}, replace_open=True, by=SYSTEM
            )
        quotes = list(Quote.objects.filter(account=world.account).order_by("-pk"))

        with CaptureQueriesContext(connection) as queries:
            first = portal.get(QUOTES)
        html = first.content.decode()
        numbers = re.findall(r'<tr data-quote="([^"]+)">', html)
        assert numbers == [q.number for q in quotes[:25]]
        assert f'href="/corporate/quotes/?after={quotes[24].pk}">Next page</a>' in html
        # The session, the portal credential with its account, one page of quotes: the same
        # three queries whatever the number of quotes.
        assert len(queries) == 3

        second = portal.get(QUOTES, {"after": quotes[24].pk})
        assert re.findall(r'<tr data-quote="([^"]+)">', second.content.decode()) == [
            quotes[25].number
        ]


# --- Proceed to Payment → checkout → service order -----------------------------------------------


class TestCheckout:
    def test_prefilled_with_the_billing_contact_the_card_and_the_address(self, portal, world):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")

        response = portal.get(f"/corporate/quotes/{quote.pk}/checkout/")

        html = response.content.decode()
        shown = text(html)
        assert response.status_code == 200
        for heading in ("Admin contact", "Payment method", "Billing address"):
            assert f">{heading}</h2>" in html
        assert (
            "Creates a new admin or updates an existing one in the Admin Center, and assigns "
            "this admin a seat of every product in the quote." in shown
        )
        assert f'name="admin_first_name" value="{world.contact.first_name}"' in html
        assert f'name="admin_last_name" value="{world.contact.last_name}"' in html
        assert f'name="admin_email" value="{world.contact.email}"' in html
        assert re.search(
            rf'<input type="radio" name="payment_method" value="{world.card.pk}"[^>]*checked',
            html,
        )
        assert "Visa •••• 4242, expires 12/" in shown
        assert f'name="address_line1" value="{world.account.address_line1}"' in html
        assert '<option value="DE" selected>Germany</option>' in html
        assert "Save and Proceed to Service Order</button>" in html

    def test_an_open_quote_goes_back_to_proceed_to_payment(self, portal, world):
        quote = new_quote(portal, world)

        response = portal.get(f"/corporate/quotes/{quote.pk}/checkout/")

        assert response["Location"] == f"/corporate/quotes/{quote.pk}/"

    def test_save_makes_a_draft_service_order_and_shows_it(self, portal, world):
        order = draft_order(portal, world)

        assert order.status == "draft"
        assert (order.admin_email, order.admin_language) == ("greta.admin@example.com", "de")
        world.account.refresh_from_db()
        assert world.account.address_line1 == "Chausseestraße 1"
        # Nothing is charged before the order is placed.
        assert Charge.objects.count() == 0

        page = portal.get(f"/corporate/service-orders/{order.pk}/")
        html = page.content.decode()
        shown = text(html)
        assert f"Service order {order.number}" in shown
        assert "GoTo Meeting 3 €140.00" in shown
        assert "Total €499.80" in shown
        assert "Greta Admin" in shown
        assert "greta.admin@example.com" in shown
        assert "Visa •••• 4242" in shown
        assert "Chausseestraße 1" in shown
        assert "10115 Berlin" in shown
        assert "Place Service Order</button>" in html
        assert 'http-equiv="refresh"' not in html

    def test_a_second_visit_is_prefilled_with_the_draft(self, portal, world):
        order = draft_order(portal, world)

        html = portal.get(f"/corporate/quotes/{order.quote_id}/checkout/").content.decode()

        assert 'name="admin_email" value="greta.admin@example.com"' in html
        assert 'name="address_line1" value="Chausseestraße 1"' in html

    def test_the_last_admin_contact_is_offered_next_time(self, portal, world):
        order = draft_order(portal, world)
        portal.post(f"/corporate/quotes/{order.quote_id}/reject/")
        Quote.objects.filter(pk=order.quote_id).update(status="expired")
        quote = new_quote(portal, world, meeting=1)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")

        html = portal.get(f"/corporate/quotes/{quote.pk}/checkout/").content.decode()

        assert 'name="admin_email" value="greta.admin@example.com"' in html

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"admin_first_name": ""}, "admin_first_name", "This field is required."),
            ({"admin_email": "not-an-address"}, "admin_email", "Enter a valid email address."),
            ({"address_line1": ""}, "address_line1", "This field is required."),
            ({"city": ""}, "city", "This field is required."),
            ({"postal_code": ""}, "postal_code", "This field is required."),
            ({"payment_method": "999999"}, "payment_method", None),
        ],
    )
    def test_errors_next_to_their_field_and_nothing_saved(
        self, portal, world, overrides, field, message
    ):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")
        before = state(world.account)

        response = portal.post(
            f"/corporate/quotes/{quote.pk}/checkout/", checkout_data(world, **overrides)
        )

        assert response.status_code == 200
        errors = field_errors(response.content, field) or re.findall(
            r'class="form-field__error">(.*?)</p>', response.content.decode()
        )
        assert errors
        if message is not None:
            assert errors == [message]
        assert state(world.account) == before

    def test_a_refused_new_card_is_never_echoed_back(self, portal, world):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")
        before = state(world.account)

        response = portal.post(
            f"/corporate/quotes/{quote.pk}/checkout/",
            checkout_data(
                world,
                payment_method="new",
                card_number="4242 4242 4242 4241",
                exp_month="12",
                exp_year=str(timezone.localdate().year + 3),
                cvc="987",
                holder_name="Bill Contact",
            ),
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert field_errors(response.content, "card_number") != []
        assert "4242 4242 4242 4241" not in html
        assert "4242424242424241" not in html
        assert 'value="987"' not in html
        assert state(world.account) == before

    def test_a_new_card_needs_its_fields(self, portal, world):
        quote = new_quote(portal, world)
        portal.post(f"/corporate/quotes/{quote.pk}/accept/")
        before = state(world.account)

        response = portal.post(
            f"/corporate/quotes/{quote.pk}/checkout/",
            checkout_data(world, payment_method="new"),
        )

        assert response.status_code == 200
        assert field_errors(response.content, "card_number") == ["This field is required."]
        assert field_errors(response.content, "cvc") == ["This field is required."]
        assert state(world.account) == before


class TestPlaceServiceOrder:
    def test_place_shows_the_order_received_refreshing_itself(self, portal, world):
        order = draft_order(portal, world)

        response = portal.post(f"/corporate/service-orders/{order.pk}/place/")

        assert response["Location"] == f"/corporate/service-orders/{order.pk}/"
        order.refresh_from_db()
        assert order.status == "received"
        html = portal.get(response["Location"]).content.decode()
        assert '<meta http-equiv="refresh" content="3">' in html
        assert f'<a href="/corporate/service-orders/{order.pk}/">Refresh</a>' in html
        assert "Received" in text(html)
        assert "Place Service Order</button>" not in html
        # Placed: the checkout shows the order instead of a form.
        checkout = portal.get(f"/corporate/quotes/{order.quote_id}/checkout/")
        assert checkout["Location"] == f"/corporate/service-orders/{order.pk}/"

    def test_a_double_post_is_one_order(self, portal, world):
        order = draft_order(portal, world)

        first = portal.post(f"/corporate/service-orders/{order.pk}/place/")
        second = portal.post(f"/corporate/service-orders/{order.pk}/place/")
        again = portal.post(f"/corporate/quotes/{order.quote_id}/checkout/", checkout_data(world))

        assert first["Location"] == second["Location"] == again["Location"]
        assert ServiceOrder.objects.filter(account=world.account).count() == 1
        assert (
            AuditEntry.objects.filter(action="service_order.place", object_id=str(order.pk)).count()
            == 1
        )

    def test_an_expired_quote_cannot_be_placed(self, portal, world):
        order = draft_order(portal, world)
        Quote.objects.filter(pk=order.quote_id).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        before = state(world.account)

        response = portal.post(f"/corporate/service-orders/{order.pk}/place/", follow=True)

        quote = Quote.objects.get(pk=order.quote_id)
        assert f"Quote {quote.number} has expired" in text(response.content)
        assert state(world.account) == before

    def test_failed_shows_the_reason(self, portal, world):
        order = draft_order(portal, world)
        ServiceOrder.objects.filter(pk=order.pk).update(
            status="failed", failure_code="card_declined"
        )

        shown = text(portal.get(f"/corporate/service-orders/{order.pk}/").content)

        assert "Failed" in shown
        assert "The card was declined. Use another card or ask your bank." in shown


@pytest.mark.django_db(transaction=True)
def test_the_worker_completes_the_order_once_and_mails_the_receipt(client, run_worker):
    """The whole flow, two clicks on Place Service Order, then the real worker."""
    world = World()
    portal_sign_in(client, world.account)
    order = draft_order(client, world)
    client.post(f"/corporate/service-orders/{order.pk}/place/")
    client.post(f"/corporate/service-orders/{order.pk}/place/")

    run_worker()

    order.refresh_from_db()
    assert order.status == "completed"
    assert Charge.objects.filter(payment_method__account=world.account).count() == 1
    assert Subscription.objects.get(pk=world.meeting.pk).seats == 8
    admin = Person.objects.get(email="greta.admin@example.com")
    assert (admin.account_id, admin.is_account_admin) == (world.account.pk, True)
    mail = OutgoingEmail.objects.get(kind="service_order_confirmation")
    assert mail.to_address == world.contact.email
    page = client.get(f"/corporate/service-orders/{order.pk}/")
    html = page.content.decode()
    assert "Completed" in text(html)
    assert (
        f"The seats are added. A confirmation e-mail with the receipt was sent to "
        f"{world.contact.email}." in text(html)
    )
    assert 'http-equiv="refresh"' not in html


# --- Only the signed-in account's objects --------------------------------------------------------


class TestOtherAccounts:
    def test_another_accounts_quote_and_order_are_not_found(self, client, world):
        portal_sign_in(client, world.account)
        order = draft_order(client, world)
        quote_id = order.quote_id
        other = World()
        client.post("/corporate/signout/")
        portal_sign_in(client, other.account)
        before = state(world.account)

        answers = {
            url: client.get(url).status_code
            for url in (
                f"/corporate/quotes/{quote_id}/",
                f"/corporate/quotes/{quote_id}/pdf/",
                f"/corporate/quotes/{quote_id}/checkout/",
                f"/corporate/service-orders/{order.pk}/",
            )
        } | {
            url: client.post(url, checkout_data(world)).status_code
            for url in (
                f"/corporate/quotes/{quote_id}/accept/",
                f"/corporate/quotes/{quote_id}/reject/",
                f"/corporate/quotes/{quote_id}/checkout/",
                f"/corporate/service-orders/{order.pk}/place/",
            )
        }

        assert set(answers.values()) == {404}, answers
        assert state(world.account) == before
        # B's own Quotes tab shows none of A's quotes.
        assert Quote.objects.get(pk=quote_id).number not in client.get(QUOTES).content.decode()
