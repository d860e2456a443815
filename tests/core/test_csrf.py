"""The pages' CSRF token (seatwise.core.csrf): Django's token, cheaper to mask."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.http import HttpRequest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _unmask_cipher_token,
)
from django.template import Context, Template
from django.test import Client

from seatwise.core import csrf
from tests.factories import make_account, make_person

SECRET = "abcdefghijABCDEFGHIJ0123456789zZ"


def _request(secret: str | None = SECRET) -> HttpRequest:
    request = HttpRequest()
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_is_the_secret_masked_as_django_masks_it():
    request = _request()

    token = csrf.masked_token(request)

    assert len(token) == 2 * CSRF_SECRET_LENGTH
    assert set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == SECRET
    # Asking for the token renews the cookie, as Django's get_token does.
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_each_token_has_a_fresh_mask():
    tokens = {csrf.masked_token(_request()) for _ in range(50)}

    assert len(tokens) == 50
    assert {_unmask_cipher_token(token) for token in tokens} == {SECRET}


def test_a_request_without_a_secret_gets_a_new_one():
    request = _request(secret=None)

    token = csrf.masked_token(request)

    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == CSRF_SECRET_LENGTH
    assert set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_a_secret_of_another_length_is_masked_by_django():
    # The middleware lets no such secret through; were one there, Django's get_token masks it
    # (a mask of 32 characters, then as many as the secret has).
    token = csrf.masked_token(_request("short"))

    assert len(token) == CSRF_SECRET_LENGTH + len("short")


def test_every_character_of_the_mask_is_equally_likely():
    # 640,000 draws: 10,322 expected per character, a standard deviation of about 100. Taking
    # every byte modulo 62 would give the first eight characters a quarter more (≈ 12,900).
    counts = Counter(place for _ in range(20_000) for place in csrf._mask())

    assert sorted(counts) == list(range(len(CSRF_ALLOWED_CHARS)))
    expected = 20_000 * CSRF_SECRET_LENGTH / len(CSRF_ALLOWED_CHARS)
    assert all(abs(count - expected) < 0.05 * expected for count in counts.values()), counts


@pytest.mark.django_db
def test_a_portal_page_token_passes_the_middleware_and_a_forged_one_does_not():
    person = make_person(make_account(language="en"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    html = browser.get("/my-account/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens
    # One token per page, in every form of it.
    assert len(set(tokens)) == 1
    token = tokens[0]
    assert _unmask_cipher_token(token) == browser.cookies["csrftoken"].value

    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    refused = browser.post("/i18n/setlang/", {"language": "de", "csrfmiddlewaretoken": forged})
    accepted = browser.post("/i18n/setlang/", {"language": "de", "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302


def test_the_context_token_is_made_when_first_used_then_kept():
    request = _request()
    token = csrf.page_csrf(request)["csrf_token"]
    # Not used: no token made, the cookie not renewed (as Django's lazy token).
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META

    rendered = Template("{% csrf_token %}|{% csrf_token %}|{{ csrf_token }}").render(
        Context({"csrf_token": token})
    )

    first, second, third = rendered.split("|")
    assert first == second
    value = re.search(r'value="([^"]+)"', first)
    assert value is not None
    assert third == value.group(1)
    assert _unmask_cipher_token(third) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
