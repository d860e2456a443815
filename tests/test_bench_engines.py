"""B1's comparison of template engines compares like with like: the Jinja2 copy of the Billing
Center's Subscriptions page (bench/jinja2/) renders the HTML the product's Django template
renders, from the same context and request, for the demo's billing admins of every language
(their subscriptions: trials, a pending cancellation, changes from the renewal on, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from bench.engines import page_renderers
from seatwise.accounts.models import Person
from seatwise.demo.loader import demo_load
from tests.worlds import module_world

pytestmark = pytest.mark.django_db

PATH = "/billing/subscriptions/"
# The billing admins of the demo's online accounts, and the page's heading in their language
# (the demo's English-speaking billing admins are of corporate accounts: Anna Kessler reads the
# page in English too).
BILLING_ADMINS = {
    "de": ("anna.kessler@kessler-feinmechanik.test", "<h1>Abonnements</h1>"),
    "it": ("giulia.bassi@studio-bassi.test", "<h1>Sottoscrizioni</h1>"),
    "es": ("elena.ibarra@talleres-ibarra.test", "<h1>Suscripciones</h1>"),
    "en": ("anna.kessler@kessler-feinmechanik.test", "<h1>Subscriptions</h1>"),
}
# Each form's CSRF token is masked anew on every render.
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"')


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo data, loaded once for the module (``tests.worlds.module_world``)."""
    with module_world(django_db_blocker):
        demo_load(reset=False)
        yield


def _comparable(html: str) -> list[str]:
    """The page's lines without their indentation, and without the blank lines the two
    engines leave in different places. Jinja2 escapes an apostrophe as &#39;, Django as
    &#x27;: the same character."""
    html = CSRF.sub('name="csrfmiddlewaretoken" value="…"', html).replace("&#39;", "&#x27;")
    return [line.strip() for line in html.splitlines() if line.strip()]


@pytest.mark.parametrize("language", sorted(BILLING_ADMINS))
def test_the_jinja2_copy_renders_the_page_the_product_renders(demo, django_db_blocker, language):
    email, heading = BILLING_ADMINS[language]
    client = Client()
    with django_db_blocker.unblock(), transaction.atomic():
        Person.objects.filter(email=email).update(language=language)
        client.force_login(Person.objects.get(email=email))
        with_django, with_jinja2 = page_renderers(client, PATH)
        product, copy = with_django(), with_jinja2()
        transaction.set_rollback(True)

    assert heading in product
    assert f'<html lang="{language}"' in product
    assert product.count('name="csrfmiddlewaretoken"') == 2
    assert _comparable(copy) == _comparable(product)


def test_each_render_is_the_page_of_its_request(demo, django_db_blocker):
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(Person.objects.get(email=BILLING_ADMINS["de"][0]))
        first = page_renderers(client, PATH)
        client.force_login(Person.objects.get(email=BILLING_ADMINS["it"][0]))
        second = page_renderers(client, PATH)
        pages = [render() for render in (*first, *second)]

    assert all("Kessler Feinmechanik GmbH" in page for page in pages[:2])
    assert all("Studio Bassi Architetti" in page for page in pages[2:])
    assert not any("Studio Bassi" in page for page in pages[:2])
