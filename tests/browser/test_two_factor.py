"""Two-factor sign-in as a billing admin sets it up in Chromium, by the visible labels, in
English, German, Italian and Spanish: **Set up two-factor sign-in**, the first code from the
app, the ten recovery codes shown once; then, ten minutes after the sign-in, **Make new
recovery codes** asks **Confirm it's you**, answered with a code from the app.

The codes are computed here with django-otp's ``totp`` from the device's key, as the app would.
The ten minutes pass by moving the step-up time back in the stored session (no waiting).
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, expect

from seatwise.portals.step_up import SESSION_KEY
from seatwise.sessions.store import SessionStore
from tests.browser.conftest import reader_page, screenshot
from tests.factories import PASSWORD, billing_contact, make_account
from tests.step_up import code_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def t(language: str, text: str, **values: object) -> str:
    """What the page says for ``text`` in ``language`` (the project's own translations)."""
    with translation.override(language):
        return translation.gettext(text) % values if values else translation.gettext(text)


@pytest.mark.parametrize("language", ["en", "de", "it", "es"])
def test_set_up_two_factor_sign_in_with_recovery_codes_and_a_step_up(
    browser: Browser, live_server, artifacts, language: str
) -> None:
    admin = billing_contact(make_account(language=language))
    admin.language = language
    admin.save(update_fields=["language"])
    folder = artifacts / "two-factor"
    folder.mkdir(parents=True, exist_ok=True)

    with reader_page(browser, language) as page:
        page.goto(live_server.url + "/my-account/")
        page.get_by_label(t(language, "E-mail address"), exact=True).fill(admin.email)
        page.get_by_label(t(language, "Password"), exact=True).fill(PASSWORD)
        page.get_by_role("button", name=t(language, "Sign in"), exact=True).click()

        # The reminder leads to the set-up.
        page.get_by_role("link", name=t(language, "Set up two-factor sign-in")).first.click()
        page.get_by_role("button", name=t(language, "Set up two-factor sign-in")).click()
        device = TOTPDevice.objects.get(user=admin, confirmed=False)
        page.get_by_label(t(language, "Code from your authenticator app"), exact=True).fill(
            code_of(device.bin_key)
        )
        page.get_by_role("button", name=t(language, "Turn on"), exact=True).click()

        codes = page.get_by_role("list", name=t(language, "Recovery codes")).get_by_role("listitem")
        expect(codes).to_have_count(10)
        screenshot(page, folder / f"recovery-codes-{language}.png")
        page.get_by_role("link", name=t(language, "I have saved my recovery codes")).click()

        # Ten minutes later: new recovery codes ask to confirm it is the admin.
        cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
        session = SessionStore(session_key=cookie["value"])
        record = session[SESSION_KEY]["person"]
        session[SESSION_KEY] = {"person": {**record, "at": record["at"] - 601}}
        session.save()
        page.goto(live_server.url + "/my-account/two-factor/")
        page.get_by_role("link", name=t(language, "Make new recovery codes")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t(language, "Confirm it's you"))
        device.refresh_from_db()
        page.get_by_label(t(language, "Code from your authenticator app"), exact=True).fill(
            code_of(device.bin_key, steps_ahead=1)
        )
        page.get_by_role("button", name=t(language, "Confirm"), exact=True).click()

        expect(page.get_by_role("heading", level=1)).to_have_text(t(language, "Recovery codes"))
        page.get_by_role("button", name=t(language, "Make new recovery codes")).click()
        expect(
            page.get_by_role("list", name=t(language, "Recovery codes")).get_by_role("listitem")
        ).to_have_count(10)
        screenshot(page, folder / f"new-recovery-codes-{language}.png")
