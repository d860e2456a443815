"""Articles 000 (de), 002 (it) and 004 (es), followed step by step like a reader would: each in
its own language, and article 000 again in English (``tests.articles.articles.VARIANTS``),
signed in as each kind of person of the demo data, each "if this happens → then" row reached
by the labels the article names.

The browser speaks the variant's language (the sign-in page is shown in it); once signed in,
Seatwise speaks the person's own language, so every person who plays a part is set to that
language first. A screenshot of every outcome goes to test-artifacts/articles/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from seatwise.accounts.models import Person
from seatwise.accounts.services import person_language_set
from seatwise.demo.data import DEMO_PASSWORD
from seatwise.demo.loader import demo_load
from seatwise.notifications.models import OutgoingEmail
from tests.articles.articles import (
    ARTICLES,
    KESSLER_BILLING_ADMIN_NAME,
    LABELS,
    VARIANTS,
    Article,
    ui,
)
from tests.browser.conftest import reader_page, screenshot
from tests.factories import SYSTEM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(params=VARIANTS, ids=[f"{n}-{lang}" for n, lang in VARIANTS])
def variant(request) -> tuple[Article, str]:
    number, language = request.param
    return ARTICLES[number], language


@pytest.fixture
def article(variant) -> Article:
    return variant[0]


@pytest.fixture
def language(variant) -> str:
    return variant[1]


@pytest.fixture
def labels(language) -> dict[str, str]:
    return LABELS[language]


@pytest.fixture
def demo(settings, article, language, world_once) -> None:
    """The demo data, every person who plays a part speaking the variant's language."""
    # The demo people's passwords are hashed with a fast hasher: argon2 costs seconds here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def build() -> None:
        demo_load(reset=False)
        for email in (*article.online.people, *article.corporate.people):
            person = Person.objects.get(email=email)
            if person.language != language:
                person_language_set(person=person, language=language, by=SYSTEM)

    world_once((article.number, language), build)


@pytest.fixture
def page(browser: Browser, language: str) -> Iterator[Page]:
    """A browser whose language is the variant's (Accept-Language), as the reader's would be."""
    with reader_page(browser, language) as page:
        yield page


@pytest.fixture
def shot(artifacts: Path, article: Article, language: str):
    folder = artifacts / "articles"
    folder.mkdir(exist_ok=True)

    def take(page: Page, step: str) -> None:
        screenshot(page, folder / f"{article.number}-{language}-{step}.png")

    return take


# --- steps a reader takes ------------------------------------------------------------------------


def sign_in(page: Page, language: str, email: str) -> None:
    """Step 1 of both tables: the product's e-mail address and password."""
    expect(page.get_by_role("heading", level=1)).to_have_text(ui(language, "Sign in"))
    page.get_by_label(ui(language, "E-mail address"), exact=True).fill(email)
    page.get_by_label(ui(language, "Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()


def open_billing_center(page: Page, live_server, language: str, email: str) -> None:
    page.goto(live_server.url + "/billing/")
    sign_in(page, language, email)


def open_admin_center(page: Page, live_server, language: str, labels, email: str) -> None:
    page.goto(live_server.url + "/admin-center/")
    sign_in(page, language, email)
    expect(page).to_have_url(live_server.url + "/admin-center/")
    # Step 2: "in the left navigation, select Add licenses".
    side_nav = page.get_by_role("navigation", name=labels["admin_center"], exact=True)
    side_nav.get_by_role("link", name=labels["add_licenses"], exact=True).click()


def assert_in_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)


def assert_subscriptions_page(page: Page, live_server, language: str, labels) -> None:
    """The row "you are taken to your account's Subscriptions page": the billing admin."""
    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["subscriptions"])
    expect(
        page.get_by_text(
            ui(language, "You are the billing contact (billing admin) of this account.")
        )
    ).to_be_visible()
    assert_in_language(page, language)


def assert_wrong_place(page: Page, live_server, labels) -> None:
    expect(page).to_have_url(live_server.url + "/billing/wrong-place/")
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["wrong_place"])


def assert_my_account(page: Page, live_server, labels) -> None:
    expect(page).to_have_url(live_server.url + "/my-account/")
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["my_account"])


def assert_corporate_signin(page: Page, live_server, language: str, labels) -> None:
    expect(page).to_have_url(re.compile(re.escape(live_server.url + "/corporate/signin/")))
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["corporate_billing_portal"])
    expect(page.get_by_label(labels["user_id"], exact=True)).to_be_visible()
    # Where the User ID is found: on every e-mailed invoice.
    expect(
        page.get_by_text(
            ui(
                language,
                "Your User ID is a user name or an e-mail address. It is printed on every "
                "invoice we e-mail you.",
            )
        )
    ).to_be_visible()
    assert_in_language(page, language)


def corporate_sign_in(page: Page, language: str, labels, user_id: str, password: str) -> None:
    page.get_by_label(labels["user_id"], exact=True).fill(user_id)
    page.get_by_label(ui(language, "Password"), exact=True).fill(password)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()


# --- Signing in to the Billing Center ------------------------------------------------------------


def test_billing_center_the_billing_admin_lands_on_subscriptions(
    demo, live_server, page, article, language, labels, shot
):
    open_billing_center(page, live_server, language, article.online.billing_admin)

    assert_subscriptions_page(page, live_server, language, labels)
    shot(page, "billing-center-billing-admin")


@pytest.mark.parametrize("role", ["account_admin", "user"])
def test_billing_center_anyone_else_of_a_standard_account_is_in_the_wrong_place(
    demo, live_server, page, article, language, labels, shot, role
):
    open_billing_center(page, live_server, language, article.online.email(role))

    assert_wrong_place(page, live_server, labels)
    assert_in_language(page, language)
    # "You have a standard account and you are not the billing admin. Ask your account admin."
    expect(
        page.get_by_text(
            ui(
                language,
                "You have a standard account and you are not the billing admin. Ask your "
                "account admin for more information.",
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name=labels["go_to_billing"])).to_have_count(0)
    if role == "user":
        # Rule 1: a plain user does not learn who the billing contact is.
        expect(page.get_by_text(KESSLER_BILLING_ADMIN_NAME)).to_have_count(0)
    shot(page, f"billing-center-{role.replace('_', '-')}")

    # "Click Account profile to be taken to the My Account page."
    page.get_by_role("link", name=labels["account_profile"]).click()

    assert_my_account(page, live_server, labels)
    shot(page, f"billing-center-{role.replace('_', '-')}-my-account")


@pytest.mark.parametrize("role", ["billing_admin", "account_admin", "user"])
def test_billing_center_a_corporate_account_is_sent_to_the_corporate_billing_portal(
    demo, live_server, page, article, language, labels, shot, role
):
    cast = article.corporate
    open_billing_center(page, live_server, language, cast.email(role))

    # Whoever they are: the message, Account profile, and Go to Billing.
    assert_wrong_place(page, live_server, labels)
    assert_in_language(page, language)
    expect(
        page.get_by_text(
            ui(
                language,
                "You may or may not be the billing admin, but your account is managed in the "
                "Corporate Billing Portal.",
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name=labels["account_profile"])).to_be_visible()
    step = f"billing-center-corporate-{role.replace('_', '-')}"
    shot(page, step)

    page.get_by_role("link", name=labels["go_to_billing"]).click()

    assert_corporate_signin(page, live_server, language, labels)
    shot(page, f"{step}-portal-signin")

    if role == "billing_admin":
        # They sign in with the User ID from an invoice and its password: the portal opens.
        corporate_sign_in(page, language, labels, cast.user_id, DEMO_PASSWORD)
        expect(page).to_have_url(live_server.url + "/corporate/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            labels["corporate_billing_portal"]
        )
        portal_tabs = page.get_by_role(
            "navigation", name=labels["corporate_billing_portal"], exact=True
        )
        expect(
            portal_tabs.get_by_role("link", name=labels["subscriptions"], exact=True)
        ).to_have_attribute("aria-current", "page")
        expect(page.get_by_text(cast.product, exact=True)).to_be_visible()
        assert_in_language(page, language)
        shot(page, f"{step}-portal")
    else:
        # Whoever cannot sign in to the Corporate Billing Portal is not the billing admin.
        corporate_sign_in(page, language, labels, cast.user_id, "not-the-portal-password")
        refusal = ui(language, "Invalid User ID/password")
        if language != "en":
            assert refusal != "Invalid User ID/password", f"not translated into {language}"
        expect(page.get_by_role("alert")).to_have_text(refusal)
        expect(page.get_by_label(labels["user_id"], exact=True)).to_be_visible()
        assert_in_language(page, language)
        shot(page, f"{step}-portal-refused")


# --- Signing in to the Admin Center: Add licenses ------------------------------------------------


def test_admin_center_add_licenses_the_billing_admin_lands_on_subscriptions(
    demo, live_server, page, article, language, labels, shot
):
    open_admin_center(page, live_server, language, labels, article.online.billing_admin)

    assert_subscriptions_page(page, live_server, language, labels)
    shot(page, "admin-center-billing-admin")


def test_admin_center_add_licenses_an_account_admin_emails_the_billing_admin(
    demo, live_server, page, article, language, labels, shot
):
    billing_admin = Person.objects.get(email=article.online.billing_admin)
    open_admin_center(page, live_server, language, labels, article.online.account_admin)

    # A message to ask the billing admin, with their name and e-mail address.
    expect(page).to_have_url(live_server.url + "/admin-center/add-licenses/")
    assert_in_language(page, language)
    message = ui(
        language,
        "Contact your billing admin, %(name)s (%(email)s), to make product or licensing "
        "changes to your account.",
        name=KESSLER_BILLING_ADMIN_NAME,
        email=billing_admin.email,
    )
    expect(page.get_by_text(message)).to_be_visible()
    shot(page, "admin-center-account-admin")

    page.get_by_role("link", name=labels["email_the_billing_admin"], exact=True).click()

    page.get_by_label(ui(language, "Your note (optional)"), exact=True).fill(
        "3 × GoToAssist Remote Support v5 — Jonas"
    )
    shot(page, "admin-center-account-admin-email")
    page.get_by_role("button", name=ui(language, "Send"), exact=True).click()

    expect(page).to_have_url(live_server.url + "/admin-center/add-licenses/email/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ui(language, "Message sent"))
    expect(
        page.get_by_text(
            ui(
                language,
                "Your message was sent to %(name)s (%(email)s).",
                name=KESSLER_BILLING_ADMIN_NAME,
                email=billing_admin.email,
            )
        )
    ).to_be_visible()
    shot(page, "admin-center-account-admin-email-sent")
    sent = OutgoingEmail.objects.get(kind="billing_admin_request")
    assert sent.to_address == billing_admin.email
    assert sent.reply_to == article.online.account_admin
    assert sent.language == language
    assert "3 × GoToAssist Remote Support v5 — Jonas" in sent.body_text


@pytest.mark.parametrize("role", ["billing_admin", "account_admin"])
def test_admin_center_add_licenses_a_corporate_account_picks_a_product(
    demo, live_server, page, article, language, labels, shot, role
):
    cast = article.corporate
    open_admin_center(page, live_server, language, labels, cast.email(role))

    # A message to pick a product to sign in to billing and add licenses: billing admin or
    # not, the account is managed in the Corporate Billing Portal.
    expect(page).to_have_url(live_server.url + "/admin-center/add-licenses/")
    assert_in_language(page, language)
    expect(
        page.get_by_text(
            ui(
                language,
                "Select a product to sign in to billing and add licenses. Your account is "
                "managed in the Corporate Billing Portal.",
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name=labels["corporate_billing_portal"])).to_be_visible()
    expect(page.get_by_role("link", name=labels["email_the_billing_admin"])).to_have_count(0)
    step = f"admin-center-corporate-{role.replace('_', '-')}"
    shot(page, step)

    # "Click the logo of a product in your account."
    page.get_by_role("link", name=cast.product, exact=True).click()

    assert_corporate_signin(page, live_server, language, labels)
    shot(page, f"{step}-portal-signin")


# --- The person's own language, and a small screen -----------------------------------------------


@pytest.fixture
def demo_as_loaded(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_load(reset=False)


def test_once_signed_in_the_person_is_spoken_to_in_their_own_language(
    demo_as_loaded, live_server, browser: Browser, artifacts: Path
):
    # An English browser; Anna Kessler speaks German.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        open_billing_center(page, live_server, "en", "anna.kessler@kessler-feinmechanik.test")

        assert_subscriptions_page(page, live_server, "de", LABELS["de"])
    finally:
        context.close()


def test_article_000_on_a_phone(demo_as_loaded, live_server, browser: Browser, artifacts: Path):
    """Jonas Weber follows article 000 on a small screen, with the keyboard where it counts."""
    folder = artifacts / "articles"
    folder.mkdir(exist_ok=True)
    labels = LABELS["de"]
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        open_admin_center(page, live_server, "de", labels, "jonas.weber@kessler-feinmechanik.test")
        link = page.get_by_role("link", name=labels["email_the_billing_admin"], exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 375
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "scrolls sideways"
        screenshot(page, folder / "000-de-phone-admin-center-account-admin.png")

        page.goto(live_server.url + "/billing/")
        assert_wrong_place(page, live_server, labels)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "scrolls sideways"
        page.get_by_role("link", name=labels["account_profile"]).focus()
        page.keyboard.press("Enter")
        assert_my_account(page, live_server, labels)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "scrolls sideways"
        screenshot(page, folder / "000-de-phone-my-account.png")
    finally:
        context.close()
