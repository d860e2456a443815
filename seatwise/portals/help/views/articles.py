"""The help center's pages: the index (``/help/``), search (``/help/search/?q=``) and each
article (``/help/<slug>/``), in the reader's language (``core.middleware``: a signed-in
person's own language, else the language switch or Accept-Language).

The articles are files, read once per process (``helpcenter.articles.library``); search is
the one selector ``helpcenter.search.help_search``. The pages show nothing of the reader (the
plain site layout, not the portals' bar with the signed-in person), so the browser may keep
them a while, per language and cookie (``Vary``); shared caches may not, because the language
switch on every page carries the reader's own CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from seatwise.helpcenter.articles import Article, Library, library
from seatwise.helpcenter.search import QUERY_MAX_CHARS, help_search

SEARCH_RESULTS_MAX = 20
# How long the reader's browser may keep a help page.
BROWSER_MAX_AGE = 600


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for everyone: kept by the browser a while, apart per language and per cookie (a
    signed-in reader's language comes with the session cookie); private, because of the CSRF
    token in the language switch."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, max_age=BROWSER_MAX_AGE)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper


def _language(content: Library) -> str:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in content.languages else content.languages[0]


def _query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "")[:QUERY_MAX_CHARS].split())


@require_safe
@public_page
def index(request: HttpRequest) -> HttpResponse:
    content = library()
    return render(
        request,
        "help/index.html",
        {"articles": content.in_language(_language(content)), "q": ""},
    )


@require_safe
@public_page
def search(request: HttpRequest) -> HttpResponse:
    content = library()
    q = _query(request)
    hits = help_search(query=q, language=_language(content), limit=SEARCH_RESULTS_MAX) if q else []
    return render(request, "help/search.html", {"q": q, "hits": hits})


@require_safe
@public_page
def article(request: HttpRequest, slug: str) -> HttpResponse:
    content = library()
    language = _language(content)
    found = content.get(slug=slug, language=language)
    if found is None:
        raise Http404
    related: list[Article] = [
        other
        for other in (content.get(slug=s, language=language) for s in found.related)
        if other is not None
    ]
    return render(request, "help/article.html", {"article": found, "related": related, "q": ""})
