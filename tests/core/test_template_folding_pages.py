"""The portal's pages, rendered from the templates as the product's engine compiles them
(folded, their ``{% extends %}`` resolved once: ``core.template_folding``) and as Django
compiles them, from the same context and request: the same HTML, byte for byte but the CSRF
tokens (masked anew on every render), on the demo data, in several languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.template.context import make_context
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bench.server import template_renders_wrapped
from seatwise.accounts.models import CorporateCredential, Person
from seatwise.portals.corporate.session import corporate_login
from tests.core.test_template_folding import seatwise_engine, unfolded_engine
from tests.worlds import demo_world

pytestmark = pytest.mark.django_db

BILLING_ADMIN = "anna.kessler@kessler-feinmechanik.test"
ACCOUNT_ADMIN = "jonas.weber@kessler-feinmechanik.test"
PAGES = {
    BILLING_ADMIN: [
        "billing:subscriptions",
        "billing:invoices",
        "billing:subscription_new",
        "my_account:home",
    ],
    ACCOUNT_ADMIN: ["admin_center:users", "admin_center:licenses", "my_account:home"],
    "corporate": ["corporate:home", "corporate:invoices"],
    "anonymous": ["home:home", "help:home", "auth:signin", "corporate:signin"],
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"')


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    with demo_world(django_db_blocker):
        yield


def _client(reader: str, language: str) -> Client:
    client = Client(headers={"Accept-Language": language})
    if reader == "corporate":
        credential = CorporateCredential.objects.order_by("pk").first()
        assert credential is not None
        request = HttpRequest()
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        corporate_login(request, credential)
        request.session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = str(request.session.session_key)
    elif reader != "anonymous":
        Person.objects.filter(email=reader).update(language=language)
        client.force_login(Person.objects.get(email=reader))
    return client


def _rendered(client: Client, path: str) -> list[tuple[Any, dict[str, Any], Any, str]]:
    """The templates the page's request rendered: (template, context, request, output)."""
    rendered: list[tuple[Any, dict[str, Any], Any, str]] = []

    def record(render: Any, template: Any, context: Any, request: Any) -> Any:
        output = render(template, context, request)
        rendered.append((template, dict(context or {}), request, str(output)))
        return output

    with template_renders_wrapped(record):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return rendered


@pytest.mark.parametrize("language", ["de", "it", "es", "en"])
def test_every_page_renders_as_django_compiles_its_templates(demo, django_db_blocker, language):
    compared = 0
    plain_engine = unfolded_engine()
    with django_db_blocker.unblock(), transaction.atomic():
        for reader, names in PAGES.items():
            client = _client(reader, language)
            for name in names:
                for template, context, request, output in _rendered(client, reverse(name)):
                    template_name = template.origin.template_name
                    assert seatwise_engine().get_template(template_name) is template.template
                    plain = plain_engine.get_template(template_name)
                    with translation.override(getattr(request, "LANGUAGE_CODE", language)):
                        expected = plain.render(
                            make_context(context, request, autoescape=plain_engine.autoescape)
                        )
                    assert CSRF.sub("…", output) == CSRF.sub("…", expected), (name, template_name)
                    compared += 1
        transaction.set_rollback(True)
    assert compared >= sum(len(names) for names in PAGES.values())
