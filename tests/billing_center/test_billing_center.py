"""The Billing Center: who lands where after the product sign-in (only the billing admin of an
online account gets in; the help article sign-in-billing), and what the billing admin's
Subscriptions page shows."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatwise.accounts.models import Person
from seatwise.catalog.models import Plan, Price, Product
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import license_assign
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_person,
    make_subscription,
)
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db
WRONG_PLACE = "You seem to have landed in the wrong place"
STANDARD_CASE = (
    "You have a standard account and you are not the billing admin. "
    "Ask your account admin for more information."
)
CORPORATE_CASE = (
    "You may or may not be the billing admin, but your account is managed in the "
    "Corporate Billing Portal."
)
NOT_BILLING_ADMIN = (
    "If you cannot sign in to the Corporate Billing Portal, you are not the billing admin."
)


def h1(html: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert match is not None
    return match.group(1).strip()


def links(html: str) -> dict[str, str]:
    """Visible text of each link in the page's main part → its address."""
    main = html.split('<main id="main"', 1)[1]
    return {
        re.sub(r"<[^>]+>", "", text).strip(): href
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', main, re.S)
    }


def contact_options(link: str, topic: str, article: str) -> dict[str, str]:
    """The contact options every wrong-place page ends with (customer service, settings)."""
    return {
        "support@seatwise.test": "mailto:support@seatwise.test",
        "+49 30 1234 5610": "tel:+493012345610",
        link: f"/help/contact/?topic={topic}&amp;article={article}",
    }


CHANGE_REQUEST = contact_options(
    "Request a change of billing contact", "billing_contact_change", "change-billing-contact"
)


def staff() -> Person:
    return Person.objects.create_user(
        "agent@seatwise.test", PASSWORD, first_name="Helen", last_name="Porter", is_staff=True
    )


def extra_products(count: int) -> list[Plan]:
    """Plans of ``count`` further products, each priced in EUR: an operator adds them as data."""
    plans = []
    for n in range(count):
        product = Product.objects.create(code=f"extra-{n}", name=f"Extra Product {n}")
        plan = Plan.objects.create(
            product=product, code=f"extra-{n}-standard-monthly", tier="standard", interval="month"
        )
        Price.objects.create(plan=plan, currency="EUR", unit_amount=Decimal("10.00"))
        plans.append(plan)
    return plans


class TestWhoLandsWhere:
    def test_anonymous_is_sent_to_the_product_sign_in(self, client):
        response = client.get("/billing/")

        assert (response.status_code, response["Location"]) == (302, "/signin/?next=/billing/")

    def test_anonymous_cannot_open_the_subscriptions_page(self, client):
        response = client.get("/billing/subscriptions/")

        assert response["Location"] == "/signin/?next=/billing/subscriptions/"

    def test_billing_admin_of_an_online_account_lands_on_subscriptions(self, client):
        account = make_account(kind="online", language="en")
        client.force_login(billing_contact(account))

        response = client.get("/billing/", follow=True)

        assert response.redirect_chain == [("/billing/subscriptions/", 302)]
        assert h1(response.content.decode()) == "Subscriptions"

    @pytest.mark.parametrize(
        ("language", "heading"),
        [
            ("en", "Subscriptions"),
            ("de", "Abonnements"),
            ("it", "Sottoscrizioni"),
            ("es", "Suscripciones"),
        ],
    )
    def test_the_subscriptions_heading_is_the_articles_label(self, client, language, heading):
        account = make_account(kind="online", language=language)
        client.force_login(billing_contact(account))

        response = client.get("/billing/subscriptions/")

        assert h1(response.content.decode()) == heading

    @pytest.mark.parametrize(
        "who",
        ["account_admin", "user", "corporate_billing_admin", "corporate_admin", "staff"],
    )
    def test_anyone_else_lands_on_the_wrong_place_page(self, client, who):
        online = make_account(kind="online", language="en")
        corporate = make_account(kind="corporate", language="en")
        person = {
            "account_admin": lambda: make_person(online, admin=True),
            "user": lambda: make_person(online),
            "corporate_billing_admin": lambda: billing_contact(corporate),
            "corporate_admin": lambda: make_person(corporate, admin=True),
            "staff": staff,
        }[who]()
        sign_in_as(client, person)

        response = client.get("/billing/", follow=True)

        assert response.redirect_chain == [("/billing/wrong-place/", 302)]
        assert response.status_code == 200
        assert h1(response.content.decode()) == WRONG_PLACE

    @pytest.mark.parametrize("who", ["account_admin", "user", "corporate_billing_admin", "staff"])
    def test_nobody_else_reaches_the_subscriptions_page_directly(self, client, who):
        online = make_account(kind="online", language="en")
        make_subscription(online)
        corporate = make_account(kind="corporate", language="en")
        person = {
            "account_admin": lambda: make_person(online, admin=True),
            "user": lambda: make_person(online),
            "corporate_billing_admin": lambda: billing_contact(corporate),
            "staff": staff,
        }[who]()
        sign_in_as(client, person)

        response = client.get("/billing/subscriptions/")

        assert (response.status_code, response["Location"]) == (302, "/billing/wrong-place/")

    def test_the_billing_admin_is_sent_from_the_wrong_place_to_subscriptions(self, client):
        account = make_account(kind="online")
        client.force_login(billing_contact(account))

        response = client.get("/billing/wrong-place/")

        assert response["Location"] == "/billing/subscriptions/"

    def test_the_pages_only_answer_get(self, client):
        account = make_account(kind="online")
        client.force_login(billing_contact(account))

        for url in ("/billing/", "/billing/subscriptions/", "/billing/wrong-place/"):
            assert client.post(url).status_code == 405


class TestWrongPlacePage:
    def test_account_admin_of_a_standard_account_is_shown_the_billing_admin(self, client):
        account = make_account(kind="online", language="en")
        contact = billing_contact(account)
        client.force_login(make_person(account, admin=True))

        html = client.get("/billing/wrong-place/").content.decode()

        assert STANDARD_CASE in html
        assert (
            f"The billing admin of your account is {contact.full_name} ({contact.email})." in html
        )
        assert links(html) == {"Account profile": "/my-account/", **CHANGE_REQUEST}
        assert CORPORATE_CASE not in html

    def test_plain_user_of_a_standard_account_sees_no_billing_contact(self, client):
        account = make_account(kind="online", language="en")
        contact = billing_contact(account)
        client.force_login(make_person(account))

        html = client.get("/billing/wrong-place/").content.decode()

        assert STANDARD_CASE in html
        # Rule 1: only billing contacts and account admins see who the billing contact is.
        assert contact.email not in html
        assert contact.last_name not in html
        assert "The billing admin of your account is" not in html
        assert links(html) == {"Account profile": "/my-account/", **CHANGE_REQUEST}

    @pytest.mark.parametrize("who", ["billing_admin", "account_admin", "user"])
    def test_corporate_account_is_sent_to_the_corporate_billing_portal(self, client, who):
        account = make_account(kind="corporate", language="en")
        contact = billing_contact(account)
        person = {
            "billing_admin": lambda: contact,
            "account_admin": lambda: make_person(account, admin=True),
            "user": lambda: make_person(account),
        }[who]()
        client.force_login(person)

        html = client.get("/billing/wrong-place/").content.decode()

        assert CORPORATE_CASE in html
        assert "with your User ID and its password" in html
        assert "Your User ID is printed on every invoice we e-mail you." in html
        assert NOT_BILLING_ADMIN in html
        assert links(html) == {
            "Go to Billing": "/corporate/signin/",
            "Account profile": "/my-account/",
            **contact_options("Open a support case", "billing", "billing-contact"),
        }
        assert STANDARD_CASE not in html
        if who != "billing_admin":
            assert contact.email not in html

    def test_vendor_staff_have_no_billing_center(self, client):
        sign_in_as(client, staff())

        html = client.get("/billing/wrong-place/").content.decode()

        assert "Your sign-in belongs to no customer account" in html
        assert STANDARD_CASE not in html
        assert CORPORATE_CASE not in html
        assert links(html) == {
            "Account profile": "/my-account/",
            **contact_options("Open a support case", "other", "billing-contact"),
        }

    def test_the_account_profile_link_leads_to_my_account(self, client):
        account = make_account(kind="online", language="en")
        client.force_login(make_person(account))

        html = client.get("/billing/wrong-place/").content.decode()
        page = client.get(links(html)["Account profile"])

        assert page.status_code == 200
        assert page.context["person"].account_id == account.pk


class TestSubscriptionsPage:
    def test_shows_plan_seats_term_renewal_prices_and_masked_card(self, client):
        account = make_account(kind="online", language="de")
        contact = billing_contact(account)
        subscription = make_subscription(
            account,
            seats=10,
            plan_code="goto-meeting-business-yearly",
            term_start=date(2026, 3, 1),
        )
        Price.objects.filter(plan=subscription.plan, currency="EUR").update(
            unit_amount=Decimal("123.45")
        )
        license_assign(subscription=subscription, person=contact, by=SYSTEM)
        card = make_card(account, "4242424242424242")
        client.force_login(contact)

        response = client.get("/billing/subscriptions/")

        html = response.content.decode()
        [row] = response.context["rows"]
        assert (row.subscription.seats, row.subscription.seats_assigned) == (10, 1)
        assert row.subscription.seats_free == 9
        assert (row.unit_price, row.term_price) == ("123,45\xa0€", "1.234,50\xa0€")
        assert row.last_day == date(2027, 2, 28)
        assert "<td><strong>GoTo Meeting</strong></td>" in html
        assert "Business&nbsp;· Jährlich" in html
        assert '<td class="num">10</td>' in html
        assert '<td class="num">1</td>' in html
        assert '<td class="num">9</td>' in html
        assert "01.03.2026 – 28.02.2027" in html
        assert "01.03.2027" in html  # the renewal date
        assert "123,45\xa0€" in html
        assert "1.234,50\xa0€" in html
        expiry = f"12/{(date.today().year + 2) % 100:02d}"
        assert card.masked == "Visa •••• 4242"
        assert "<dd>Visa •••• 4242</dd>" in html
        assert f"<dd>{expiry}</dd>" in html
        # Never more of the card than its mask.
        assert "4242424242424242" not in html
        assert card.token not in html

    def test_shows_the_billing_contact_and_the_billing_address(self, client):
        account = make_account(kind="online", language="en", name="Kessler Feinmechanik GmbH")
        contact = billing_contact(account)
        client.force_login(contact)

        html = client.get("/billing/subscriptions/").content.decode()

        assert "You are the billing contact (billing admin) of this account." in html
        assert f"<dd>{contact.full_name}</dd>" in html
        assert f"<dd>{contact.email}</dd>" in html
        address = re.search(r'<p id="billing-address">(.*?)</p>', html, re.S)
        assert address is not None
        lines = [line.strip() for line in address.group(1).split("<br>")]
        assert lines == [
            "Kessler Feinmechanik GmbH",
            account.address_line1,
            "10115 Berlin",
            "Germany",
        ]

    def test_pending_cancellation_shows_when_the_service_ends(self, client):
        account = make_account(kind="online", language="en")
        subscription = make_subscription(account, term_start=date(2026, 5, 10))
        Subscription.objects.filter(pk=subscription.pk).update(
            status=Subscription.Status.PENDING_CANCELLATION, auto_renew=False
        )
        client.force_login(billing_contact(account))

        html = client.get("/billing/subscriptions/").content.decode()

        assert "Pending Cancellation" in html
        assert "ends on 06/09/2026" in html
        assert "renews on" not in html

    def test_no_card_and_no_subscriptions_are_said_plainly(self, client):
        account = make_account(kind="online", language="en")
        client.force_login(billing_contact(account))

        html = client.get("/billing/subscriptions/").content.decode()

        assert "Your account has no active subscriptions." in html
        assert "No payment method is on file." in html

    def test_never_shows_another_accounts_data(self, client):
        mine = make_account(kind="online", language="en")
        make_subscription(mine, seats=3, plan_code="goto-meeting-standard-monthly")
        other = make_account(kind="online", language="en", name="Other Company Ltd")
        make_subscription(other, seats=77, plan_code="goto-webinar-standard-monthly")
        make_card(other, "5555555555554444")
        client.force_login(billing_contact(mine))

        response = client.get("/billing/subscriptions/")

        # The page without its random CSRF tokens, which may contain any digits.
        html = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())
        assert [r.subscription.account_id for r in response.context["rows"]] == [mine.pk]
        assert "GoTo Webinar" not in html
        assert re.search(r"(?<![\w.])77(?![\w.])", html) is None  # its seats (not "Account 778")
        assert "Other Company Ltd" not in html
        assert "4444" not in html
        assert billing_contact(other).email not in html

    def test_shows_no_action_without_a_page_behind_it(self, client):
        account = make_account(kind="online", language="en")
        subscription = make_subscription(account)
        make_card(account)
        client.force_login(billing_contact(account))

        html = client.get("/billing/subscriptions/").content.decode()

        main = html.split('<main id="main"', 1)[1]
        assert "<form" not in main  # an active subscription has nothing to reactivate
        assert "<button" not in main
        assert links(html) == {
            "Subscriptions": "/billing/subscriptions/",
            "Invoice history": "/billing/invoices/",
            "Payment Method": "/billing/payment-method/",
            "Change Plan": f"/billing/subscriptions/{subscription.pk}/plan/",
            "Change Seats": f"/billing/subscriptions/{subscription.pk}/seats/",
            "Cancel Subscription": f"/billing/subscriptions/{subscription.pk}/cancel/",
            "Update Payment Method": "/billing/payment-method/",
            "Add a New Subscription": "/billing/subscriptions/new/",
        }

    def test_query_count_does_not_grow_with_the_subscriptions(self, client):
        def count_for(n: int) -> int:
            account = make_account(kind="online", language="en")
            for plan in extra_products(n) if n > 1 else []:
                make_subscription(account, plan_code=plan.code)
            if n == 1:
                make_subscription(account)
            make_card(account)
            client.force_login(billing_contact(account))
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/billing/subscriptions/")
            assert len(response.context["rows"]) == n
            return len(queries)

        one = count_for(1)
        ten = count_for(10)

        # Session, person with account, subscriptions with their prices, the trials that ended,
        # the card: five, however many.
        assert (one, ten) == (5, 5)
