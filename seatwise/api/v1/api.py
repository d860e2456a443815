"""The provisioning API, version 1: what an operator's systems use to create and read
accounts, people, roles, subscriptions, license assignments and payment methods, and to read
invoices and credit notes with their archived files.

Every operation needs an operator token (``manage.py create_api_token``) holding the one
scope the operation declares (``seatwise.api.auth.requires``), which the OpenAPI document
states as the operation's security requirement; every error has one format
(``seatwise.api.v1.errors``). See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.types import DictStrAny

from seatwise.api.auth import OperatorBearer
from seatwise.api.v1 import (
    accounts,
    catalog,
    errors,
    invoices,
    payment_methods,
    people,
    roles,
    subscriptions,
)


class ScopedOpenAPISchema(OpenAPISchema):
    """ninja's OpenAPI document, with each operation's scope as its security requirement
    (``{"OperatorBearer": ["accounts:read"]}``, as OpenAPI 3.1 allows role names for any
    scheme) and the ``Retry-After`` header of every 429."""

    def operation_security(self, operation: Operation) -> list[DictStrAny] | None:
        result = super().operation_security(operation)
        for requirement, auth in zip(result or [], operation.auth_callbacks, strict=True):
            scope = getattr(auth, "scope", None)
            for name in requirement:
                requirement[name] = [str(scope)] if scope is not None else []
        return result

    def operation_details(self, operation: Operation) -> DictStrAny:
        details = super().operation_details(operation)
        too_many = details.get("responses", {}).get(429)
        if too_many is not None:
            too_many["headers"] = {
                "Retry-After": {
                    "description": "Seconds until the token's rate limit allows a request.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        return details


class SeatwiseAPI(NinjaAPI):
    """NinjaAPI whose every URL, including the ones ninja answers outside an operation
    (unknown path, method not allowed), responds with the API's error format."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ScopedOpenAPISchema(self, path_prefix)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # View names are unique across the API's modules: "create_account", "list_plans".
        return str(operation.view_func.__name__)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = errors.json_errors(self, pattern.callback)

        @csrf_exempt
        def unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return errors.not_found(self, request)

        # Last: anything under the API's prefix that no operation matched.
        return [*patterns, re_path(r"", unknown_path, name="unknown-path")], app_name, namespace


api = SeatwiseAPI(
    title="Seatwise provisioning API",
    version="1",
    description=(
        "Accounts, people, roles, subscriptions, license assignments, payment methods, "
        "invoices and credit notes of Seatwise. Authenticate with "
        "`Authorization: Bearer <token>`; see docs/api.md."
    ),
    urls_namespace="api-v1",
    # Without a scope it refuses every token: an operation that forgot ``auth=requires(…)``
    # is closed, not open to every token.
    auth=OperatorBearer(),
    # The interactive docs page loads its scripts from a CDN, which the CSP forbids.
    docs_url=None,
)
errors.install(api)

api.add_router("", accounts.router)
api.add_router("", people.router)
api.add_router("", roles.router)
api.add_router("", subscriptions.router)
api.add_router("", payment_methods.router)
api.add_router("", catalog.router)
api.add_router("", invoices.router)
