"""The billing admin's self-service in the Billing Center: invoice history with PDF download,
the payment method, Cancel Subscription and Reactivate."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.billing.cancellation import subscription_cancel, subscription_reactivate
from seatwise.billing.selectors import amount_due
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import PaymentMethod
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_person,
    make_subscription,
)
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db
NEXT_YEAR = str(date.today().year + 2)


def issue(account, on: date) -> Invoice:
    """5 seats × 14.00 = 70.00 net, 19 % VAT: 83.30 gross."""
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=on,
        by=SYSTEM,
    )


def cells(html: str) -> list[list[str]]:
    """The text of each body row's cells."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def state() -> dict[str, object]:
    return {
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "payment_methods": list(PaymentMethod.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/billing/invoices/",
        "/billing/invoices/1/pdf/",
        "/billing/payment-method/",
        "/billing/subscriptions/1/cancel/",
    ],
)
@pytest.mark.parametrize("who", ["account_admin", "user", "corporate_billing_admin"])
def test_only_the_billing_admin_of_an_online_account_gets_in(client, path, who):
    online = make_account(kind="online", language="en")
    corporate = make_account(kind="corporate", language="en")
    make_subscription(corporate)
    person = {
        "account_admin": lambda: make_person(online, admin=True),
        "user": lambda: make_person(online),
        "corporate_billing_admin": lambda: billing_contact(corporate),
    }[who]()
    client.force_login(person)
    before = state()

    response = client.get(path)
    posted = client.post(path)

    assert (response.status_code, response["Location"]) == (302, "/billing/wrong-place/")
    assert posted.status_code in (302, 405)
    if posted.status_code == 302:
        assert posted["Location"] == "/billing/wrong-place/"
    assert state() == before


def test_the_corporate_billing_admin_cannot_cancel_or_reactivate(client):
    corporate = make_account(kind="corporate", language="en")
    subscription = make_subscription(corporate)
    client.force_login(billing_contact(corporate))
    before = state()

    cancel = client.post(f"/billing/subscriptions/{subscription.pk}/cancel/")
    reactivate = client.post(f"/billing/subscriptions/{subscription.pk}/reactivate/")

    assert cancel["Location"] == reactivate["Location"] == "/billing/wrong-place/"
    assert state() == before


# --- invoice history -----------------------------------------------------------------------------


class TestInvoiceHistory:
    def test_lists_invoices_and_credit_notes_newest_first_with_amounts_due(self, client):
        account = make_account(kind="online", language="en")
        first = issue(account, date(2026, 1, 1))
        second = issue(account, date(2026, 2, 1))
        third = issue(account, date(2026, 3, 1))
        invoice_record_payment(invoice=first, amount=Decimal("83.30"), reference="p1", by=SYSTEM)
        note = credit_note_issue(
            invoice=second,
            amount_net=Decimal("70.00"),
            reason="Goodwill",
            settlement="none",
            by=SYSTEM,
            issue_date=date(2026, 2, 2),
        )
        client.force_login(billing_contact(account))

        response = client.get("/billing/invoices/")

        html = response.content.decode()
        assert [r.invoice.pk for r in response.context["rows"]] == [
            third.pk,
            note.pk,
            second.pk,
            first.pk,
        ]
        assert cells(html) == [
            [
                third.number,
                "03/01/2026",
                "Renewal",
                "€83.30",
                "€83.30",
                "Open",
                # the PDF with Pay Now of the open invoice, then the UBL
                f"Download {third.number}Pay Now",
                f"E-invoice {third.number} (UBL)",
            ],
            [
                note.number,
                "02/02/2026",
                f"Credit note for {second.number}: GoodwillNothing to settle: it reduced the "
                "amount due on the invoice",
                "€83.30",
                "—",
                "Issued",
                f"Download {note.number}",
                f"E-invoice {note.number} (UBL)",
            ],
            [
                second.number,
                "02/01/2026",
                "Renewal",
                "€83.30",
                "€0.00",
                "Credited",
                f"Download {second.number}",
                f"E-invoice {second.number} (UBL)",
            ],
            [
                first.number,
                "01/01/2026",
                "Renewal",
                "€83.30",
                "€0.00",
                "Paid",
                f"Download {first.number}",
                f"E-invoice {first.number} (UBL)",
            ],
        ]
        assert f'href="/billing/invoices/{third.pk}/pdf/"' in html
        # The page's amount due is the invoicing domain's.
        for row in response.context["rows"]:
            if row.invoice.kind == "invoice":
                assert amount_due(row.invoice) == invoice_amount_due(row.invoice)

    def test_money_in_the_persons_language(self, client):
        account = make_account(kind="online", language="de")
        issue(account, date(2026, 3, 1))
        client.force_login(billing_contact(account))

        html = client.get("/billing/invoices/").content.decode()

        assert "83,30\xa0€" in html

    def test_pages_by_keyset_and_shows_no_other_account(self, client, monkeypatch):
        monkeypatch.setattr("seatwise.portals.billing_center.views.invoices.INVOICES_PER_PAGE", 2)
        account = make_account(kind="online", language="en")
        other = make_account(kind="online", language="en", name="Other Company Ltd")
        foreign = issue(other, date(2026, 3, 5))
        # Issued out of date order: the page follows the issue date, then the id.
        mine = [issue(account, date(2026, 3, day)) for day in (2, 1, 3)]
        client.force_login(billing_contact(account))

        page1 = client.get("/billing/invoices/")
        page2 = client.get(f"/billing/invoices/?after={mine[0].pk}")

        assert [r.invoice.pk for r in page1.context["rows"]] == [mine[2].pk, mine[0].pk]
        assert page1.context["next_query"] == f"?after={mine[0].pk}"
        assert [r.invoice.pk for r in page2.context["rows"]] == [mine[1].pk]
        assert page2.context["next_query"] is None
        html = page1.content.decode() + page2.content.decode()
        assert foreign.number not in html
        assert "Other Company Ltd" not in html

    def test_query_count_does_not_grow_with_the_invoices(self, client):
        def count_for(n: int) -> int:
            account = make_account(kind="online", language="en")
            for day in range(1, n + 1):
                invoice = issue(account, date(2026, 3, day))
                credit_note_issue(
                    invoice=invoice,
                    amount_net=Decimal("1.00"),
                    reason="r",
                    settlement="none",
                    by=SYSTEM,
                )
            client.force_login(billing_contact(account))
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/billing/invoices/")
            assert len(response.context["rows"]) == 2 * n
            return len(queries)

        assert count_for(1) == count_for(8)


class TestInvoicePdf:
    def test_downloads_the_own_invoice_as_a_pdf_attachment(self, client):
        account = make_account(kind="online", language="en")
        invoice = issue(account, date(2026, 3, 1))
        client.force_login(billing_contact(account))

        response = client.get(f"/billing/invoices/{invoice.pk}/pdf/")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        assert response.content.startswith(b"%PDF")

    def test_another_accounts_invoice_is_not_found(self, client):
        account = make_account(kind="online", language="en")
        other = make_account(kind="online", language="en")
        foreign = issue(other, date(2026, 3, 1))
        client.force_login(billing_contact(account))

        response = client.get(f"/billing/invoices/{foreign.pk}/pdf/")

        assert response.status_code == 404


# --- payment method ------------------------------------------------------------------------------


def card_post(number: str, **over: str) -> dict[str, str]:
    return {
        "card_number": number,
        "exp_month": "12",
        "exp_year": NEXT_YEAR,
        "cvc": "123",
        "holder_name": "Bill Contact",
        **over,
    }


class TestPaymentMethod:
    def test_shows_the_card_on_file_masked(self, client):
        account = make_account(kind="online", language="en")
        card = make_card(account, "5555555555554444")
        sign_in_as(client, billing_contact(account))

        html = client.get("/billing/payment-method/").content.decode()

        assert "<dd>Mastercard •••• 4444</dd>" in html
        assert f"<dd>{card.expiry}</dd>" in html
        assert "<dd>Bill Contact</dd>" in html
        assert 'autocomplete="cc-number"' in html
        assert 'autocomplete="cc-csc"' in html
        assert 'autocomplete="cc-exp-month"' in html
        assert ">Update Payment Method</button>" in html
        assert card.token not in html

    def test_update_payment_method_replaces_the_default_card(self, client):
        account = make_account(kind="online", language="en")
        old = make_card(account, "4242424242424242")
        sign_in_as(client, billing_contact(account))

        response = client.post(
            "/billing/payment-method/", card_post("5555 5555 5555 4444"), follow=True
        )

        assert response.redirect_chain == [("/billing/payment-method/", 302)]
        new = PaymentMethod.objects.get(account=account, is_default=True)
        assert (new.brand, new.last4, new.exp_year, new.holder_name) == (
            "mastercard",
            "4444",
            int(NEXT_YEAR),
            "Bill Contact",
        )
        old.refresh_from_db()
        assert old.is_default is False
        html = response.content.decode()
        assert (
            "Your payment method is updated: renewals and orders are charged to "
            "Mastercard •••• 4444." in html
        )
        assert "5555555555554444" not in html
        assert "5555 5555 5555 4444" not in html
        assert AuditEntry.objects.filter(
            action="payment_method.add", object_id=str(new.pk)
        ).exists()

    def test_a_luhn_invalid_card_is_refused_next_to_the_number_and_not_echoed(self, client):
        account = make_account(kind="online", language="en")
        make_card(account)
        sign_in_as(client, billing_contact(account))
        before = state()

        response = client.post(
            "/billing/payment-method/", card_post("4242 4242 4242 4241", cvc="987")
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert response.context["form"].errors == {"card_number": ["The card number is not valid."]}
        assert (
            '<div id="id_card_number_error"><p class="form-field__error">'
            "The card number is not valid.</p></div>"
        ) in html
        assert 'aria-describedby="id_card_number_error"' in html
        assert "4242 4242 4242 4241" not in html
        assert "4242424242424241" not in html
        assert 'name="cvc"' in html
        assert 'value="987"' not in html
        assert 'value="Bill Contact"' in html  # the holder is kept; number and CVC are not
        assert state() == before

    @pytest.mark.parametrize(
        ("number", "over", "field", "message"),
        [
            (
                "4000 0000 0000 0002",
                {},
                "card_number",
                "The card was declined. Use another card or ask your bank.",
            ),
            ("4000 0000 0000 0069", {}, "exp_month", "This card has expired."),
            (
                "4242 4242 4242 4242",
                {"cvc": "12"},
                "cvc",
                "The security code (CVC) is three or four digits.",
            ),
            (
                "4000 0000 0000 0127",
                {"cvc": "1234"},
                "cvc",
                "The security code (CVC) is not valid.",
            ),
            ("4242-4242", {}, "card_number", "Enter the card number in digits."),
        ],
    )
    def test_refusals_are_shown_next_to_their_field_and_change_nothing(
        self, client, number, over, field, message
    ):
        account = make_account(kind="online", language="en")
        sign_in_as(client, billing_contact(account))
        before = state()

        response = client.post("/billing/payment-method/", card_post(number, **over))

        assert response.status_code == 200
        assert response.context["form"].errors == {field: [message]}
        assert number not in response.content.decode()
        assert state() == before

    def test_gateway_refusals_are_translated(self, client):
        account = make_account(kind="online", language="de")
        sign_in_as(client, billing_contact(account))

        response = client.post("/billing/payment-method/", card_post("4242 4242 4242 4241"))

        [error] = response.context["form"].errors["card_number"]
        assert error != "The card number is not valid."


# --- cancel and reactivate -----------------------------------------------------------------------


class TestCancelAndReactivate:
    def test_cancel_confirm_pending_then_reactivate(self, client):
        account = make_account(kind="online", language="en")
        contact = billing_contact(account)
        today = timezone.localdate()
        subscription = make_subscription(
            account, plan_code="goto-webinar-standard-yearly", term_start=today
        )
        last_day = subscription.term_end - timedelta(days=1)
        client.force_login(contact)

        # Given the Subscriptions page, Cancel Subscription leads to a confirmation.
        confirm = client.get(f"/billing/subscriptions/{subscription.pk}/cancel/")
        html = confirm.content.decode()
        assert "Cancel your GoTo Webinar subscription?" in html
        assert ">Yes, Cancel</button>" in html
        assert '<a href="/billing/subscriptions/">Back</a>' in html
        assert Subscription.objects.get(pk=subscription.pk).status == "active"

        # When Yes, Cancel
        done = client.post(f"/billing/subscriptions/{subscription.pk}/cancel/", follow=True)

        # Then pending cancellation, no renewal, a message with the last day, an audit entry
        # and the e-mail to the billing contact.
        assert done.redirect_chain == [("/billing/subscriptions/", 302)]
        subscription.refresh_from_db()
        assert (subscription.status, subscription.auto_renew) == ("pending_cancellation", False)
        day = last_day.strftime("%m/%d/%Y")
        page = done.content.decode()
        assert (
            f"Your GoTo Webinar subscription is cancelled: it stays usable until {day} and "
            "expires then. Until that day you can reactivate it." in page
        )
        assert "Pending Cancellation" in page
        assert ">Reactivate Subscription</button>" in page
        entry = AuditEntry.objects.get(action="subscription.cancel")
        assert (entry.object_id, entry.actor_person_id) == (str(subscription.pk), contact.pk)
        assert (entry.old["status"], entry.new["status"]) == ("active", "pending_cancellation")
        assert (entry.old["auto_renew"], entry.new["auto_renew"]) == (True, False)
        [email] = OutgoingEmail.objects.filter(kind="subscription_cancelled")
        assert (email.to_address, email.language) == (contact.email, "en")
        assert email.subject == "Your GoTo Webinar subscription is cancelled"

        # When cancelled again (a second click): nothing more is written.
        before = state()
        again = client.post(f"/billing/subscriptions/{subscription.pk}/cancel/")
        assert again["Location"] == "/billing/subscriptions/"
        assert state() == before

        # When reactivated: active and renewing again, audited.
        back = client.post(f"/billing/subscriptions/{subscription.pk}/reactivate/", follow=True)
        subscription.refresh_from_db()
        assert (subscription.status, subscription.auto_renew) == ("active", True)
        renews = subscription.term_end.strftime("%m/%d/%Y")
        assert f"Your GoTo Webinar subscription is reactivated: it renews on {renews}." in (
            back.content.decode()
        )
        assert AuditEntry.objects.filter(action="subscription.reactivate").count() == 1

        # And reactivating again writes nothing.
        before = state()
        client.post(f"/billing/subscriptions/{subscription.pk}/reactivate/")
        assert state() == before

    def test_the_email_is_in_the_billing_contacts_language(self):
        account = make_account(kind="online", language="de")
        subscription = make_subscription(account, term_start=date(2026, 3, 1))

        subscription_cancel(subscription=subscription, by=SYSTEM)

        [email] = OutgoingEmail.objects.filter(kind="subscription_cancelled")
        assert (email.language, email.to_address) == ("de", billing_contact(account).email)
        assert "31. März 2026" in email.body_text  # the term's last day, in German

    def test_another_accounts_subscription_is_not_found(self, client):
        account = make_account(kind="online", language="en")
        other = make_account(kind="online", language="en")
        foreign = make_subscription(other)
        client.force_login(billing_contact(account))
        before = state()

        get = client.get(f"/billing/subscriptions/{foreign.pk}/cancel/")
        cancel = client.post(f"/billing/subscriptions/{foreign.pk}/cancel/")
        reactivate = client.post(f"/billing/subscriptions/{foreign.pk}/reactivate/")

        assert (get.status_code, cancel.status_code, reactivate.status_code) == (404, 404, 404)
        assert state() == before

    def test_no_reactivation_after_the_term_has_ended(self, client):
        account = make_account(kind="online", language="en")
        subscription = make_subscription(account, term_start=date(2020, 1, 1))
        subscription_cancel(subscription=subscription, by=SYSTEM)
        client.force_login(billing_contact(account))
        before = state()

        response = client.post(f"/billing/subscriptions/{subscription.pk}/reactivate/", follow=True)

        assert (
            "The term of this subscription has ended; it can no longer be reactivated."
            in response.content.decode()
        )
        assert state() == before

    def test_a_suspended_subscription_cannot_be_cancelled(self):
        from seatwise.core.errors import Refused

        account = make_account(kind="online", language="en")
        subscription = make_subscription(account)
        Subscription.objects.filter(pk=subscription.pk).update(status="suspended")
        before = state()

        with pytest.raises(Refused) as refused:
            subscription_cancel(subscription=subscription, by=SYSTEM)
        with pytest.raises(Refused) as not_pending:
            subscription_reactivate(subscription=subscription, by=SYSTEM)

        assert (refused.value.code, not_pending.value.code) == (
            "not_cancellable",
            "not_reactivatable",
        )
        assert state() == before


# --- no cancellation while an invoice is overdue -------------------------------------------------


class TestCancelWhileAnInvoiceIsOverdue:
    """An invoice issued on 1 March 2026 is due on 15 March; on 20 March it is overdue."""

    def given(self, client):
        account = make_account(kind="online", language="en")
        subscription = make_subscription(account, term_start=date(2026, 3, 1))
        invoice = issue(account, date(2026, 3, 1))
        client.force_login(billing_contact(account))
        return subscription, invoice

    def test_the_page_shows_the_overdue_invoice_with_pay_now_and_no_confirmation(self, client):
        subscription, invoice = self.given(client)
        url = f"/billing/subscriptions/{subscription.pk}/cancel/"
        before = state()

        with time_machine.travel(date(2026, 3, 20), tick=False):
            page = client.get(url)

        assert page.status_code == 200
        html = page.content.decode()
        assert "Your GoTo Meeting subscription cannot be cancelled while an invoice is unpaid " in (
            html
        )
        assert "past its due date. Overdue: €83.30." in html
        assert cells(html) == [[invoice.number, "03/15/2026", "€83.30", "Pay Now"]]
        assert f'<a class="button" href="/billing/invoices/{invoice.pk}/pay/">Pay Now</a>' in html
        assert "Yes, Cancel" not in html
        assert "<form" not in html.split("billing_content", 1)[-1].split("data-refusal", 1)[-1]
        assert state() == before

    def test_yes_cancel_sent_anyway_is_refused_and_changes_nothing(self, client):
        subscription, _invoice = self.given(client)
        url = f"/billing/subscriptions/{subscription.pk}/cancel/"
        before = state()

        with time_machine.travel(date(2026, 3, 20), tick=False):
            response = client.post(url)

        assert (response.status_code, response["Location"]) == (302, url)
        assert state() == before

    def test_once_paid_the_confirmation_is_back_and_cancelling_works(self, client):
        subscription, invoice = self.given(client)
        url = f"/billing/subscriptions/{subscription.pk}/cancel/"
        invoice_record_payment(invoice=invoice, amount=Decimal("83.30"), reference="p1", by=SYSTEM)

        with time_machine.travel(date(2026, 3, 20), tick=False):
            page = client.get(url).content.decode()
            done = client.post(url)

        assert ">Yes, Cancel</button>" in page
        assert "Overdue" not in page
        assert done["Location"] == "/billing/subscriptions/"
        subscription.refresh_from_db()
        assert subscription.status == "pending_cancellation"
