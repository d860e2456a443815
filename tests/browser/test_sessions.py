"""A person signed in on two devices signs the other one out from My Account's Sessions page
with **Sign out everywhere (other sessions)**, in every language."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import reader_page
from tests.factories import PASSWORD, make_account, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
# The labels of the sign-in page and of the Sessions page, as each language shows them.
LABELS = {
    "en": {
        "email": "E-mail address",
        "password": "Password",
        "sign_in": "Sign in",
        "sessions": "Sessions",
        "this_device": "This device",
        "everywhere": "Sign out everywhere (other sessions)",
        "done": "1 other session is signed out.",
        "only_here": "You are signed in on this device only.",
    },
    "de": {
        "email": "E-Mail-Adresse",
        "password": "Kennwort",
        "sign_in": "Anmelden",
        "sessions": "Sitzungen",
        "this_device": "Dieses Gerät",
        "everywhere": "Überall abmelden (andere Sitzungen)",
        "done": "1 andere Sitzung ist abgemeldet.",
        "only_here": "Sie sind nur auf diesem Gerät angemeldet.",
    },
    "it": {
        "email": "Indirizzo email",
        "password": "Password",
        "sign_in": "Accedi",
        "sessions": "Sessioni",
        "this_device": "Questo dispositivo",
        "everywhere": "Esci ovunque (altre sessioni)",
        "done": "1 altra sessione è stata disconnessa.",
        "only_here": "Hai effettuato l'accesso solo su questo dispositivo.",
    },
    "es": {
        "email": "Dirección de correo electrónico",
        "password": "Contraseña",
        "sign_in": "Iniciar sesión",
        "sessions": "Sesiones",
        "this_device": "Este dispositivo",
        "everywhere": "Cerrar sesión en todas partes (otras sesiones)",
        "done": "Se ha cerrado 1 otra sesión.",
        "only_here": "Solo has iniciado sesión en este dispositivo.",
    },
}


@pytest.mark.parametrize("language", ["en", "de", "it", "es"])
def test_sign_out_everywhere(live_server, browser, language):
    person = make_person(make_account(language=language), language=language)
    phone = Client(HTTP_USER_AGENT=PHONE)
    assert phone.post("/signin/", {"email": person.email, "password": PASSWORD}).status_code == 302
    label = LABELS[language]

    with reader_page(browser, language) as page:
        page.goto(f"{live_server.url}/signin/?next=/my-account/sessions/")
        page.get_by_label(label["email"], exact=True).fill(person.email)
        page.get_by_label(label["password"], exact=True).fill(PASSWORD)
        page.get_by_role("button", name=label["sign_in"], exact=True).click()

        expect(page.get_by_role("heading", level=1)).to_have_text(label["sessions"])
        rows = page.get_by_role("table").locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text(label["this_device"])
        expect(rows.nth(1)).to_contain_text("Safari 17 · iOS")
        page.get_by_role("button", name=label["everywhere"], exact=True).click()

        expect(page.get_by_text(label["done"], exact=True)).to_be_visible()
        expect(rows).to_have_count(1)
        expect(page.get_by_text(label["only_here"], exact=True)).to_be_visible()
    assert SESSION_KEY not in phone.session
