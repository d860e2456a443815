"""Placeholder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def account(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("account")


def people(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("people")


def audit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("audit")
