"""The Corporate Billing Portal's pages: sign-in, Forgot Password?, the Subscriptions tab, and
its session kept apart from the product sign-in."""

from __future__ import annotations

import re
from datetime import date

import pytest

from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import billing_contact_set, corporate_password_set
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.portals.corporate.session import SESSION_KEY
from seatwise.subscriptions.models import Subscription
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db
SIGNIN = "/corporate/signin/"
PORTAL_PASSWORD = "portal secret 2026"
NEW_PASSWORD = "another portal secret 7"


def corporate(*, language: str = "en"):
    account = make_account(kind="corporate", language=language)
    corporate_password_set(account=account, password=PORTAL_PASSWORD, by=SYSTEM)
    return account, CorporateCredential.objects.get(account=account)


def sign_in(client, user_id, password=PORTAL_PASSWORD, **extra):
    return client.post(SIGNIN, {"user_id": user_id, "password": password, **extra})


def notice(html: str) -> str:
    match = re.search(r'<div class="notice notice--error" role="alert">(.*?)</div>', html, re.S)
    assert match is not None
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


class TestSignInPage:
    def test_asks_for_the_user_id_and_says_where_to_find_it(self, client):
        html = client.get(SIGNIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert '<label for="id_user_id">User ID</label>' in html
        assert '<label for="id_password">Password</label>' in html
        assert "It is printed on every invoice we e-mail you." in html
        assert '<a href="/corporate/password/">Forgot Password?</a>' in html

    @pytest.mark.parametrize(
        ("language", "label"),
        [("de", "Benutzer-ID"), ("it", "ID utente"), ("es", "ID de usuario")],
    )
    def test_the_user_id_has_the_articles_label(self, client, language, label):
        html = client.get(SIGNIN, HTTP_ACCEPT_LANGUAGE=language).content.decode()

        assert f'<label for="id_user_id">{label}</label>' in html

    def test_success_opens_the_portal_without_signing_in_a_person(self, client):
        account, credential = corporate()

        response = sign_in(client, credential.user_id)

        assert (response.status_code, response["Location"]) == (302, "/corporate/")
        assert client.session[SESSION_KEY]["account"] == account.pk
        assert "_auth_user_id" not in client.session

    def test_unknown_user_id(self, client):
        corporate()

        response = sign_in(client, "nobody@example.com", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        assert notice(response.content.decode()) == "Invalid User ID"
        assert SESSION_KEY not in client.session

    def test_wrong_password(self, client):
        _, credential = corporate()

        response = sign_in(client, credential.user_id, "wrong", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        assert notice(response.content.decode()) == "Invalid User ID/password"
        assert SESSION_KEY not in client.session

    def test_sixth_attempt_is_refused_even_with_the_right_password(self, client):
        account, credential = corporate()
        for _ in range(5):
            sign_in(client, credential.user_id, "wrong")

        response = sign_in(client, credential.user_id, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 429
        assert notice(response.content.decode()).startswith(
            "There were too many failed sign-ins with this User ID."
        )
        assert SESSION_KEY not in client.session
        assert (
            AuditEntry.objects.filter(
                action="corporate_credential.lockout", account_id=account.pk
            ).count()
            == 1
        )

    def test_next_is_followed_only_inside_the_portal(self, client):
        _, credential = corporate()

        inside = sign_in(client, credential.user_id, next="/corporate/?tab=1")
        client.post("/corporate/signout/")
        outside = sign_in(client, credential.user_id, next="https://evil.example/")
        client.post("/corporate/signout/")
        other = sign_in(client, credential.user_id, next="/billing/")

        assert inside["Location"] == "/corporate/?tab=1"
        assert outside["Location"] == "/corporate/"
        assert other["Location"] == "/corporate/"

    def test_a_signed_in_visit_to_the_sign_in_page_goes_to_the_portal(self, client):
        _, credential = corporate()
        sign_in(client, credential.user_id)

        response = client.get(SIGNIN, {"next": SIGNIN})

        assert response["Location"] == "/corporate/"


class TestSessions:
    def test_anonymous_is_sent_to_the_portals_sign_in(self, client):
        response = client.get("/corporate/")

        assert (response.status_code, response["Location"]) == (
            302,
            "/corporate/signin/?next=%2Fcorporate%2F",
        )

    def test_the_product_sign_in_does_not_open_the_portal(self, client):
        account, _ = corporate()
        client.force_login(billing_contact(account))

        response = client.get("/corporate/")

        assert response["Location"].startswith("/corporate/signin/")

    def test_the_portal_sign_in_does_not_open_the_billing_center(self, client):
        _, credential = corporate()
        sign_in(client, credential.user_id)

        response = client.get("/billing/")

        assert response["Location"] == "/signin/?next=/billing/"

    def test_sign_out_ends_only_the_portal_session(self, client):
        account, credential = corporate()
        client.force_login(billing_contact(account))
        sign_in(client, credential.user_id)

        response = client.post("/corporate/signout/")

        assert response["Location"] == "/corporate/signin/"
        assert SESSION_KEY not in client.session
        assert client.get("/corporate/")["Location"].startswith("/corporate/signin/")
        assert client.get("/my-account/").status_code == 200

    def test_sign_out_needs_post(self, client):
        _, credential = corporate()
        sign_in(client, credential.user_id)

        assert client.get("/corporate/signout/").status_code == 405
        assert client.get("/corporate/").status_code == 200

    def test_a_new_billing_contact_ends_open_portal_sessions(self, client):
        account, credential = corporate()
        sign_in(client, credential.user_id)

        billing_contact_set(account=account, person=make_person(account), by=SYSTEM)

        assert client.get("/corporate/")["Location"].startswith("/corporate/signin/")


class TestSubscriptionsTab:
    def test_lists_the_accounts_subscriptions_read_only(self, client):
        account, credential = corporate()
        subscription = make_subscription(
            account, seats=25, plan_code="goto-meeting-business-yearly", term_start=date(2026, 2, 1)
        )
        make_subscription(
            account, seats=5, plan_code="goto-webinar-standard-yearly", term_start=date(2026, 4, 1)
        )
        Subscription.objects.filter(pk=subscription.pk).update(auto_renew=False)
        other, _ = corporate()
        make_subscription(other, seats=99, plan_code="goto-training-standard-yearly")
        sign_in(client, credential.user_id)

        response = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="en")

        html = response.content.decode()
        rows = re.findall(r"<tbody>.*?</tbody>", html, re.S)[0].split("</tr>")[:-1]
        cells = [
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"</td>", row) if c.strip()]
            for row in rows
        ]
        assert cells == [
            [
                "GoTo Meeting",
                "Business&nbsp;· Annual",
                "25",
                "02/01/2026 – 01/31/2027",
                "01/31/2027",
                "Off Turn on Auto Renew of GoTo Meeting",
            ],
            [
                "GoTo Webinar",
                "Standard&nbsp;· Annual",
                "5",
                "04/01/2026 – 03/31/2027",
                "03/31/2027",
                "On Turn off Auto Renew of GoTo Webinar",
            ],
        ]
        assert "GoTo Training" not in html
        assert "<form" not in html.split('<main id="main"', 1)[1]

    def test_has_the_portals_tabs_subscriptions_open(self, client):
        _, credential = corporate()
        sign_in(client, credential.user_id)

        html = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert '<a href="/corporate/" aria-current="page">Subscriptions</a>' in html
        for tab, url in (
            ("Quotes", "/corporate/quotes/"),
            ("Invoice History", "/corporate/invoices/"),
            ("Account", "/corporate/account/"),
        ):
            assert f'<a href="{url}">{tab}</a>' in html
        assert "portal-tabs__unavailable" not in html

    def test_the_portal_bar_names_the_account_and_user_id(self, client):
        account, credential = corporate()
        sign_in(client, credential.user_id)

        html = client.get("/corporate/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert f'<p class="portal-bar__account">{account.name}' in html
        assert f"signed in with the User ID {credential.user_id}" in html
        assert 'action="/corporate/signout/"' in html


class TestForgotPassword:
    def test_reset_end_to_end(self, client):
        account, credential = corporate(language="it")
        contact = billing_contact(account)

        page = client.get("/corporate/password/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        sent = client.post(
            "/corporate/password/", {"user_id": credential.user_id}, HTTP_ACCEPT_LANGUAGE="en"
        )

        assert '<label for="id_user_id">User ID</label>' in page
        assert ">Submit</button>" in page
        assert "a link to set a new password is on its way" in sent.content.decode()
        [email] = OutgoingEmail.objects.filter(kind="corporate_password_reset")
        assert (email.to_address, email.language) == (contact.email, "it")
        link = re.search(r"http://127\.0\.0\.1:8000(/corporate/password/set/\S+/)", email.body_text)
        assert link is not None
        path = link.group(1)
        assert f'href="http://127.0.0.1:8000{path}"' in email.body_html

        form = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert form.context["validlink"] is True
        assert f"<dd>{credential.user_id}</dd>" in form.content.decode()
        done = client.post(
            path,
            {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert done["Location"] == "/corporate/signin/"
        assert sign_in(client, credential.user_id, NEW_PASSWORD)["Location"] == "/corporate/"
        client.post("/corporate/signout/")
        assert notice(sign_in(client, credential.user_id, PORTAL_PASSWORD).content.decode()) == (
            "Invalid User ID/password"
        )
        again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert again.context["validlink"] is False
        reused = client.post(path, {"password": "yet another one 9", "password_again": "x"})
        assert reused.context["validlink"] is False
        assert sign_in(client, credential.user_id, NEW_PASSWORD)["Location"] == "/corporate/"

    def test_an_unknown_user_id_gets_the_same_answer_and_no_e_mail(self, client):
        _, credential = corporate()

        known = client.post(
            "/corporate/password/", {"user_id": credential.user_id}, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        unknown = client.post(
            "/corporate/password/", {"user_id": "nobody"}, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

        def main(html: str, user_id: str) -> str:
            return html.split('<main id="main"', 1)[1].split("</main>")[0].replace(user_id, "X")

        assert main(known, credential.user_id) == main(unknown, "nobody")
        assert OutgoingEmail.objects.count() == 1

    def test_mismatched_or_weak_passwords_are_refused_and_change_nothing(self, client):
        _, credential = corporate()
        client.post("/corporate/password/", {"user_id": credential.user_id})
        email = OutgoingEmail.objects.get(kind="corporate_password_reset")
        path = re.search(r"(/corporate/password/set/\S+/)", email.body_text).group(1)

        differ = client.post(
            path, {"password": NEW_PASSWORD, "password_again": "other"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        weak = client.post(path, {"password": "1234567890", "password_again": "1234567890"})

        assert differ.context["form"].errors == {
            "password_again": ["The two new passwords differ."]
        }
        assert set(weak.context["form"].errors) == {"password"}
        assert sign_in(client, credential.user_id)["Location"] == "/corporate/"

    def test_a_forged_link_shows_the_invalid_link_notice(self, client):
        response = client.get("/corporate/password/set/1:abc:def/", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        assert notice(response.content.decode()).startswith(
            "This link has already been used or has expired."
        )
