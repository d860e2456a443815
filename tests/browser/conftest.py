"""Debian's Chromium driven by Playwright. Never ``playwright install``: nothing is downloaded.

Debian's ``chromium-headless-shell``: the same Chromium without the browser's window layer,
what Playwright itself runs for headless tests, a fifth less CPU per page than the full
browser in headless mode.

The fixtures here replace pytest-playwright's ``browser`` and ``page`` for this directory.

A live server needs ``transaction=True``; like every transactional test, a browser test ends
with the database as the migrations made it (tests/conftest.py), and a module's world is built
once and put back for its next tests (tests.worlds.world_once).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    sync_playwright,
)

from tests.worlds import _worlds_of_the_module, world_once  # noqa: F401 (fixtures)

CHROMIUM = Path("/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Screenshots: test-artifacts/ of the checkout, or SEATWISE_TEST_ARTIFACTS.
ARTIFACTS = Path(
    os.environ.get("SEATWISE_TEST_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts"
)


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator[Browser]:
    # The test databases are made (and the migrations' rows taken) before Playwright starts.
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium-headless-shell (make system-deps)."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        _IDLE_CONTEXTS.clear()
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


BROWSER_LOCALES = {"en": "en-US", "de": "de-DE", "it": "it-IT", "es": "es-ES"}


# Browser contexts put back after use, per language: a new context is a new renderer process
# and an empty HTTP cache, which cost more than most steps of a test. A context is handed out
# again only with no cookies (so nobody is signed in) and on a blank page.
_IDLE_CONTEXTS: dict[str, list[BrowserContext]] = {}


@contextmanager
def reader_page(browser: Browser, language: str) -> Iterator[Page]:
    """A page of a browser speaking ``language`` (Accept-Language), as its reader's would.

    A label that is not there fails in 10 seconds, not Playwright's 30 (the live server
    answers at once). On leaving, no console error may have happened: they include Content
    Security Policy violations.
    """
    idle = _IDLE_CONTEXTS.setdefault(language, [])
    if idle:
        context = idle.pop()
        page = context.pages[0]
    else:
        context = browser.new_context(
            locale=BROWSER_LOCALES[language],
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def on_page_error(error: Error) -> None:
        problems.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_page_error)
        if page.is_closed() or len(context.pages) != 1:
            context.close()
        else:
            context.clear_cookies()
            context.clear_permissions()
            page.goto("about:blank")
            idle.append(context)
    assert problems == []


# SEATWISE_TEST_SCREENSHOTS=0: no screenshots (a full-page PNG costs Chromium more than most
# steps of a test).
SCREENSHOTS = os.environ.get("SEATWISE_TEST_SCREENSHOTS", "1") != "0"


def screenshot(page: Page, path: Path) -> None:
    """The whole page as its reader sees it, kept at ``path`` in the test artifacts."""
    if SCREENSHOTS:
        page.screenshot(path=path, full_page=True)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session", autouse=True)
def _live_server_without_nagle() -> None:
    """The live server (Django's WSGI server) writes a response's headers and body in two
    sends; with Nagle's algorithm the body waits for the browser's delayed ACK, some 40 ms per
    response. A person never waits for this on the production server (granian)."""
    WSGIRequestHandler.disable_nagle_algorithm = True
