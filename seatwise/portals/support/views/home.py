"""Placeholder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("home")


def search(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("search")
