"""Placeholder: the contact form that opens a support case."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def contact(request: HttpRequest) -> HttpResponse:
    return HttpResponse("contact")


def sent(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sent")


def confirm(request: HttpRequest, case_id: int, token: str) -> HttpResponse:
    return HttpResponse("confirm")


def opened(request: HttpRequest) -> HttpResponse:
    return HttpResponse("opened")
