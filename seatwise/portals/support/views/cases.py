"""Placeholder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def queue(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("queue")


def case(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("case")


def assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("assign")


def note(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("note")


def reply(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("reply")


def link_account(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("link_account")


def verify(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("verify")


def billing_contact_change(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("billing_contact_change")


def close(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("close")
