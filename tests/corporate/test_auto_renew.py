"""**Auto Renew** of corporate subscriptions (the help article auto-renew): turned off with a
**Cancel Reason**, the service runs to the **Service Order End Date** and is not renewed;
turned on again, it renews and the reason is gone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils.formats import date_format

from seatwise.audit.models import AuditEntry
from seatwise.billing.renewals import renewals_run
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge
from seatwise.subscriptions.auto_renew import (
    CancelReason,
    auto_renew_off,
    auto_renew_on,
    service_order_end_date,
)
from seatwise.subscriptions.models import Subscription
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

PAST_TERM_START = date(2026, 3, 1)  # the term [2026-03-01, 2026-04-01)


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def subscription(*, term_start: date | None = None, language: str = "en") -> Subscription:
    account = corporate_account(language=language)
    make_card(account)
    return make_subscription(account, seats=5, term_start=term_start)


def row(s: Subscription) -> tuple[str, bool, str]:
    s.refresh_from_db()
    return (s.status, s.auto_renew, s.cancel_reason)


def actions(s: Subscription) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="subscriptions.subscription", object_id=str(s.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


class TestService:
    def test_off_keeps_the_reason_and_runs_to_the_service_order_end_date(self):
        s = subscription()

        auto_renew_off(
            subscription=s, reason=CancelReason("budget", " Fewer  projects "), by=SYSTEM
        )

        assert row(s) == ("pending_cancellation", False, "budget: Fewer projects")
        assert service_order_end_date(s) == s.term_end - timedelta(days=1)
        entry = AuditEntry.objects.get(action="subscription.auto_renew_off")
        assert entry.old == {"status": "active", "auto_renew": True, "cancel_reason": ""}
        assert entry.new == {
            "status": "pending_cancellation",
            "auto_renew": False,
            "cancel_reason": "budget: Fewer projects",
            "service_order_end_date": (s.term_end - timedelta(days=1)).isoformat(),
        }

    def test_off_twice_writes_once(self):
        s = subscription()

        auto_renew_off(subscription=s, reason=CancelReason("budget"), by=SYSTEM)
        auto_renew_off(subscription=s, reason=CancelReason("other", "changed mind"), by=SYSTEM)

        assert row(s) == ("pending_cancellation", False, "budget")
        assert actions(s)[-1:] == ["subscription.auto_renew_off"]
        assert actions(s).count("subscription.auto_renew_off") == 1

    def test_on_again_renews_and_clears_the_reason(self):
        s = subscription()
        auto_renew_off(subscription=s, reason=CancelReason("switching"), by=SYSTEM)

        auto_renew_on(subscription=s, by=SYSTEM)
        auto_renew_on(subscription=s, by=SYSTEM)

        assert row(s) == ("active", True, "")
        assert actions(s).count("subscription.auto_renew_on") == 1

    @pytest.mark.parametrize(
        ("reason", "field"),
        [
            (CancelReason(""), "cancel_reason"),
            (CancelReason("no-such-reason"), "cancel_reason"),
            (CancelReason("other"), "cancel_details"),
            (CancelReason("other", "   "), "cancel_details"),
            (CancelReason("budget", "x" * 401), "cancel_details"),
        ],
    )
    def test_off_without_a_proper_reason_is_refused_and_changes_nothing(self, reason, field):
        s = subscription()
        audit = AuditEntry.objects.count()

        with pytest.raises(Invalid) as refused:
            auto_renew_off(subscription=s, reason=reason, by=SYSTEM)

        assert refused.value.field == field
        assert row(s) == ("active", True, "")
        assert AuditEntry.objects.count() == audit

    def test_on_after_the_term_ended_is_refused(self):
        s = subscription(term_start=PAST_TERM_START)
        auto_renew_off(subscription=s, reason=CancelReason("budget"), by=SYSTEM)

        with pytest.raises(Refused) as refused:
            auto_renew_on(subscription=s, by=SYSTEM)

        assert refused.value.code == "term_ended"
        assert row(s) == ("pending_cancellation", False, "budget")

    def test_online_subscriptions_are_refused(self):
        account = make_account(kind="online")
        s = make_subscription(account)

        with pytest.raises(Refused) as refused:
            auto_renew_off(subscription=s, reason=CancelReason("budget"), by=SYSTEM)
        with pytest.raises(Refused):
            auto_renew_on(subscription=s, by=SYSTEM)

        assert refused.value.code == "not_corporate"
        assert row(s) == ("active", True, "")


class TestRenewal:
    def test_turned_off_the_subscription_ends_at_term_end_and_nothing_is_invoiced(self):
        s = subscription(term_start=PAST_TERM_START)
        auto_renew_off(subscription=s, reason=CancelReason("not_using"), by=SYSTEM)

        renewals_run(on=date(2026, 4, 1), by=SYSTEM)

        s.refresh_from_db()
        assert (s.status, s.term_end) == ("cancelled", date(2026, 4, 1))
        assert Invoice.objects.filter(account=s.account).count() == 0
        assert Charge.objects.count() == 0

    def test_left_on_it_renews(self):
        s = subscription(term_start=PAST_TERM_START)

        renewals_run(on=date(2026, 4, 1), by=SYSTEM)

        s.refresh_from_db()
        assert (s.status, s.term_end) == ("active", date(2026, 5, 1))


class TestPages:
    def test_the_subscriptions_tab_links_each_subscription_to_its_auto_renew(self, client):
        s = subscription()
        portal_sign_in(client, s.account)

        html = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert f'href="/corporate/subscriptions/{s.pk}/auto-renew/">Turn off' in html

    def test_off_asks_for_a_cancel_reason_and_names_the_service_order_end_date(self, client):
        s = subscription()
        portal_sign_in(client, s.account)
        url = f"/corporate/subscriptions/{s.pk}/auto-renew/"

        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

        html = page.content.decode()
        assert page["Cache-Control"].startswith("max-age=0")
        assert '<label for="id_cancel_reason">Cancel Reason</label>' in html
        assert '<option value="budget">Budget or price</option>' in html
        end = date_format(service_order_end_date(s), "DATE_FORMAT")  # e.g. "Dec. 23, 2026"
        assert f"service runs to the Service Order End Date, {end}, and then ends" in html

        response = client.post(
            url,
            {"auto_renew": "off", "cancel_reason": "company_change", "cancel_details": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert (response.status_code, response["Location"]) == (302, "/corporate/")
        assert row(s) == ("pending_cancellation", False, "company_change")
        home = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert (
            f"Auto Renew is off: GoTo Meeting is not renewed. Service runs to the Service Order "
            f"End Date, {end}." in home
        )
        assert f'href="/corporate/subscriptions/{s.pk}/auto-renew/">Turn on' in home

    def test_off_without_a_reason_shows_the_form_again_and_changes_nothing(self, client):
        s = subscription()
        portal_sign_in(client, s.account)
        audit = AuditEntry.objects.count()

        response = client.post(
            f"/corporate/subscriptions/{s.pk}/auto-renew/",
            {"auto_renew": "off", "cancel_reason": "", "cancel_details": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert response.status_code == 200
        assert re.search(
            r'form-field__error"[^>]*>Choose a Cancel Reason\.<', response.content.decode()
        )
        assert row(s) == ("active", True, "")
        assert AuditEntry.objects.count() == audit

    def test_on_again_from_the_page(self, client):
        s = subscription()
        auto_renew_off(subscription=s, reason=CancelReason("budget"), by=SYSTEM)
        portal_sign_in(client, s.account)
        url = f"/corporate/subscriptions/{s.pk}/auto-renew/"

        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "<dt>Cancel Reason</dt><dd>Budget or price</dd>" in html

        response = client.post(url, {"auto_renew": "on"})
        client.post(url, {"auto_renew": "on"})  # a second click

        assert (response.status_code, response["Location"]) == (302, "/corporate/")
        assert row(s) == ("active", True, "")
        assert actions(s).count("subscription.auto_renew_on") == 1

    def test_a_subscription_of_another_account_is_not_found(self, client):
        s = subscription()
        other = corporate_account()
        portal_sign_in(client, other)

        assert client.get(f"/corporate/subscriptions/{s.pk}/auto-renew/").status_code == 404
        response = client.post(
            f"/corporate/subscriptions/{s.pk}/auto-renew/",
            {"auto_renew": "off", "cancel_reason": "budget"},
        )
        assert response.status_code == 404
        assert row(s) == ("active", True, "")


class TestCorporateAccountServicesPointer:
    """Cancelling and changing the billing frequency are not self-service for a corporate
    account: the Subscriptions tab and the Auto Renew page name Corporate Account Services with
    its contact options, the same section as Add Seats' refusal
    (templates/corporate/_corporate_account_services.html)."""

    POINTER = (
        "To cancel a subscription or change its billing frequency, contact Corporate Account "
        "Services."
    )

    @pytest.fixture
    def contact(self, settings):
        settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL = "cas@seatwise.test"
        settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_PHONE = "+49 30 1234567"

    @pytest.mark.parametrize("page", ["subscriptions", "auto_renew"])
    def test_both_pages_point_to_corporate_account_services(self, client, contact, page):
        s = subscription()
        portal_sign_in(client, s.account)
        url = (
            "/corporate/"
            if page == "subscriptions"
            else f"/corporate/subscriptions/{s.pk}/auto-renew/"
        )

        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

        section = html.split("data-corporate-account-services", 1)[1].split("</section>", 1)[0]
        assert '<h2 id="cas-heading">Corporate Account Services</h2>' in section
        assert f"<p>{self.POINTER}</p>" in section
        assert '<a href="mailto:cas@seatwise.test">cas@seatwise.test</a>' in section
        assert '<a href="tel:+49 30 1234567">+49 30 1234567</a>' in section
        user_id = s.account.corporate_credential.user_id
        assert f"Give them your account, {s.account.name}, and your User ID, {user_id}." in section
        # Then the help center's contact options, as after Add Seats' refusal.
        assert 'href="/help/contact/?topic=subscription&amp;article=auto-renew"' in html
        assert html.count('id="cas-heading"') == 1

    def test_in_the_readers_language(self, client, contact):
        s = subscription()
        portal_sign_in(client, s.account)

        html = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

        assert (
            "<p>Für die Kündigung eines Abonnements oder die Änderung seiner "
            "Abrechnungshäufigkeit wenden Sie sich bitte an Corporate Account Services.</p>"
        ) in html
