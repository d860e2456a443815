"""What the portals' views share: the signed-in person, the reader's language, the parameters
of keyset pages and searches, and a page rendered in its portal's frame. One copy here, not
one per portal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language

from seatwise.accounts.models import Person
from seatwise.core.validation import parse_id


def signed_in_person(request: HttpRequest) -> Person:
    """The person of a view behind ``login_required``: the product sign-in loads a Person."""
    user = request.user
    assert isinstance(user, Person)
    return user


def reader_language() -> str:
    """The language the page is rendered in (``de``, ``it``, ``es``, ``en``), for amounts,
    dates and country names formatted in the view."""
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def id_param(request: HttpRequest, name: str) -> int | None:
    """An id from the query string (a keyset page's ``after``, a chosen product), or None: a
    crafted value (beyond ``core.validation.ID_MAX``, not digits) is no error, only no
    choice."""
    return parse_id(request.GET.get(name, ""))


def text_param(request: HttpRequest, name: str, max_length: int) -> str:
    """A search text from the query string: its runs of white space made single spaces, then
    cut to at most ``max_length`` characters."""
    return " ".join(request.GET.get(name, "").split())[:max_length].rstrip()


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (all boxes unticked), else None."""
    return request.POST if request.method == "POST" else None


def page_query(**params: object) -> str:
    """A query string of the non-empty parameters (``?q=…&after=…``), or ""."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    frame: Mapping[str, Any],
    status: int = 200,
) -> HttpResponse:
    """A portal page: its portal's frame (who is signed in, which section or tab is current)
    with the page's own context."""
    return render(request, template, {**frame, **context}, status=status)
