from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from seatwise.api.models import OperatorToken
from tests.api.conftest import BASE, NOW, error, row_counts
from tests.factories import make_account

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = error(
    "not_authenticated", "Send a valid API token in the header Authorization: Bearer <token>."
)


def account_payload():
    return {
        "name": "Acme",
        "kind": "online",
        "country": "DE",
        "language": "de",
        "currency": "EUR",
        "billing_contact": {
            "email": "bill@acme.example",
            "first_name": "Bill",
            "last_name": "Payer",
            "language": "de",
        },
    }


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer swop_not-a-token",
        "Basic c3dvcDp4",
        "swop_not-a-token",
        "Bearer " + "x" * 10_000,
    ],
    ids=["missing", "empty", "wrong", "basic", "no-scheme", "huge"],
)
def test_without_a_valid_token_the_api_answers_401(token, header):
    client = Client(headers={"Authorization": header} if header else {})
    before = row_counts()

    read = client.get(f"{BASE}/accounts")
    write = client.post(f"{BASE}/accounts", account_payload(), content_type="application/json")

    for response in (read, write):
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
        assert response["WWW-Authenticate"] == "Bearer"
    assert row_counts() == before


def test_revoked_token_is_refused(token):
    operator_token, raw = token
    OperatorToken.objects.filter(pk=operator_token.pk).update(revoked_at=timezone.now())

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{BASE}/accounts")

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_the_token_is_checked_by_its_hash(token):
    operator_token, raw = token
    hash_as_token = Client(headers={"Authorization": f"Bearer {operator_token.token_hash}"})

    assert hash_as_token.get(f"{BASE}/accounts").status_code == 401
    lower_scheme = Client(headers={"Authorization": f"bearer {raw}"})
    assert lower_scheme.get(f"{BASE}/accounts").status_code == 200


def test_every_operation_needs_the_token(api, token):
    # Given the operations the OpenAPI document lists, each with ids of existing objects
    account = make_account()
    schema = api.get(f"{BASE}/openapi.json").json()
    anonymous = Client()

    # when each is called without a token
    statuses = {}
    for path, operations in schema["paths"].items():
        url = path
        for name in (
            "account_id",
            "person_id",
            "subscription_id",
            "payment_method_id",
            "invoice_id",
        ):
            url = url.replace("{" + name + "}", str(account.pk))
        for method in operations:
            response = getattr(anonymous, method)(url, {}, content_type="application/json")
            statuses[f"{method.upper()} {path}"] = (response.status_code, response.json())

    # then every one answers 401, and every one documents it
    assert len(statuses) == 25
    assert set(map(str, statuses.values())) == {str((401, NOT_AUTHENTICATED))}
    for operations in schema["paths"].values():
        for operation in operations.values():
            # one scope each: tests/api/test_scopes.py checks which
            ((scheme, (_scope,)),) = operation["security"][0].items()
            assert (scheme, len(operation["security"])) == ("OperatorBearer", 1)
            assert "401" in operation["responses"]


def test_last_use_is_recorded_at_most_once_a_minute(token):
    operator_token, raw = token
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    with time_machine.travel(NOW, tick=False):
        client.get(f"{BASE}/products")
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        client.get(f"{BASE}/products")
    first = OperatorToken.objects.get(pk=operator_token.pk).last_used_at
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        client.get(f"{BASE}/products")
    second = OperatorToken.objects.get(pk=operator_token.pk).last_used_at

    assert (first, second) == (NOW, NOW + timedelta(minutes=2))


def test_create_api_token_command_prints_a_working_token(db, capsys):
    call_command("create_api_token", "billing-sync", "--scope=catalog:read")
    raw = capsys.readouterr().out.strip()

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{BASE}/products")
    assert response.status_code == 200
    assert OperatorToken.objects.get().name == "billing-sync"


def test_revoke_api_token_command_locks_the_token_out(token, capsys):
    _operator_token, raw = token
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(f"{BASE}/products").status_code == 200

    call_command("revoke_api_token", "crm-sync")

    assert capsys.readouterr().out == "1 token(s) revoked.\n"
    assert client.get(f"{BASE}/products").status_code == 401
