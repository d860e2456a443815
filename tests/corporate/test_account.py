"""The Corporate Billing Portal's **Account** tab: **Bill To** with **Edit** → **Billing Address** →
**Save**, the invoice contacts and the purchase-order number."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from seatwise.accounts.models import Account, CorporateCredential, InvoiceContact, Person
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.portals.corporate.session import SESSION_KEY
from tests.corporate.helpers import corporate_account, invoice_contact_add, portal_sign_in
from tests.factories import billing_contact, make_person

pytestmark = pytest.mark.django_db

ACCOUNT = "/corporate/account/"
EDIT = "/corporate/account/bill-to/"


@pytest.fixture
def portal(client):
    account = corporate_account(vat_id="DE136695976")
    portal_sign_in(client, account)
    return account


def form_of(account: Account, **change: str) -> dict[str, str]:
    contact = billing_contact(account)
    account.refresh_from_db()
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "address_line1": account.address_line1,
        "address_line2": account.address_line2,
        "postal_code": account.postal_code,
        "city": account.city,
        "region": account.region,
        "country": account.country,
        **change,
    }


def everything() -> dict[str, object]:
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "credentials": list(CorporateCredential.objects.order_by("pk").values()),
        "invoice_contacts": list(InvoiceContact.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def errors(page: str) -> list[str]:
    """The field errors' texts (unescaped: markup-safe escaping writes ' as &#39;)."""
    return [
        html_lib.unescape(text)
        for text in re.findall(r'class="form-field__error"[^>]*>([^<]*)<', page)
    ]


class TestAccountTab:
    def test_shows_the_bill_to_with_edit_on_its_right(self, client, portal):
        contact = billing_contact(portal)
        user_id = CorporateCredential.objects.get(account=portal).user_id

        page = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")

        html = page.content.decode()
        assert page["Cache-Control"].startswith("max-age=0")
        assert '<a href="/corporate/account/" aria-current="page">Account</a>' in html
        head = re.search(r'<div class="section-head">(.*?)</div>', html, re.S)
        assert head is not None
        assert re.sub(r"\s+", " ", head.group(1)).strip() == (
            '<h2 id="bill-to-heading">Bill To</h2> <a class="button button--secondary" '
            'href="/corporate/account/bill-to/">Edit</a>'
        )
        assert f"<dt>Billing contact</dt><dd>{contact.full_name}</dd>" in html
        assert f"<dt>E-mail address</dt><dd>{contact.email}</dd>" in html
        assert "<dt>VAT ID</dt><dd>DE136695976</dd>" in html
        assert f"<dt>User ID</dt><dd>{user_id}</dd>" in html
        assert "10115 Berlin" in html

    def test_costs_a_bounded_number_of_queries(self, client, portal, django_assert_max_num_queries):
        for n in range(5):
            invoice_contact_add(portal, name=f"C{n}", email=f"c{n}@example.com")

        with django_assert_max_num_queries(10):
            assert client.get(ACCOUNT).status_code == 200


class TestBillToEdit:
    def test_the_edit_page_has_the_billing_address_section_filled_in(self, client, portal):
        contact = billing_contact(portal)

        html = client.get(EDIT, HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert '<h2 id="billing-address-heading">Billing Address</h2>' in html
        assert f'value="{contact.email}"' in html
        assert 'value="Berlin"' in html
        assert '<option value="DE" selected>Germany</option>' in html
        assert '<button class="button" type="submit">Save</button>' in html

    def test_save_for_the_same_person_updates_the_name_and_address(self, client, portal):
        contact = billing_contact(portal)

        response = client.post(
            EDIT,
            form_of(portal, first_name="Berta", city="Potsdam", postal_code="14467"),
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, ACCOUNT)
        contact.refresh_from_db()
        portal.refresh_from_db()
        assert (contact.first_name, portal.city, portal.postal_code) == (
            "Berta",
            "Potsdam",
            "14467",
        )
        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Your Bill To is saved." in html
        assert "14467 Potsdam" in html
        assert OutgoingEmail.objects.count() == 0

    def test_save_with_another_person_hands_over_the_role_and_ends_this_session(
        self, client, portal
    ):
        old = billing_contact(portal)
        member = make_person(portal, language="de")

        response = client.post(
            EDIT,
            form_of(
                portal,
                first_name=member.first_name,
                last_name=member.last_name,
                email=member.email,
            ),
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, "/corporate/signin/")
        assert SESSION_KEY not in client.session
        member.refresh_from_db()
        assert (member.is_billing_contact, member.is_account_admin) == (True, True)
        assert list(OutgoingEmail.objects.order_by("pk").values_list("to_address", "language")) == [
            (old.email, "en"),
            (member.email, "de"),
        ]
        html = client.get("/corporate/signin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"{member.full_name} is now the billing contact." in html
        # The old session opens nothing any more.
        again = client.get(ACCOUNT)
        assert again["Location"] == "/corporate/signin/?next=%2Fcorporate%2Faccount%2F"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"city": ""}, "This field is required."),
            ({"email": "not-an-address"}, "Enter a valid email address."),
            ({"first_name": "x" * 33}, "Ensure this value has at most 32 characters (it has 33)."),
            ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
            (
                {"country": "FR"},
                "The account's VAT ID DE136695976 is not valid for this country. Ask Corporate "
                "Account Services to change the country.",
            ),
        ],
    )
    def test_refused_input_shows_the_form_again_and_changes_nothing(
        self, client, portal, change, message
    ):
        before = everything()

        response = client.post(EDIT, form_of(portal, **change), HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        assert errors(response.content.decode()) == [message]
        assert everything() == before

    def test_an_address_of_another_accounts_person_is_refused(self, client, portal):
        stranger = billing_contact(corporate_account())
        before = everything()

        response = client.post(
            EDIT, form_of(portal, email=stranger.email), HTTP_ACCEPT_LANGUAGE="en"
        )

        assert response.status_code == 200
        # An answer that does not say the address is another customer's.
        assert errors(response.content.decode()) == [
            "This e-mail address cannot be added to your account. Use another address, or "
            "contact customer service if it must be this one."
        ]
        assert everything() == before


class TestInvoiceContactsAndPurchaseOrder:
    def test_add_and_remove_an_invoice_contact(self, client, portal):
        response = client.post(
            "/corporate/account/invoice-contacts/",
            {"name": "Ivy Invoice", "email": "Ivy@Example.com"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, ACCOUNT)
        contact = InvoiceContact.objects.get(account=portal)
        assert (contact.name, contact.email, contact.language) == (
            "Ivy Invoice",
            "ivy@example.com",
            "en",
        )
        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "ivy@example.com receives the invoice e-mails from now on." in html
        assert "Ivy Invoice &lt;ivy@example.com&gt;" in html

        url = f"/corporate/account/invoice-contacts/{contact.pk}/remove/"
        first = client.post(url)
        second = client.post(url)  # a second click

        assert first["Location"] == second["Location"] == ACCOUNT
        assert InvoiceContact.objects.count() == 0
        assert AuditEntry.objects.filter(action="invoice_contact.remove").count() == 1

    def test_a_sixth_invoice_contact_is_refused_with_a_clear_message(self, client, portal):
        for n in range(5):
            invoice_contact_add(portal, name=f"C{n}", email=f"c{n}@example.com")
        before = everything()

        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Remove an invoice contact to add another." in html
        response = client.post(
            "/corporate/account/invoice-contacts/",
            {"name": "Six", "email": "six@example.com"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert response.status_code == 200
        assert errors(response.content.decode()) == [
            "An account has at most 5 invoice contacts. Remove one first."
        ]
        assert everything() == before

    def test_another_accounts_invoice_contact_is_not_found(self, client, portal):
        other = invoice_contact_add(corporate_account(), name="O", email="o@example.com")
        before = everything()

        response = client.post(f"/corporate/account/invoice-contacts/{other.pk}/remove/")

        assert response.status_code == 404
        assert everything() == before

    def test_the_purchase_order_number(self, client, portal):
        response = client.post(
            "/corporate/account/purchase-order/", {"purchase_order_number": "PO-77"}
        )

        assert (response.status_code, response["Location"]) == (302, ACCOUNT)
        portal.refresh_from_db()
        assert portal.purchase_order_number == "PO-77"
        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'value="PO-77"' in html


class TestPurchaseOrder:
    """The **Purchase order** section: the number and its optional expiration date."""

    URL = "/corporate/account/purchase-order/"

    def test_with_an_expiration_date(self, client, portal):
        response = client.post(
            self.URL,
            {"purchase_order_number": "PO-77", "purchase_order_expires_on": "2099-03-31"},
        )

        assert (response.status_code, response["Location"]) == (302, ACCOUNT)
        portal.refresh_from_db()
        assert (portal.purchase_order_number, str(portal.purchase_order_expires_on)) == (
            "PO-77",
            "2099-03-31",
        )
        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'type="date" name="purchase_order_expires_on" value="2099-03-31"' in html
        assert "Purchase order PO-77 is printed on the invoices issued before 03/31/2099." in html
        assert AuditEntry.objects.filter(action="account.purchase_order_set").count() == 1

    def test_an_expired_one_says_so(self, client, portal):
        client.post(
            self.URL,
            {"purchase_order_number": "PO-77", "purchase_order_expires_on": "2020-01-31"},
        )

        html = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert (
            "Purchase order PO-77 expired on 01/31/2020: new invoices carry no purchase-order "
            "number." in html
        )

    @pytest.mark.parametrize(
        ("data", "language", "error"),
        [
            (
                {"purchase_order_number": "PO-77", "purchase_order_expires_on": "31.03.2099"},
                "en",
                "Enter the expiration date as a date, such as 2027-03-31.",
            ),
            (
                {"purchase_order_number": "PO-77", "purchase_order_expires_on": "2099-02-30"},
                "de",
                "Geben Sie das Ablaufdatum als Datum ein, zum Beispiel 2027-03-31.",
            ),
            (
                {"purchase_order_number": "", "purchase_order_expires_on": "2099-03-31"},
                "en",
                "An expiration date needs a purchase-order number.",
            ),
            (
                {"purchase_order_number": "", "purchase_order_expires_on": "2099-03-31"},
                "it",
                "Una data di scadenza richiede un numero d'ordine d'acquisto.",
            ),
        ],
    )
    def test_bad_input_is_refused_with_a_translated_error_and_changes_nothing(
        self, client, portal, data, language, error
    ):
        before = everything()

        response = client.post(self.URL, data, HTTP_ACCEPT_LANGUAGE=language)

        assert response.status_code == 200
        assert errors(response.content.decode()) == [error]
        assert everything() == before
