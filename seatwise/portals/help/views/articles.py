"""Placeholder: the help center's article pages (index, search, article)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("help")


def search(request: HttpRequest) -> HttpResponse:
    return HttpResponse("search")


def article(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)
