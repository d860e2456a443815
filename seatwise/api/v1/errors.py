"""The one error format of the API, and the handlers that produce it.

Every error, whoever raises it (a service, ninja's input validation, authentication, URL
routing, the JSON parser), is rendered as::

    {"error": {"code": "<stable code>", "message": "<translated text>",
               "details": [{"field": "<dotted path or null>", "code": "...", "message": "..."}]}}

Codes are stable and documented in docs/api.md; messages are for people and are translated
into the request's language (Accept-Language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from seatwise.api.auth import RateLimited, ScopeMissing, TokenExpired
from seatwise.core.errors import ServiceError

logger = logging.getLogger("seatwise.api")


class ErrorDetail(Schema):
    field: str | None
    code: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """OpenAPI responses of an operation's errors: 401 (no valid token), 403 (scope
    missing), 422 and 429 (rate limit) always, plus ``statuses``."""
    return dict.fromkeys(sorted({401, 403, 422, 429, *statuses}), ErrorOut)


def error_payload(
    code: str, message: str | Promise, details: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "details": list(details)}}


def _detail(field: str | None, code: str, message: str | Promise) -> dict[str, Any]:
    return {"field": field or None, "code": code, "message": str(message)}


# --- Input validation (pydantic) ---------------------------------------------------------

# pydantic's error types whose detail has a fixed code and message.
_FIXED_DETAILS: dict[str, tuple[str, Promise]] = {
    "missing": ("required", _("This field is required.")),
    "string_pattern_mismatch": (
        "invalid_format",
        _("The value does not have the documented format."),
    ),
    "string_unicode": ("invalid_characters", _("The text is not valid Unicode.")),
    "string_type": ("not_a_string", _("Enter a text value.")),
    "extra_forbidden": ("unknown_field", _("This field is not part of the API.")),
    **dict.fromkeys(
        ["int_type", "int_parsing", "int_from_float", "int_parsing_size"],
        ("not_an_integer", _("Enter a whole number.")),
    ),
    **dict.fromkeys(["bool_type", "bool_parsing"], ("not_a_boolean", _("Enter true or false."))),
    **dict.fromkeys(
        ["date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"],
        ("invalid_date", _("Enter a date as YYYY-MM-DD.")),
    ),
    **dict.fromkeys(
        ["model_type", "model_attributes_type", "dict_type"],
        ("not_an_object", _("Send a JSON object.")),
    ),
    # Our own validators raise ``PydanticCustomError`` with these types.
    "plan_code_or_plan_id": ("plan_code_or_plan_id", _("Give either plan_code or plan_id.")),
    "term_start_out_of_range": (
        "term_start_out_of_range",
        _("The term starts between 2000-01-01 and 2099-12-31."),
    ),
}


def _validation_detail(error: Mapping[str, Any]) -> dict[str, Any]:
    """One of pydantic's errors as a detail with a stable code and a translated message."""
    kind: str = error.get("type", "")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    field = _field_path(error.get("loc", ()))
    if kind in _FIXED_DETAILS:
        return _detail(field, *_FIXED_DETAILS[kind])
    if kind == "string_too_long":
        message = _("Use at most %(max)d characters.") % {"max": int(ctx["max_length"])}
        return _detail(field, "too_long", message)
    if kind == "string_too_short":
        message = _("Use at least %(min)d characters.") % {"min": int(ctx["min_length"])}
        return _detail(field, "too_short", message)
    if kind == "greater_than_equal":
        message = _("Enter a number of at least %(min)s.") % {"min": ctx["ge"]}
        return _detail(field, "out_of_range", message)
    if kind == "less_than_equal":
        message = _("Enter a number of at most %(max)s.") % {"max": ctx["le"]}
        return _detail(field, "out_of_range", message)
    if kind in {"literal_error", "enum"}:
        message = _("Choose one of: %(choices)s.") % {"choices": _choices(ctx["expected"])}
        return _detail(field, "invalid_choice", message)
    return _detail(field, "invalid", _("This value is not valid."))


def _choices(expected: object) -> str:
    """pydantic's ``'a', 'b' or 'c'`` without its English "or": ``'a', 'b', 'c'``."""
    return str(expected).replace(" or ", ", ")


def _field_path(loc: Iterable[Any]) -> str | None:
    """``("body", "payload", "billing_contact", "email")`` → ``"billing_contact.email"``.

    ninja prefixes the location with the source (body, query, path) and, for a body, with
    the view's parameter name; neither is part of what the client sent.
    """
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None


# --- Handlers ----------------------------------------------------------------------------


def _respond(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str | Promise,
    details: Iterable[Mapping[str, Any]] = (),
) -> HttpResponse:
    return api.create_response(request, error_payload(code, message, details), status=status)


def install(api: NinjaAPI) -> None:
    """Replace ninja's default exception handlers with ones that render ``ErrorOut``."""

    @api.exception_handler(ServiceError)
    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        details = [_detail(exc.field, exc.code, exc.message)] if exc.field else []
        return _respond(api, request, exc.http_status, exc.code, exc.message, details)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _respond(
            api,
            request,
            422,
            "validation_error",
            _("The request is not valid: see the details."),
            [_validation_detail(error) for error in exc.errors],
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            response = not_authenticated(api, request)
        elif exc.status_code == 400:
            # ninja raises exactly this for a body that json.loads() refuses.
            response = _respond(
                api, request, 400, "malformed_json", _("The request body is not valid JSON.")
            )
        else:
            response = _respond(
                api, request, exc.status_code, "http_error", _("The request was refused.")
            )
        return response

    @api.exception_handler(TokenExpired)
    def on_token_expired(request: HttpRequest, exc: TokenExpired) -> HttpResponse:
        response = _respond(
            api,
            request,
            401,
            "token_expired",
            _("This API token has expired. Ask the operator for a new one."),
        )
        response["WWW-Authenticate"] = (
            'Bearer error="invalid_token", error_description="The token has expired"'
        )
        return response

    @api.exception_handler(ScopeMissing)
    def on_scope_missing(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
        message: str | Promise
        if exc.scope is None:
            message = _("No API token may use this operation.")
        else:
            message = _("This API token does not have the scope %(scope)s.") % {
                "scope": exc.scope.value
            }
        response = _respond(api, request, 403, "scope_missing", message)
        response["WWW-Authenticate"] = (
            f'Bearer error="insufficient_scope", scope="{exc.scope or ""}"'
        )
        return response

    @api.exception_handler(RateLimited)
    def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = _respond(
            api,
            request,
            429,
            "rate_limited",
            _(
                "Too many requests with this API token. Try again after the number of "
                "seconds in the Retry-After header."
            ),
        )
        response["Retry-After"] = str(exc.retry_after_seconds)
        return response

    @api.exception_handler(Http404)
    @api.exception_handler(ObjectDoesNotExist)
    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return not_found(api, request)

    @api.exception_handler(IntegrityError)
    def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # A database constraint refused a write that the service's checks let through:
        # a concurrent change won the race. Nothing was written.
        logger.warning("API write refused by a database constraint: %s", exc)
        return _respond(
            api,
            request,
            409,
            "conflict",
            _("The request conflicts with a concurrent change. Try again."),
        )

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return _respond(api, request, 400, "bad_request", _("The request cannot be processed."))

    @api.exception_handler(Exception)
    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Last resort: every input should be handled above. Log it for the operator.
        logger.error(
            "Unhandled error in API request %s %s",
            request.method,
            request.path,
            exc_info=exc,
        )
        return _respond(
            api,
            request,
            500,
            "internal_error",
            _("Something went wrong on our side. The error was logged."),
        )


def not_authenticated(api: NinjaAPI, request: HttpRequest) -> HttpResponse:
    response = _respond(
        api,
        request,
        401,
        "not_authenticated",
        _("Send a valid API token in the header Authorization: Bearer <token>."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def not_found(api: NinjaAPI, request: HttpRequest) -> HttpResponse:
    return _respond(api, request, 404, "not_found", _("There is nothing at this address."))


def method_not_allowed(api: NinjaAPI, request: HttpRequest, allow: str) -> HttpResponse:
    response = _respond(
        api,
        request,
        405,
        "method_not_allowed",
        _("This address does not support the method %(method)s.")
        % {"method": request.method or ""},
    )
    response["Allow"] = allow
    return response


def json_errors(
    api: NinjaAPI, view: Callable[..., HttpResponseBase]
) -> Callable[..., HttpResponseBase]:
    """Wrap a URL's view so that the errors ninja answers outside its operations (405 for a
    method the path does not have, 404 of the API root) use the error format too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(api, request)
        if response.status_code == 405 and not _is_json(response):
            return method_not_allowed(api, request, response.get("Allow", ""))
        return response

    return wrapper


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")
