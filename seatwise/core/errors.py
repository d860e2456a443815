"""The one exception type that services raise for refused input.

A refusal carries a stable machine ``code`` (used by the API and by tests), a translated
human message, and optionally the field it concerns. Services raise it *before* writing
anything, or inside the transaction that is then rolled back, so a refusal changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ServiceError(Exception):
    """Base class: the request is refused and nothing was changed."""

    http_status = 422

    def __init__(
        self, code: str, message: str | Promise, *, field: str | None = None, **params: Any
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


class Refused(ServiceError):
    """The input is well formed but breaks a rule (seats exhausted, second billing contact)."""

    http_status = 409


class Invalid(ServiceError):
    """The input itself is wrong (bad VAT ID, unknown country, Luhn-invalid card number)."""

    http_status = 422


class NotFound(ServiceError):
    http_status = 404
