"""The Corporate Billing Portal's **Payment Profile**, followed in Chromium by the billing contact
of a corporate account in German, English, Italian and Spanish, by the visible labels: the
**Payment Profile** tab › **Edit** › **Payment Type** › **Save**, from the card to bank transfer
and back; the next invoice (its PDF, downloaded from **Invoice History**) states the payment
method it was issued with. Screenshots go to test-artifacts/payment-profile/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import corporate_password_set
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import PaymentProfile
from tests.articles.articles import ui
from tests.browser.conftest import reader_page, screenshot
from tests.corporate.helpers import issue_invoice
from tests.factories import PASSWORD, SYSTEM, billing_contact, make_account, make_card
from tests.invoicing.test_rendering import needs_poppler, pdf_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_poppler,
]

LANGUAGES = ["de", "en", "it", "es"]


class World:
    def __init__(self, language: str) -> None:
        self.account = make_account(kind="corporate", language=language, name="Kessler Werke AG")
        corporate_password_set(account=self.account, password=PASSWORD, by=SYSTEM)
        make_card(self.account)
        self.user_id = CorporateCredential.objects.get(account=self.account).user_id
        self.contact = billing_contact(self.account)


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return request.param


@pytest.fixture
def world(settings, language: str, world_once) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_once(language, lambda: World(language))


@pytest.fixture
def page(browser: Browser, language: str) -> Iterator[Page]:
    with reader_page(browser, language) as page:
        yield page


@pytest.fixture
def shot(artifacts: Path, language: str):
    folder = artifacts / "payment-profile"
    folder.mkdir(exist_ok=True)

    def take(page: Page, step: str) -> None:
        screenshot(page, folder / f"{language}-{step}.png")

    return take


def sign_in(page: Page, live_server, language: str, world: World) -> None:
    page.goto(live_server.url + "/corporate/")
    page.get_by_label(ui(language, "User ID"), exact=True).fill(world.user_id)
    page.get_by_label(ui(language, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/corporate/")


def open_tab(page: Page, language: str, tab: str) -> None:
    tabs = page.get_by_role("navigation", name=ui(language, "Corporate Billing Portal"), exact=True)
    tabs.get_by_role("link", name=ui(language, tab), exact=True).click()


def choose(page: Page, live_server, language: str, payment_type: str) -> None:
    """Payment Profile tab › Edit › Payment Type › Save."""
    open_tab(page, language, "Payment Profile")
    expect(page).to_have_url(live_server.url + "/corporate/payment-profile/")
    section = page.get_by_role("region", name=ui(language, "Payment Profile"), exact=True)
    section.get_by_role("link", name=ui(language, "Edit"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/corporate/payment-profile/edit/")
    page.get_by_label(ui(language, "Payment Type"), exact=True).select_option(
        label=ui(language, payment_type)
    )
    page.get_by_role("button", name=ui(language, "Save"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/corporate/payment-profile/")
    expect(page.get_by_role("status").first).to_have_text(
        ui(language, "Your Payment Profile is saved: %(type)s.", type=ui(language, payment_type))
    )


def next_invoice_says(page: Page, language: str, tmp_path: Path, label: str) -> None:
    """The next invoice, downloaded from Invoice History, names its payment method."""
    invoice, _ = issue_invoice(page.world.account)  # type: ignore[attr-defined]
    open_tab(page, language, "Invoice History")
    link = ui(language, "Download %(number)s", number=invoice.number)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link, exact=True).click()
    saved = tmp_path / f"{invoice.number}.pdf"
    download_info.value.save_as(saved)
    text = " ".join(pdf_text(saved.read_bytes(), tmp_path).split())
    assert f"{ui(language, 'Payment method')} {label}" in text


def test_change_the_payment_profile_from_card_to_bank_transfer_and_back(
    live_server, page, language, world, shot, tmp_path
):
    page.world = world  # type: ignore[attr-defined]
    sign_in(page, live_server, language, world)

    # the card on file, masked
    open_tab(page, language, "Payment Profile")
    section = page.get_by_role("region", name=ui(language, "Payment Profile"), exact=True)
    expect(section).to_contain_text(ui(language, "Credit/Debit Card"))
    expect(section).to_contain_text("Visa •••• 4242")
    shot(page, "1-card")

    # to bank transfer: the seller's bank details, and the next invoice says so
    choose(page, live_server, language, "Bank transfer")
    section = page.get_by_role("region", name=ui(language, "Payment Profile"), exact=True)
    expect(section).to_contain_text("IBAN DE89 3704 0044 0532 0130 00")
    shot(page, "2-bank-transfer")
    next_invoice_says(page, language, tmp_path, ui(language, "Bank transfer"))

    # and back to the card on file, without typing it again
    choose(page, live_server, language, "Credit/Debit Card")
    section = page.get_by_role("region", name=ui(language, "Payment Profile"), exact=True)
    expect(section).to_contain_text("Visa •••• 4242")
    shot(page, "3-card-again")
    next_invoice_says(page, language, tmp_path, ui(language, "Credit/Debit Card"))

    assert PaymentProfile.objects.get(account=world.account).payment_type == "card"
    assert (
        list(
            OutgoingEmail.objects.filter(kind="payment_profile_changed").values_list(
                "to_address", "language"
            )
        )
        == [(world.contact.email, language)] * 2
    )
