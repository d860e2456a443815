"""Placeholder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def two_factor(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("two_factor")
