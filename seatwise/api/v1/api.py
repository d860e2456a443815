"""The provisioning API, version 1: what an operator's systems use to create and read
accounts, people, roles, subscriptions, license assignments and payment methods, and to read
invoices and credit notes with their archived files.

Every operation needs an operator token (``manage.py create_api_token``); every error has
one format (``seatwise.api.v1.errors``). See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.operation import Operation

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


class SeatwiseAPI(NinjaAPI):
    """NinjaAPI whose every URL, including the ones ninja answers outside an operation
    (unknown path, method not allowed), responds with the API's error format."""

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
