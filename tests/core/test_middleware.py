"""The headers of every response (``core.middleware.SecurityHeadersMiddleware``): what is for one
person only is never stored by a browser's or a proxy's cache (``Cache-Control: private,
no-store``), the public pages and static files keep their caching, and every response denies the
browser features no page uses (``Permissions-Policy``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, override_settings
from django.utils.cache import get_max_age

from seatwise.api.models import OperatorToken
from seatwise.api.scopes import ALL_SCOPES
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import SYSTEM, billing_contact, ensure_default_catalog, make_account
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.support_console.conftest import make_agent, sign_in_with_two_factors
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)


def issue(account) -> Invoice:
    ensure_default_catalog()
    ensure_eu_vat_rates()
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=date(2026, 3, 1),
        by=SYSTEM,
    )


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.fixture
def visitors(settings) -> dict[str, tuple[Client, dict[str, int]]]:
    """Each kind of visitor with a client of their own, and the ids their URLs need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    online = make_account(kind="online", language="en")
    corporate = corporate_account()
    ids = {
        "account": online.pk,
        "invoice": issue(online).pk,
        "corporate_invoice": issue(corporate).pk,
    }
    person = Client()
    person.force_login(billing_contact(online))  # billing admin and account admin
    portal = Client()
    portal_sign_in(portal, corporate)
    agent = Client()
    sign_in_with_two_factors(agent, make_agent())
    _token, raw = OperatorToken.issue("cache-test", scopes=ALL_SCOPES)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    return {
        "person": (person, ids),
        "portal": (portal, ids),
        "agent": (agent, ids),
        "api": (api, ids),
        "anonymous": (Client(), ids),
    }


PRIVATE = [
    # Billing Center
    ("person", "/billing/subscriptions/", 200),
    ("person", "/billing/invoices/", 200),
    ("person", "/billing/invoices/{invoice}/pdf/", 200),
    ("person", "/billing/invoices/{invoice}/ubl/", 200),
    # Admin Center
    ("person", "/admin-center/", 200),
    ("person", "/admin-center/users/", 200),
    # My Account
    ("person", "/my-account/", 200),
    # The public help center and home page, to someone signed in (their name is on it)
    ("person", "/help/", 200),
    ("person", "/", 200),
    # Corporate Billing Portal
    ("portal", "/corporate/", 200),
    ("portal", "/corporate/invoices/", 200),
    ("portal", "/corporate/invoices/{corporate_invoice}/pdf/", 200),
    ("portal", "/corporate/invoices/{corporate_invoice}/ubl/", 200),
    # Support console
    ("agent", "/support/", 200),
    ("agent", "/support/cases/", 200),
    ("agent", "/support/accounts/{account}/", 200),
    # Provisioning API
    ("api", "/api/v1/accounts/{account}", 200),
    ("api", "/api/v1/accounts/{account}/invoices", 200),
    # An anonymous visitor sent to the sign-in, or answered "not found", under a private path
    ("anonymous", "/billing/invoices/{invoice}/pdf/", 302),
    ("anonymous", "/api/v1/accounts/{account}", 401),
]


def test_what_is_for_one_person_only_is_never_stored(visitors):
    """Given each portal's pages and documents (PDF and UBL), the support console and the API,
    when each is fetched by the person it is for, then every answer says ``private`` and
    ``no-store``."""
    answers = {}
    for who, url, _status in PRIVATE:
        client, ids = visitors[who]
        response = client.get(url.format(**ids))
        answers[(who, url)] = (
            response.status_code,
            {"private", "no-store"} <= cache_control(response),
        )

    assert answers == {(who, url): (status, True) for who, url, status in PRIVATE}


@pytest.mark.parametrize(
    ("url", "max_age"),
    [
        ("/", None),
        # The help center's pages are kept by the reader's browser for ten minutes.
        ("/help/", 600),
        # WhiteNoise's: a minute for a name without a hash (as here), for good for the hashed
        # names of production.
        ("/static/css/seatwise.css", 60),
    ],
)
def test_public_pages_and_static_files_to_an_anonymous_visitor_keep_their_caching(
    client, url, max_age
):
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert get_max_age(response) == max_age


@pytest.mark.parametrize(
    "url", ["/", "/help/", "/signin/", "/no-such-page/", "/static/css/seatwise.css", "/api/v1/"]
)
def test_every_response_denies_the_browser_features_no_page_uses(client, url):
    response = client.get(url)

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_signed_in_page_denies_them_too(visitors):
    client, _ids = visitors["person"]

    response = client.get("/billing/subscriptions/")

    assert response.status_code == 200
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@override_settings(
    SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True
)
def test_hsts_is_sent_on_https_with_the_production_settings(client):
    """With the HSTS settings production has (tests/test_operations.py checks that it has
    them), every answer over HTTPS tells the browser to use nothing else for a year."""
    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/")
