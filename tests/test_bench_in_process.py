"""What B1 measures in process, on the demo data.

- The comparison of template engines compares like with like: the Jinja2 copy of the Billing
  Center's Subscriptions page (bench/jinja2/) renders the HTML the product's Django template
  renders, from the same context and request, for the demo's billing admins of every language.
- The breakdown (bench/breakdown.py) times requests through the WSGI application and splits
  their time into template rendering, statements and the rest, refusing a page that does not
  answer 200."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.test import Client

from bench.breakdown import Split, _clocked, _requester, figures, lines, split
from bench.engines import page_renderers
from seatwise.accounts.models import Person
from tests.worlds import demo_world

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
    with demo_world(django_db_blocker):
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


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """The WSGI application without the signal handlers that close the database connection at
    the end of a request (as Django's test client runs it): the module's world lives in the
    connection's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The WSGI application without config/wsgi.py's start-up work (its checks, and freezing the
# process's objects out of the garbage collector: not in a test process).
APPLICATION = get_wsgi_application()


def _session_cookie(client: Client) -> dict[str, str]:
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def test_the_breakdown_times_the_templates_and_the_statements_of_a_page(
    demo, django_db_blocker, connections_kept
):
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(Person.objects.get(email=BILLING_ADMINS["de"][0]))
        get = _requester(PATH, _session_cookie(client), APPLICATION)
        with _clocked() as clock:
            assert get() == "200 OK"
            page = split(get, clock, 3)
            trivial = split(_requester("/healthz", {}, APPLICATION), clock, 3)

    assert page.template_ms > 0
    assert page.sql_ms > 0
    assert page.rest_ms > 0
    assert page.total_ms == pytest.approx(page.template_ms + page.sql_ms + page.rest_ms)
    assert trivial.template_ms == 0
    assert trivial.sql_ms == 0


def test_the_breakdown_refuses_a_page_that_does_not_answer_200(
    demo, django_db_blocker, connections_kept
):
    with django_db_blocker.unblock(), _clocked() as clock:
        signed_out = _requester(PATH, {}, APPLICATION)
        with pytest.raises(RuntimeError, match=r"^2 of 2 requests answered 302 Found$"):
            split(signed_out, clock, 2)


def test_the_breakdown_figures_are_each_page_against_the_trivial_view_with_its_parts():
    trivial = Split(total_ms=0.25, template_ms=0.0, sql_ms=0.0)
    pages = {"billing_invoices": Split(total_ms=2.0, template_ms=0.75, sql_ms=0.25)}

    [floor, page] = figures(trivial, pages)

    assert (floor.name, floor.value, floor.ratio, floor.goal) == (
        "B0.trivial_view.cpu_ms",
        0.25,
        None,
        None,
    )
    assert (page.name, page.value, page.ratio, page.goal) == (
        "B1.billing_invoices.cpu_ms",
        2.0,
        8.0,
        None,
    )
    assert page.detail == {"template_ms": 0.75, "sql_ms": 0.25, "rest_ms": 1.0}
    assert lines(trivial, pages).splitlines() == [
        "request                     cpu ms  template     sql    rest",
        "trivial_view                 0.250     0.000   0.000   0.250",
        "billing_invoices             2.000     0.750   0.250   1.000",
    ]
