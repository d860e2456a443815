"""Scopes: every operation declares exactly one, and a token without it is refused with 403.

Given a database with an account, its billing contact, a member holding a seat, a card and a
subscription, every operation of the OpenAPI document is called with a minimal request
(empty JSON body for writes): refused with 403 by a token holding every scope but the
operation's, answered past authorization by a token holding only that scope.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from seatwise.api.auth import OperatorBearer, ScopeMissing
from seatwise.api.models import OperatorToken
from seatwise.api.scopes import ALL_SCOPES, Scope, scopes_parse
from seatwise.api.v1.api import api as ninja_api
from seatwise.subscriptions.services import license_assign
from tests.api.conftest import BASE, error, row_counts
from tests.factories import SYSTEM, make_account, make_card, make_person, make_subscription

pytestmark = pytest.mark.django_db

# Each operation's scope and the status it answers to the minimal request of a token that
# holds that scope (writes with an empty body fail validation, which runs after the scope).
OPERATIONS: dict[str, tuple[Scope, int]] = {
    "post /accounts": (Scope.ACCOUNTS_WRITE, 422),
    "get /accounts": (Scope.ACCOUNTS_READ, 200),
    "get /accounts/{account_id}": (Scope.ACCOUNTS_READ, 200),
    "post /accounts/{account_id}/people": (Scope.PEOPLE_WRITE, 422),
    "get /accounts/{account_id}/people": (Scope.PEOPLE_READ, 200),
    "get /people/{person_id}": (Scope.PEOPLE_READ, 200),
    "delete /people/{person_id}": (Scope.PEOPLE_WRITE, 204),
    "get /accounts/{account_id}/roles": (Scope.ROLES_READ, 200),
    "put /accounts/{account_id}/billing-contact": (Scope.ROLES_WRITE, 422),
    "put /people/{person_id}/account-admin": (Scope.ROLES_WRITE, 200),
    "delete /people/{person_id}/account-admin": (Scope.ROLES_WRITE, 200),
    "post /accounts/{account_id}/subscriptions": (Scope.SUBSCRIPTIONS_WRITE, 422),
    "get /accounts/{account_id}/subscriptions": (Scope.SUBSCRIPTIONS_READ, 200),
    "post /accounts/{account_id}/trials": (Scope.SUBSCRIPTIONS_WRITE, 422),
    "get /subscriptions/{subscription_id}": (Scope.SUBSCRIPTIONS_READ, 200),
    "post /subscriptions/{subscription_id}/assignments": (Scope.SUBSCRIPTIONS_WRITE, 422),
    "get /subscriptions/{subscription_id}/assignments": (Scope.SUBSCRIPTIONS_READ, 200),
    "delete /subscriptions/{subscription_id}/assignments/{person_id}": (
        Scope.SUBSCRIPTIONS_WRITE,
        204,
    ),
    "post /accounts/{account_id}/payment-methods": (Scope.PAYMENT_METHODS_WRITE, 422),
    "get /accounts/{account_id}/payment-methods": (Scope.PAYMENT_METHODS_READ, 200),
    "get /payment-methods/{payment_method_id}": (Scope.PAYMENT_METHODS_READ, 200),
    "get /products": (Scope.CATALOG_READ, 200),
    "get /plans": (Scope.CATALOG_READ, 200),
    "get /accounts/{account_id}/invoices": (Scope.INVOICES_READ, 200),
    # No invoice with this id: past authorization, without rendering a document.
    "get /accounts/{account_id}/invoices/{invoice_id}/document": (Scope.INVOICES_READ, 404),
}


def _schema_operations() -> dict[str, list[str]]:
    """Each operation of the OpenAPI document (``"get /accounts"``) and its security scopes."""
    schema = ninja_api.get_openapi_schema()
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            (requirement,) = operation["security"]
            found[f"{method} {path.removeprefix(BASE)}"] = requirement["OperatorBearer"]
    return found


def test_every_operation_declares_exactly_one_scope():
    # Given the API's routes (not only the document): each operation's auth callbacks
    declared = {}
    for _prefix, router in ninja_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    (auth,) = operation.auth_callbacks
                    assert isinstance(auth, OperatorBearer)
                    declared[f"{method.lower()} {path}"] = auth.scope

    # then every operation has one scope, the one the document states and this table lists
    assert declared == {name: scope for name, (scope, _status) in OPERATIONS.items()}
    assert _schema_operations() == {name: [scope] for name, (scope, _s) in OPERATIONS.items()}
    # and every scope is used by an operation
    assert set(declared.values()) == set(ALL_SCOPES)


def test_an_operation_without_a_scope_refuses_every_token(token):
    # The API's default auth, which an operation that forgot its scope would get.
    _token, raw = token

    with pytest.raises(ScopeMissing) as refused:
        OperatorBearer().authenticate(None, raw)  # type: ignore[arg-type]

    assert refused.value.scope is None


@pytest.fixture
def objects(db: None) -> dict[str, int]:
    account = make_account()
    member = make_person(account)
    make_person(account, admin=True)
    subscription = make_subscription(account, seats=2)
    license_assign(subscription=subscription, person=member, by=SYSTEM)
    card = make_card(account)
    return {
        "account_id": account.pk,
        "person_id": member.pk,
        "subscription_id": subscription.pk,
        "payment_method_id": card.pk,
        "invoice_id": 999_999,
    }


def call(client: Client, operation: str, ids: dict[str, int]) -> Any:
    method, path = operation.split(" ")
    url = BASE + path.format(**ids)
    if method in {"post", "put"}:
        return getattr(client, method)(url, {}, content_type="application/json")
    return getattr(client, method)(url)


def client_with(scopes: list[Scope]) -> Client:
    _token, raw = OperatorToken.issue("scoped", scopes=scopes)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_operation_is_refused_without_its_scope(objects, operation):
    # Given a token with every scope but the operation's
    scope, _status = OPERATIONS[operation]
    client = client_with([other for other in ALL_SCOPES if other != scope])
    before = row_counts()

    # when it calls the operation
    response = call(client, operation, objects)

    # then it is refused with 403, and nothing changed
    assert (response.status_code, response.json()) == (
        403,
        error("scope_missing", f"This API token does not have the scope {scope}."),
    )
    assert response["WWW-Authenticate"] == f'Bearer error="insufficient_scope", scope="{scope}"'
    assert row_counts() == before


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_operation_is_allowed_with_its_scope_alone(objects, operation):
    scope, status = OPERATIONS[operation]
    client = client_with([scope])

    response = call(client, operation, objects)

    assert response.status_code == status


def test_a_read_only_token_cannot_write(objects):
    # Given a token with every read scope
    client = client_with([scope for scope in ALL_SCOPES if scope.endswith(":read")])

    # when it calls every operation
    statuses = {operation: call(client, operation, objects).status_code for operation in OPERATIONS}

    # then every write is refused and every read answered
    writes = {name: status for name, status in statuses.items() if not name.startswith("get ")}
    reads = {name: status for name, status in statuses.items() if name.startswith("get ")}
    assert set(writes.values()) == {403}
    assert len(writes) == 11
    assert reads == {name: OPERATIONS[name][1] for name in reads}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["accounts:read"], [Scope.ACCOUNTS_READ]),
        (
            ["people:*", "accounts:read"],
            [Scope.ACCOUNTS_READ, Scope.PEOPLE_READ, Scope.PEOPLE_WRITE],
        ),
        (["*"], list(ALL_SCOPES)),
        (["catalog:*", "catalog:read"], [Scope.CATALOG_READ]),
    ],
)
def test_scopes_are_named_one_by_one_by_resource_or_all(given, expected):
    assert scopes_parse(given) == expected


@pytest.mark.parametrize("given", ["accounts", "accounts:delete", "nothing:*", ""])
def test_an_unknown_scope_is_refused(given):
    with pytest.raises(ValueError, match="^" + re.escape(given) + "$"):
        scopes_parse([given])
