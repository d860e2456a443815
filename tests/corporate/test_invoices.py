"""The Corporate Billing Portal's **Invoice History** tab and **Pay Now**: the list by pages, each
PDF, Pay in full or Partial payment by the card on file or a new card used once; amounts as people
type them; one charge per form."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, PaymentMethod, TestGatewayCharge
from seatwise.payments.selectors import default_payment_method
from tests.corporate.helpers import corporate_account, issue_invoice, portal_sign_in
from tests.factories import SYSTEM, ensure_default_catalog, make_card
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

INVOICES = "/corporate/invoices/"
DECLINING_CARD = "4000000000000341"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


@pytest.fixture
def portal(client):
    """A portal session of a corporate account with a card on file and one open invoice of
    83.30 EUR."""
    account = corporate_account()
    make_card(account)
    invoice, _ = issue_invoice(account)
    portal_sign_in(client, account)
    return account, invoice


def pay_url(invoice: Invoice) -> str:
    return f"/corporate/invoices/{invoice.pk}/pay/"


def payment_key(client, invoice: Invoice, **headers) -> str:
    html = client.get(pay_url(invoice), **headers).content.decode()
    match = re.search(r'name="payment_key" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def paid(invoice: Invoice) -> tuple[str, Decimal, int]:
    invoice.refresh_from_db()
    return invoice.status, invoice.paid_amount, TestGatewayCharge.objects.count()


def errors(html: str) -> list[str]:
    return re.findall(r'class="form-field__error"[^>]*>([^<]*)<', html)


class TestInvoiceHistory:
    def test_lists_invoices_and_credit_notes_with_amount_due_status_pdf_and_pay_now(
        self, client, portal
    ):
        account, invoice = portal
        credited, note = issue_invoice(account, credit="10.00")
        assert note is not None

        page = client.get(INVOICES, HTTP_ACCEPT_LANGUAGE="en")

        html = page.content.decode()
        assert page["Cache-Control"].startswith("max-age=0")
        assert '<a href="/corporate/invoices/" aria-current="page">Invoice History</a>' in html
        for doc in (invoice, credited, note):
            assert (
                f'href="/corporate/invoices/{doc.pk}/pdf/" download>Download {doc.number}' in html
            )
        assert f'href="/corporate/invoices/{invoice.pk}/pay/">Pay Now' in html
        assert f'href="/corporate/invoices/{credited.pk}/pay/">Pay Now' in html
        assert f"/corporate/invoices/{note.pk}/pay/" not in html
        # 83.30, and 83.30 less the credit note's 11.90
        assert '<td class="num">€83.30</td>' in html
        assert '<td class="num">€71.40</td>' in html

    def test_is_paged_by_keys_newest_first_in_a_bounded_number_of_queries(
        self, client, portal, django_assert_max_num_queries
    ):
        account, first = portal
        issued = [first] + [
            issue_invoice(account, on=date(2026, 3, day))[0] for day in range(2, 28)
        ]

        with django_assert_max_num_queries(12):
            page_one = client.get(INVOICES).content.decode()
        numbers_one = re.findall(r"<td>(INV-\d{4}-\d{6})</td>", page_one)
        next_link = re.search(r'href="/corporate/invoices/\?after=(\d+)"', page_one)
        assert next_link is not None
        page_two = client.get(f"{INVOICES}?after={next_link.group(1)}").content.decode()
        numbers_two = re.findall(r"<td>(INV-\d{4}-\d{6})</td>", page_two)

        newest_first = [i.number for i in reversed(issued)]
        assert numbers_one == newest_first[:25]
        assert numbers_two == newest_first[25:]

    def test_the_pdf_is_the_issued_invoice(self, client, portal):
        _, invoice = portal

        response = client.get(f"/corporate/invoices/{invoice.pk}/pdf/")

        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        assert response.content[:4] == b"%PDF"

    def test_another_accounts_invoice_is_not_found(self, client, portal):
        other_invoice, _ = issue_invoice(corporate_account())

        assert client.get(f"/corporate/invoices/{other_invoice.pk}/pdf/").status_code == 404
        assert client.get(pay_url(other_invoice)).status_code == 404


class TestPayNow:
    def test_offers_pay_in_full_or_partial_payment_by_the_card_on_file_or_a_new_card(
        self, client, portal
    ):
        _, invoice = portal

        html = client.get(pay_url(invoice), HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert "<dt>Amount due</dt><dd>€83.30</dd>" in html
        assert (
            '<input type="radio" name="how_much" value="full" id="id_how_much_0" required '
            "checked> Pay in full</label>" in html
        )
        assert (
            '<input type="radio" name="how_much" value="partial" id="id_how_much_1" required> '
            "Partial payment</label>" in html
        )
        assert (
            '<input type="radio" name="card" value="on_file" id="id_card_0" required checked> '
            "Card on file: Visa •••• 4242</label>" in html
        )
        assert (
            '<input type="radio" name="card" value="new" id="id_card_1" required> '
            "A new card, for this payment only</label>" in html
        )
        assert '<button class="button" type="submit">Pay Now</button>' in html

    def test_pay_in_full_with_the_card_on_file(self, client, portal):
        _, invoice = portal
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {"payment_key": key, "how_much": "full", "amount": "", "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, INVOICES)
        assert paid(invoice) == ("paid", Decimal("83.30"), 1)
        listing = client.get(INVOICES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"Invoice {invoice.number} is paid." in listing
        assert f"/corporate/invoices/{invoice.pk}/pay/" not in listing
        # Pay Now of a paid invoice leads back to the list.
        again = client.get(pay_url(invoice))
        assert (again.status_code, again["Location"]) == (302, INVOICES)

    @pytest.mark.parametrize(
        ("language", "typed", "expected"),
        [
            ("de", "1,50", Decimal("1.50")),
            ("de", "30", Decimal("30.00")),
            ("de", "12,34", Decimal("12.34")),
            ("it", "0,01", Decimal("0.01")),
            ("es", "45,6", Decimal("45.60")),
            ("en", "20.25", Decimal("20.25")),
            ("en", "20,25", Decimal("20.25")),  # the other convention, when the reader's fails
            ("de", "20.25", Decimal("20.25")),
            ("de", " 83,30 ", Decimal("83.30")),
        ],
    )
    def test_partial_payment_reads_the_amount_as_people_type_it(
        self, client, portal, language, typed, expected
    ):
        _, invoice = portal
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {"payment_key": key, "how_much": "partial", "amount": typed, "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE=language,
        )

        assert response.status_code == 302, errors(response.content.decode())
        invoice.refresh_from_db()
        assert invoice.paid_amount == expected
        assert invoice.status == ("paid" if expected == Decimal("83.30") else "open")

    def test_a_grouped_amount_in_german(self, client):
        account = corporate_account()
        make_card(account)
        big = invoice_issue(
            account=account,
            lines=[five_seats(seats=100)],  # 100 × 14.00 + 19 % = 1.666,00
            tax=GERMAN_VAT,
            source=Invoice.Source.PURCHASE,
            by=SYSTEM,
        )
        portal_sign_in(client, account)
        key = payment_key(client, big)

        client.post(
            pay_url(big),
            {"payment_key": key, "how_much": "partial", "amount": "1.234,56", "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE="de",
        )

        big.refresh_from_db()
        assert (big.status, big.paid_amount) == ("open", Decimal("1234.56"))

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Enter the amount of the partial payment."),
            ("abc", "Enter the amount in digits, for example 1.234,56 or 1234.56."),
            ("-5", "Enter the amount in digits, for example 1.234,56 or 1234.56."),
            ("1e3", "Enter the amount in digits, for example 1.234,56 or 1234.56."),
            ("NaN", "Enter the amount in digits, for example 1.234,56 or 1234.56."),
            ("1.2.3,4,5", "Enter the amount in digits, for example 1.234,56 or 1234.56."),
            ("0", "Enter an amount of more than zero."),
            ("0,00", "Enter an amount of more than zero."),
            ("10.005", "Enter the amount in whole cents."),
            ("83.31", "Enter at most the amount due, €83.30."),
            ("9" * 40, "Ensure this value has at most 32 characters (it has 40)."),
        ],
    )
    def test_a_refused_amount_shows_a_clear_error_and_pays_nothing(
        self, client, portal, typed, message
    ):
        _, invoice = portal
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {"payment_key": key, "how_much": "partial", "amount": typed, "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert response.status_code == 200
        assert errors(response.content.decode()) == [message]
        assert paid(invoice) == ("open", Decimal("0.00"), 0)
        assert Charge.objects.count() == 0

    def test_a_double_submit_pays_once(self, client, portal):
        _, invoice = portal
        key = payment_key(client, invoice)
        form = {"payment_key": key, "how_much": "partial", "amount": "25", "card": "on_file"}

        first = client.post(pay_url(invoice), form)
        second = client.post(pay_url(invoice), form)

        assert first["Location"] == second["Location"] == INVOICES
        assert paid(invoice) == ("open", Decimal("25.00"), 1)
        assert OutgoingEmail.objects.filter(kind="receipt").count() == 1

    def test_a_decline_says_so_and_pays_nothing(self, client):
        account = corporate_account()
        make_card(account, DECLINING_CARD)
        invoice, _ = issue_invoice(account)
        portal_sign_in(client, account)
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {"payment_key": key, "how_much": "full", "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, pay_url(invoice))
        html = client.get(pay_url(invoice), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert (
            "The card was declined. Use another card or ask your bank. "
            "Nothing was paid on the invoice." in html
        )
        # A new form: a new key, so trying again is a payment of its own.
        assert f'value="{key}"' not in html
        assert paid(invoice) == ("open", Decimal("0.00"), 1)

    def test_a_new_card_is_charged_once_and_not_kept_for_renewals(self, client, portal):
        account, invoice = portal
        on_file = default_payment_method(account_id=account.pk)
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {
                "payment_key": key,
                "how_much": "full",
                "card": "new",
                "card_number": "5555 5555 5555 4444",
                "exp_month": "10",
                "exp_year": str(date.today().year + 1),
                "cvc": "999",
                "holder_name": "Ina Einmal",
            },
        )

        assert response.status_code == 302
        assert paid(invoice) == ("paid", Decimal("83.30"), 1)
        single = PaymentMethod.objects.get(account=account, last4="4444")
        assert (single.is_automatic, single.is_default, single.removed_at is not None) == (
            False,
            False,
            True,
        )
        assert default_payment_method(account_id=account.pk) == on_file

    def test_a_refused_new_card_is_not_echoed_back(self, client, portal):
        _, invoice = portal
        key = payment_key(client, invoice)

        response = client.post(
            pay_url(invoice),
            {
                "payment_key": key,
                "how_much": "full",
                "card": "new",
                "card_number": "4242 4242 4242 4241",
                "exp_month": "10",
                "exp_year": str(date.today().year + 1),
                "cvc": "987",
                "holder_name": "Ina Einmal",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert errors(html) == ["The card number is not valid."]
        assert "4241" not in html
        assert "987" not in html
        assert paid(invoice) == ("open", Decimal("0.00"), 0)

    def test_without_a_card_on_file_only_a_new_card_is_offered(self, client):
        account = corporate_account()
        invoice, _ = issue_invoice(account)
        portal_sign_in(client, account)

        html = client.get(pay_url(invoice), HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert "Card on file" not in html
        assert (
            '<input type="radio" name="card" value="new" id="id_card_0" required checked> '
            "A new card, for this payment only</label>" in html
        )

        response = client.post(
            pay_url(invoice),
            {"payment_key": payment_key(client, invoice), "how_much": "full", "card": "on_file"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert paid(invoice) == ("open", Decimal("0.00"), 0)
