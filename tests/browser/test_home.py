"""A visitor switches the home page's language through the visible switch, in every language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PORTAL_NAMES = {
    "en": ["Billing Center", "Admin Center", "Corporate Billing Portal", "Help"],
    "de": ["Abrechnungscenter", "Admin Center", "Corporate Billing Portal", "Hilfe"],
    "it": [
        "Centro fatturazione",
        "Centro di amministrazione",
        "Portale di fatturazione Corporate",
        "Guida",
    ],
    "es": [
        "Centro de facturación",
        "Centro de administración",
        "Portal de facturación para empresas",
        "Ayuda",
    ],
}
# The switch in the language the page is shown in: the select's label, the button.
SWITCH = {
    "en": ("Language", "Apply"),
    "de": ("Sprache", "Übernehmen"),
    "it": ("Lingua", "Applica"),
    "es": ("Idioma", "Aplicar"),
}
OWN_NAMES = {"en": "English", "de": "Deutsch", "it": "Italiano", "es": "Español"}


def switch_language(page: Page, *, shown: str, to: str) -> None:
    label, button = SWITCH[shown]
    page.get_by_label(label, exact=True).select_option(label=OWN_NAMES[to])
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def assert_home_in(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".portal-card__name")).to_have_text(PORTAL_NAMES[language])
    expect(page.get_by_label(SWITCH[language][0], exact=True)).to_have_value(language)


def test_language_switch_in_every_language(live_server, page, artifacts):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(live_server.url + "/")
    assert_home_in(page, "en")
    screenshot(page, artifacts / "home-en.png")

    shown = "en"
    for language in ["de", "it", "es", "en"]:
        switch_language(page, shown=shown, to=language)
        assert_home_in(page, language)
        screenshot(page, artifacts / f"home-{language}.png")
        shown = language

    # Console errors include Content Security Policy violations (inline styles, scripts).
    assert problems == []


def test_home_on_a_small_screen_with_keyboard(live_server, browser, artifacts):
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        assert_home_in(page, "de")

        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Zum Hauptinhalt springen")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        screenshot(page, artifacts / "home-de-mobile.png")
    finally:
        context.close()


def test_a_portal_card_is_one_link(live_server, page, artifacts):
    page.goto(live_server.url + "/")
    screenshot(page, artifacts / "home-en-linked.png")

    # The card's text lies under the link's target area (Playwright sees the link on top of
    # it, hence force): a click anywhere on the card follows the link.
    page.get_by_text("For account admins: add and manage users").click(force=True)

    # The Admin Center asks a visitor to sign in first.
    expect(page).to_have_url(live_server.url + "/signin/?next=/admin-center/")


def test_portal_links_take_keyboard_focus_in_order(live_server, page):
    page.goto(live_server.url + "/")
    focused: list[str] = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.textContent.trim()"))

    assert focused[-4:] == PORTAL_NAMES["en"]


def test_browser_tests_see_the_migrated_catalog(live_server, page):
    from seatwise.catalog.models import Plan

    assert Plan.objects.filter(code="goto-meeting-standard-monthly").exists()
