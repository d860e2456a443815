from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.test import Client

from seatwise.api.models import OperatorToken
from seatwise.api.scopes import ALL_SCOPES

BASE = "/api/v1"
# Frozen "now" of the tests that assert timestamps and dates exactly.
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOW_JSON = "2026-03-02T09:30:00Z"


class ApiClient(Client):
    """Django's test client with JSON helpers and the operator's bearer token."""

    def post_json(self, path: str, data: Any) -> Any:
        return self.post(BASE + path, data, content_type="application/json")

    def put_json(self, path: str, data: Any = None) -> Any:
        if data is None:
            return self.put(BASE + path)
        return self.put(BASE + path, data, content_type="application/json")

    def get_json(self, path: str, **params: Any) -> Any:
        return self.get(BASE + path, params)

    def delete_json(self, path: str) -> Any:
        return self.delete(BASE + path)


@pytest.fixture
def token(db: None) -> tuple[OperatorToken, str]:
    """A token with every scope, on every account."""
    return OperatorToken.issue("crm-sync", scopes=ALL_SCOPES)


@pytest.fixture
def auth_header(token: tuple[OperatorToken, str]) -> dict[str, str]:
    _token, raw = token
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(auth_header: dict[str, str]) -> ApiClient:
    return ApiClient(headers=auth_header)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def row_counts() -> dict[str, int]:
    """The number of rows of every Seatwise model (the API token's last use excepted):
    equal before and after a refused request, so that the refusal changed nothing."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label.startswith(("accounts.", "subscriptions.", "payments.", "audit."))
        or model._meta.label in {"catalog.Plan", "catalog.Price", "catalog.Product"}
    }


def error(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def detail(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}
