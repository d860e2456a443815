"""The home page names the portals in the visitor's language, with the help articles' labels."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_account, make_person

pytestmark = pytest.mark.django_db

# The labels as the help articles give them, plus the help in each language.
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
TITLES = {
    "en": "Seatwise: accounts, subscriptions and billing",
    "de": "Seatwise: Konten, Abonnements und Abrechnung",
    "it": "Seatwise: account, sottoscrizioni e fatturazione",
    "es": "Seatwise: cuentas, suscripciones y facturación",
}
SWITCH_LABELS = {"en": "Language", "de": "Sprache", "it": "Lingua", "es": "Idioma"}
PORTAL_URLS = ["/billing/", "/admin-center/", "/corporate/signin/", "/help/"]


def portal_names(html: str) -> list[str]:
    names = re.findall(r'<h3 class="portal-card__name">(.*?)</h3>', html, re.S)
    return [re.sub(r"<[^>]+>", "", name).strip() for name in names]


def portal_links(html: str) -> list[str]:
    return re.findall(r'<a class="portal-card__link" href="([^"]+)"', html)


def get_home(client: Client, **headers: str) -> str:
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "de", "it", "es"])
def test_names_the_portals_in_the_visitors_language(client, language):
    html = get_home(client, accept_language=f"{language},en;q=0.5")

    assert portal_names(html) == PORTAL_NAMES[language]
    assert f'<html lang="{language}" dir="ltr">' in html
    assert f"<title>{TITLES[language]}</title>" in html
    assert f'for="language-switch">{SWITCH_LABELS[language]}</label>' in html


def test_an_unknown_browser_language_gets_english(client):
    html = get_home(client, accept_language="fr-FR,fr;q=0.9")

    assert portal_names(html) == PORTAL_NAMES["en"]
    assert '<html lang="en" dir="ltr">' in html


def test_every_portal_is_linked(client):
    html = get_home(client, accept_language="de")

    assert portal_links(html) == PORTAL_URLS
    assert portal_names(html) == PORTAL_NAMES["de"]


def test_language_switch_lists_each_language_in_its_own_name(client):
    html = get_home(client, accept_language="it")

    assert '<form class="language-switch" action="/i18n/setlang/" method="post">' in html
    assert '<input type="hidden" name="next" value="/">' in html
    options = re.findall(r'<option value="(\w+)" lang="\w+"( selected)?>([^<]+)</option>', html)
    assert options == [
        ("en", "", "English"),
        ("de", "", "Deutsch"),
        ("it", " selected", "Italiano"),
        ("es", "", "Español"),
    ]
    assert '<button class="button button--quiet" type="submit">Applica</button>' in html


def test_language_switch_sets_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert response.cookies["seatwise_language"].value == "es"
    # The chosen language beats the browser's.
    assert portal_names(get_home(client, accept_language="de")) == PORTAL_NAMES["es"]


def test_language_switch_works_with_csrf_checks(client):
    csrf_client = Client(enforce_csrf_checks=True)
    html = get_home(csrf_client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None

    response = csrf_client.post(
        "/i18n/setlang/",
        {"language": "de", "next": "/", "csrfmiddlewaretoken": token.group(1)},
    )

    assert response.status_code == 302
    assert portal_names(get_home(csrf_client)) == PORTAL_NAMES["de"]


def test_a_signed_in_persons_language_wins(client):
    account = make_account(language="de")
    person = make_person(account, language="es")
    client.force_login(person)
    client.cookies["seatwise_language"] = "it"

    response = client.get("/", headers={"accept-language": "de"})

    assert response.headers["Content-Language"] == "es"
    html = response.content.decode()
    assert portal_names(html) == PORTAL_NAMES["es"]
    assert '<html lang="es" dir="ltr">' in html


def test_page_is_accessible_and_csp_clean(client):
    response = client.get("/")
    html = response.content.decode()

    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main" class="container site-main" tabindex="-1">' in html
    assert html.count("<h1") == 1
    # The CSP allows no inline styles or scripts.
    assert " style=" not in html
    assert "<style" not in html
    assert "<script" not in html
    assert '<link rel="stylesheet" href="/static/css/seatwise.css">' in html


def test_anonymous_home_page_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        get_home(client)


def test_signed_in_home_page_runs_two_queries(client, django_assert_num_queries):
    account = make_account()
    client.force_login(make_person(account))

    # The session and the person.
    with django_assert_num_queries(2):
        get_home(client)
