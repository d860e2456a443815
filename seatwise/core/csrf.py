"""The CSRF token a page's forms carry: Django's token, masked as Django masks it, for less.

Django's ``get_token`` masks the cookie's secret with a fresh mask of 32 characters of
``CSRF_ALLOWED_CHARS``, each drawn on its own from the operating system's random source (32
reads, about 36 µs), and finds each character's place in the alphabet by scanning it (64
scans): 40–80 µs of every page that has a form (every portal page: the language switch, Sign
Out). ``page_csrf`` is the context processor that takes the place of Django's built-in one
(its ``csrf_token`` is the one templates read): the same lazy token, its mask drawn from one
read of random bytes, each byte below the largest multiple of the alphabet's size taken (so
that every character is equally likely, as Django's), and the places looked up in a table.

The token is what Django's would be: the mask, then the secret shifted by it, which
``CsrfViewMiddleware`` unmasks and compares as it does any token; asking for it renews the
cookie as ``get_token`` does, and a request without a secret gets a new one by Django's own
function. Django's ``get_token`` stays in use everywhere else (``{% csrf_token %}`` in a Jinja2
template, a view that asks for it).
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware import csrf as django_csrf
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.middleware.csrf import get_token as django_get_token

_SIZE = len(CSRF_ALLOWED_CHARS)
_PLACE = {char: place for place, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes below this map onto the alphabet uniformly (248 = 4 × 62); the others are
# dropped and drawn again.
_UNIFORM_BELOW = 256 - 256 % _SIZE
# Bytes read at once: enough for a whole mask nearly always (each is kept with p = 248/256).
_DRAW = CSRF_SECRET_LENGTH + 8


def _mask() -> list[int]:
    """``CSRF_SECRET_LENGTH`` places in the alphabet, each uniformly random (CSPRNG)."""
    places: list[int] = []
    while len(places) < CSRF_SECRET_LENGTH:
        places.extend(byte % _SIZE for byte in secrets.token_bytes(_DRAW) if byte < _UNIFORM_BELOW)
    return places[:CSRF_SECRET_LENGTH]


def masked_token(request: HttpRequest) -> str:
    """``django.middleware.csrf.get_token(request)``: the request's secret (a new one if it has
    none), masked afresh, with the cookie renewed by the response."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = django_csrf._add_new_csrf_cookie(request)  # type: ignore[attr-defined]
    else:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    try:
        places = [_PLACE[char] for char in secret]
    except (KeyError, TypeError):
        places = []
    if len(places) != CSRF_SECRET_LENGTH:  # not a secret Django made: Django's own way
        return str(django_get_token(request))
    mask = _mask()
    chars = CSRF_ALLOWED_CHARS
    return "".join([chars[place] for place in mask]) + "".join(
        [chars[(place + shift) % _SIZE] for place, shift in zip(places, mask, strict=True)]
    )


class LazyToken:
    """The request's token, made when first used (as text, as a truth value or compared), then
    kept: what Django's ``SimpleLazyObject`` is to ``{% csrf_token %}``, without the proxy of
    every operation (a page's two forms read it through a dozen)."""

    __slots__ = ("_request", "_token")

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._token: str | None = None

    def __str__(self) -> str:
        if self._token is None:
            self._token = masked_token(self._request)
        return self._token

    def __html__(self) -> str:
        # Letters and digits only: nothing to escape.
        return str(self)

    def __bool__(self) -> bool:
        return bool(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == other

    def __hash__(self) -> int:
        return hash(str(self))


def page_csrf(request: HttpRequest) -> dict[str, object]:
    """Context processor: ``csrf_token``, lazily, as Django's built-in ``csrf`` one provides
    it (listed in the settings, it runs after the built-in, whose lazy token is then never
    computed)."""
    return {"csrf_token": LazyToken(request)}
