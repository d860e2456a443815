"""Change Plan and Change Seats in the Billing Center: review the exact amounts, confirm once, read
what happened; declines, bad input and other accounts change nothing."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import license_assign
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
    make_subscription,
    plan,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 3, 1)  # a 31-day term: [2026-03-01, 2026-04-01)
TODAY = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)  # 21 days left
DECLINING_CARD = "4000000000000341"
STANDARD = "goto-meeting-standard-monthly"  # 14.00 EUR a seat and month
BUSINESS = "goto-meeting-business-monthly"  # 19.00


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def subscription_for(
    client, *, card: str | None = "4242424242424242", plan_code: str = STANDARD, seats: int = 5
) -> Subscription:
    account = make_account(kind="online", country="DE", currency="EUR", language="en")
    if card:
        make_card(account, card)
    subscription = make_subscription(
        account, seats=seats, plan_code=plan_code, term_start=TERM_START
    )
    client.force_login(billing_contact(account))
    return subscription


def text(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    body = response.content.decode().split("<body", 1)[-1]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def confirm_data(response) -> dict[str, str]:
    """The hidden fields of the review's Confirm form."""
    form = response.content.decode().split('<form method="post">', 1)[1].split("</form>", 1)[0]
    fields = re.findall(r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', form)
    return {name: html_lib.unescape(value) for name, value in fields}


def followed(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response["Location"]))


def state() -> dict[str, object]:
    return {
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "invoices": Invoice.objects.count(),
        "charges": Charge.objects.count(),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


class TestChangePlan:
    def test_the_choice_lists_the_plans_of_the_product_with_their_prices(self, client):
        subscription = subscription_for(client)

        page = text(client.get(f"/billing/subscriptions/{subscription.pk}/plan/"))

        assert "Standard · Monthly: €14.00 per seat and term (current plan)" in page
        assert "Business · Monthly: €19.00 per seat and term" in page
        assert "Standard · Annual: €140.00 per seat and term" in page
        assert "Business · Annual: €190.00 per seat and term" in page
        assert "GoTo Webinar" not in page

    def test_an_upgrade_is_reviewed_with_the_exact_lines_and_charged_once(self, client):
        subscription = subscription_for(client)
        url = f"/billing/subscriptions/{subscription.pk}/plan/"

        review = client.get(url, {"plan": plan(BUSINESS).pk})

        # Credit 14 × 5 × 21/31 = 47.42, charge 19 × 5 × 21/31 = 64.35, VAT 19 %
        page = text(review)
        assert "From today, 03/11/2026: GoTo Meeting Business (Monthly)." in page
        assert "GoTo Meeting Standard (Monthly), credit for 21 unused days of 31 5 -€47.42" in page
        assert "GoTo Meeting Business (Monthly), 21 remaining days of 31 5 €64.35" in page
        assert "Net €16.93 VAT 19% €3.22 Total €20.15" in page
        assert "Charged to Visa •••• 4242." in page
        data = confirm_data(review)
        assert (data["choice"], data["expected_total"]) == (str(plan(BUSINESS).pk), "20.15")
        assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", data["form_key"])
        assert state()["invoices"] == 0  # reviewing writes nothing

        # When Confirm is clicked twice (or the confirmation is reloaded)
        first = followed(client, client.post(url, data))
        second = followed(client, client.post(url, data))

        # Then one invoice and one charge, and the page says so
        invoice = Invoice.objects.get()
        assert (invoice.gross_total, invoice.status, invoice.source) == (
            Decimal("20.15"),
            "paid",
            "plan_change",
        )
        message = (
            f"Your plan is now GoTo Meeting Business (Monthly). Invoice {invoice.number} was "
            "paid by card."
        )
        assert message in first
        assert message in second
        assert Charge.objects.count() == TestGatewayCharge.objects.count() == 1
        subscription.refresh_from_db()
        assert subscription.plan.code == BUSINESS

    def test_a_decline_is_said_plainly_and_changes_nothing(self, client):
        subscription = subscription_for(client, card=DECLINING_CARD)
        url = f"/billing/subscriptions/{subscription.pk}/plan/"
        data = confirm_data(client.get(url, {"plan": plan(BUSINESS).pk}))

        page = followed(client, client.post(url, data))

        assert (
            "The card was declined. Use another card or ask your bank. Your plan was not "
            "changed." in page
        )
        subscription.refresh_from_db()
        assert subscription.plan.code == STANDARD
        # The invoice history shows the invoice and the credit note that voids it
        history = text(client.get("/billing/invoices/"))
        invoice = Invoice.objects.get(kind="invoice")
        note = Invoice.objects.get(kind="credit_note")
        assert f"Credit note for {invoice.number}" in history
        assert note.number in history
        assert invoice.status == "credited"

    def test_an_unknown_outcome_is_said_and_settled_later(self, client):
        from seatwise.payments.gateways.test import set_test_gateway_mode
        from seatwise.payments.services import call_grace
        from seatwise.sales.runner import purchases_resume
        from tests.payments.charging import reconcile_after_grace

        subscription = subscription_for(client)
        url = f"/billing/subscriptions/{subscription.pk}/plan/"
        data = confirm_data(client.get(url, {"plan": plan(BUSINESS).pk}))
        set_test_gateway_mode("timeout_after_charge", times=1)

        page = followed(client, client.post(url, data))

        assert (
            "The payment service did not answer in time. We are checking whether the payment "
            "went through; you will not be charged twice. Your plan changes as soon as the "
            "payment is confirmed." in page
        )
        subscription.refresh_from_db()
        assert subscription.plan.code == STANDARD
        reconcile_after_grace()
        assert purchases_resume(by=SYSTEM, now=timezone.now() + call_grace()) == 1
        subscription.refresh_from_db()
        assert subscription.plan.code == BUSINESS
        assert TestGatewayCharge.objects.count() == 1

    def test_a_downgrade_waits_for_the_renewal_and_can_be_undone(self, client):
        subscription = subscription_for(client, plan_code=BUSINESS)
        url = f"/billing/subscriptions/{subscription.pk}/plan/"

        review = client.get(url, {"plan": plan(STANDARD).pk})

        page = text(review)
        assert "From 04/01/2026: GoTo Meeting Standard (Monthly). €14.00 per seat and term." in (
            page
        )
        assert "Until 03/31/2026 you keep GoTo Meeting Business (Monthly)" in page
        assert "Net" not in page  # nothing is charged now
        data = confirm_data(review)
        assert data["expected_total"] == ""

        page = followed(client, client.post(url, data))

        assert (
            "From 04/01/2026 your plan is GoTo Meeting Standard (Monthly). Nothing was charged "
            "now." in page
        )
        assert "from 04/01/2026: Standard · Monthly" in page  # the Subscriptions page
        assert "Keep current plan" in page
        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.pending_plan) == (BUSINESS, plan(STANDARD))
        assert Invoice.objects.count() == Charge.objects.count() == 0

        # Keep current plan → review → Confirm
        undo = client.get(url, {"plan": plan(BUSINESS).pk})
        assert (
            "You keep GoTo Meeting Business (Monthly). The change to GoTo Meeting Standard "
            "(Monthly) scheduled for 04/01/2026 is cancelled." in text(undo)
        )
        page = followed(client, client.post(url, confirm_data(undo)))
        assert "The scheduled plan change is cancelled: you keep GoTo Meeting Business" in page
        assert "Keep current plan" not in page
        subscription.refresh_from_db()
        assert subscription.pending_plan is None

    @pytest.mark.parametrize(
        ("query", "error"),
        [
            ({"plan": "abc"}, "Choose one of the plans shown."),
            ({"plan": ""}, "Choose a plan."),
            ({"plan": "999999"}, "Choose one of the plans shown."),
            ({"plan": "<webinar>"}, "Choose one of the plans shown."),
            ({"plan": "<current>"}, "This is your current plan. Choose another one."),
        ],
    )
    def test_bad_choices_are_said_plainly(self, client, query, error):
        subscription = subscription_for(client)
        ids = {
            "<webinar>": str(plan("goto-webinar-business-monthly").pk),
            "<current>": str(subscription.plan_id),
        }
        before = state()

        response = client.get(
            f"/billing/subscriptions/{subscription.pk}/plan/",
            {"plan": ids.get(query["plan"], query["plan"])},
        )

        assert response.status_code == 200
        assert error in text(response)
        assert "Confirm" not in text(response)
        assert state() == before

    def test_without_a_card_the_review_says_what_to_do(self, client):
        subscription = subscription_for(client, card=None)

        page = text(
            client.get(
                f"/billing/subscriptions/{subscription.pk}/plan/", {"plan": plan(BUSINESS).pk}
            )
        )

        assert "Add a card for automatic payments to buy seats or change the plan." in page
        assert "Confirm" not in page

    def test_a_tampered_or_stale_confirmation_changes_nothing(self, client):
        subscription = subscription_for(client)
        url = f"/billing/subscriptions/{subscription.pk}/plan/"
        data = confirm_data(client.get(url, {"plan": plan(BUSINESS).pk}))
        before = state()

        garbage = client.post(url, {"choice": "x", "form_key": "short"})
        assert garbage["Location"] == url
        assert "The confirmation was incomplete. Review the change again." in followed(
            client, garbage
        )
        other_product = client.post(
            url, {**data, "choice": str(plan("goto-webinar-business-monthly").pk)}
        )
        assert other_product["Location"] == url
        stale_price = client.post(url, {**data, "expected_total": "19.99"})
        assert stale_price["Location"] == f"{url}?plan={plan(BUSINESS).pk}"
        assert (
            "The price has changed since you reviewed it. Review the new price and confirm."
            in followed(client, stale_price)
        )
        assert state() == before


class TestChangeSeats:
    def test_more_seats_are_reviewed_with_the_exact_amount_and_charged_once(self, client):
        subscription = subscription_for(client)
        url = f"/billing/subscriptions/{subscription.pk}/seats/"

        review = client.get(url, {"seats": "8"})

        # 14 × 3 × 21/31 = 28.45, VAT 19 % 5.41
        page = text(review)
        assert "3 seats more, from today: 8 seats." in page
        assert "GoTo Meeting Standard (Monthly), seats added (21 of 31 days) 3 €28.45" in page
        assert "Net €28.45 VAT 19% €5.41 Total €33.86" in page
        data = confirm_data(review)
        assert (data["kind"], data["choice"], data["expected_total"]) == ("add", "3", "33.86")

        first = followed(client, client.post(url, data))
        second = followed(client, client.post(url, data))

        invoice = Invoice.objects.get()
        message = (
            f"3 seats were added: the subscription now has 8 seats. Invoice {invoice.number} "
            "was paid by card."
        )
        assert message in first
        assert message in second
        assert Charge.objects.count() == TestGatewayCharge.objects.count() == 1
        subscription.refresh_from_db()
        assert subscription.seats == 8

    def test_a_declined_seat_purchase_adds_nothing(self, client):
        subscription = subscription_for(client, card=DECLINING_CARD)
        url = f"/billing/subscriptions/{subscription.pk}/seats/"

        page = followed(client, client.post(url, confirm_data(client.get(url, {"seats": "6"}))))

        assert (
            "The card was declined. Use another card or ask your bank. No seats were added." in page
        )
        subscription.refresh_from_db()
        assert subscription.seats == 5
        assert Invoice.objects.get(kind="invoice").status == "credited"

    def test_fewer_seats_from_the_renewal_and_keep_current_seats(self, client):
        subscription = subscription_for(client)
        url = f"/billing/subscriptions/{subscription.pk}/seats/"

        review = client.get(url, {"seats": "3"})

        page = text(review)
        assert "From 04/01/2026: 3 seats." in page
        assert (
            "Until 03/31/2026 you keep 5 seats: the current term is paid and is not refunded."
            in (page)
        )
        page = followed(client, client.post(url, confirm_data(review)))
        assert "From 04/01/2026 the subscription has 3 seats. Nothing is refunded." in page
        assert "from 04/01/2026: 3" in page
        subscription.refresh_from_db()
        assert (subscription.seats, subscription.renewal_seats) == (5, 3)
        assert Invoice.objects.count() == Charge.objects.count() == 0

        undo = client.get(url, {"seats": "5"})
        assert "You keep 5 seats. The scheduled reduction is cancelled." in text(undo)
        page = followed(client, client.post(url, confirm_data(undo)))
        assert "The scheduled seat reduction is cancelled: the subscription keeps 5 seats." in page
        subscription.refresh_from_db()
        assert subscription.renewal_seats is None

    @pytest.mark.parametrize(
        ("seats", "error"),
        [
            ("0", "The subscription keeps at least one seat."),
            ("-3", "The subscription keeps at least one seat."),
            ("abc", "Enter the number of seats as a whole number."),
            ("", "Enter the number of seats."),
            ("10001", "The number of seats is at most 10,000."),
            ("5", "This is the current number of seats. Enter another number."),
            (
                "1",
                "2 seats are assigned to users: the subscription cannot have fewer. Remove "
                "licenses in the Admin Center first.",
            ),
        ],
    )
    def test_bad_numbers_are_said_plainly(self, client, seats, error):
        subscription = subscription_for(client)
        for _ in range(2):
            license_assign(
                subscription=subscription, person=make_person(subscription.account), by=SYSTEM
            )
        before = state()

        response = client.get(f"/billing/subscriptions/{subscription.pk}/seats/", {"seats": seats})

        assert response.status_code == 200
        assert error in text(response)
        assert "Confirm" not in text(response)
        assert state() == before


class TestAccess:
    @pytest.mark.parametrize("page", ["plan", "seats"])
    def test_another_accounts_subscription_is_not_found(self, client, page):
        other = make_account(kind="online", language="en")
        make_card(other)
        theirs = make_subscription(other, term_start=TERM_START)
        subscription_for(client)
        before = state()

        shown = client.get(f"/billing/subscriptions/{theirs.pk}/{page}/")
        reviewed = client.get(
            f"/billing/subscriptions/{theirs.pk}/{page}/",
            {"plan": plan(BUSINESS).pk} if page == "plan" else {"seats": "3"},
        )
        posted = client.post(
            f"/billing/subscriptions/{theirs.pk}/{page}/",
            {
                "kind": "" if page == "plan" else "renewal",
                "choice": str(plan(BUSINESS).pk) if page == "plan" else "3",
                "form_key": "a-form-key-of-16-chars",
            },
        )

        assert (shown.status_code, reviewed.status_code, posted.status_code) == (404, 404, 404)
        assert state() == before

    def test_the_subscriptions_page_shows_scheduled_changes_in_one_query_more(self, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from seatwise.billing.changes import plan_change, renewal_seats_set

        subscription = subscription_for(client, plan_code=BUSINESS)
        with CaptureQueriesContext(connection) as plain:
            client.get("/billing/subscriptions/")
        plan_change(
            subscription=subscription,
            new_plan=plan("goto-meeting-standard-yearly"),
            by=SYSTEM,
            idempotency_key="k",
        )
        renewal_seats_set(subscription=subscription, seats=4, by=SYSTEM)

        with CaptureQueriesContext(connection) as pending:
            page = text(client.get("/billing/subscriptions/"))

        assert len(pending) == len(plain) + 1
        assert "from 04/01/2026: Standard · Annual" in page
        assert "from 04/01/2026: 4" in page
        assert "Keep current plan" in page
        assert "Keep current seats" in page


def test_the_upgrade_review_credits_the_price_paid_and_is_what_is_charged(client):
    """Given 5 seats of Standard bought at 14.00 and the catalog price of Standard raised to
    16.00 since: the review credits the 21 unused days at 14.00, and Confirm charges exactly
    the total reviewed."""
    from seatwise.catalog.models import Price

    subscription = subscription_for(client)
    Price.objects.filter(plan=plan(STANDARD), currency="EUR").update(unit_amount=Decimal("16.00"))
    url = f"/billing/subscriptions/{subscription.pk}/plan/"

    review = client.get(url, {"plan": plan(BUSINESS).pk})

    page = text(review)
    assert "GoTo Meeting Standard (Monthly), credit for 21 unused days of 31 5 -€47.42" in page
    assert "Net €16.93 VAT 19% €3.22 Total €20.15" in page
    data = confirm_data(review)
    assert data["expected_total"] == "20.15"
    followed(client, client.post(url, data))
    invoice = Invoice.objects.get()
    assert (invoice.gross_total, invoice.status) == (Decimal("20.15"), "paid")
    assert list(invoice.lines.order_by("position").values_list("net_amount", flat=True)) == [
        Decimal("-47.42"),
        Decimal("64.35"),
    ]
