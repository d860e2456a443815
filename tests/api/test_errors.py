"""The one error format, for every kind of error, and the OpenAPI document that states it."""

from __future__ import annotations

import logging
import re
from typing import get_args

import pytest
from django.conf import settings
from django.db import IntegrityError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from seatwise.accounts.models import Account
from seatwise.accounts.services import USER_ID_RE
from seatwise.api.v1 import accounts as accounts_endpoints
from seatwise.api.v1.accounts import AccountOut
from seatwise.api.v1.fields import (
    EMAIL,
    PASSWORD_MIN_LENGTH,
    REQUIRED_TEXT,
    USER_ID,
    Currency,
    Language,
)
from seatwise.api.v1.subscriptions import PlanRef, SubscriptionOut
from seatwise.catalog.models import Plan
from seatwise.core.countries import country_codes
from seatwise.core.errors import Invalid
from seatwise.core.money import SUPPORTED_CURRENCIES
from seatwise.core.validation import clean_email
from seatwise.subscriptions.models import Subscription
from tests.api.conftest import BASE, detail, error, row_counts
from tests.factories import make_account

pytestmark = pytest.mark.django_db

INVALID = "The request is not valid: see the details."


def person_payload(**changes):
    payload = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    payload.update(changes)
    return payload


def test_malformed_json_is_400(api):
    account = make_account()
    before = row_counts()

    response = api.post(
        f"{BASE}/accounts/{account.pk}/people", b'{"email": ', content_type="application/json"
    )

    assert (response.status_code, response.json()) == (
        400,
        error("malformed_json", "The request body is not valid JSON."),
    )
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "expected_details"),
    [
        (b"", [detail(None, "required", "This field is required.")]),
        (b"[1, 2]", [detail(None, "not_an_object", "Send a JSON object.")]),
        (b'"text"', [detail(None, "not_an_object", "Send a JSON object.")]),
    ],
    ids=["empty", "array", "string"],
)
def test_a_body_that_is_not_an_object_is_422(api, body, expected_details):
    account = make_account()

    response = api.post(
        f"{BASE}/accounts/{account.pk}/people", body, content_type="application/json"
    )

    assert (response.status_code, response.json()) == (
        422,
        error("validation_error", INVALID, expected_details),
    )


@pytest.mark.parametrize(
    "payload",
    [
        person_payload(first_name="Ada\x00"),
        person_payload(email="ada\x00@example.com"),
        person_payload(password="secret\x00secret"),
    ],
    ids=["name", "email", "password"],
)
def test_nul_characters_are_refused_before_any_database_sees_them(api, payload):
    account = make_account()
    before = row_counts()

    response = api.post_json(f"/accounts/{account.pk}/people", payload)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert [d["code"] for d in response.json()["error"]["details"]] == ["invalid_format"]
    assert row_counts() == before


def test_lone_surrogates_are_refused(api):
    account = make_account()

    response = api.post(
        f"{BASE}/accounts/{account.pk}/people",
        b'{"email": "ada@example.com", "first_name": "\\ud800", "last_name": "L"}',
        content_type="application/json",
    )

    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            INVALID,
            [detail("first_name", "invalid_characters", "The text is not valid Unicode.")],
        ),
    )


@pytest.mark.parametrize("account_id", [str(2**63), str(2**70), "-1", "0", "1e3", "%00"])
def test_ids_out_of_range_are_422_never_500(api, account_id):
    response = api.get(f"{BASE}/accounts/{account_id}/people")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"][0]["field"] == "account_id"


def test_largest_id_is_just_not_found(api):
    response = api.get_json(f"/accounts/{2**63 - 1}")

    assert (response.status_code, response.json()) == (
        404,
        error("account_not_found", "There is no account with this id."),
    )


def test_unknown_path_is_404(api):
    response = api.get(f"{BASE}/no/such/thing")

    assert (response.status_code, response.json()) == (
        404,
        error("not_found", "There is nothing at this address."),
    )


def test_method_not_allowed_is_405_with_allow(api):
    account = make_account()

    response = api.patch(f"{BASE}/accounts/{account.pk}", {}, content_type="application/json")

    assert (response.status_code, response.json()) == (
        405,
        error("method_not_allowed", "This address does not support the method PATCH."),
    )
    assert response["Allow"] == "GET"


def test_messages_follow_accept_language(api):
    account = make_account()

    response = api.post(
        f"{BASE}/accounts/{account.pk}/people",
        {"email": "ada@example.com"},
        content_type="application/json",
        headers={"Accept-Language": "de"},
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"][0] == detail(
        "first_name", "required", "Dieses Feld ist erforderlich."
    )


def test_a_constraint_refusing_a_write_is_409_conflict(api, monkeypatch):
    def raise_integrity_error(**kwargs):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(accounts_endpoints, "account_create", raise_integrity_error)

    response = api.post_json("/accounts", {})  # refused by validation before the service
    assert response.status_code == 422
    response = api.post_json(
        "/accounts",
        {
            "name": "Acme",
            "kind": "online",
            "country": "DE",
            "language": "de",
            "currency": "EUR",
            "billing_contact": {
                "email": "a@acme.example",
                "first_name": "A",
                "last_name": "B",
                "language": "de",
            },
        },
    )

    assert (response.status_code, response.json()) == (
        409,
        error("conflict", "The request conflicts with a concurrent change. Try again."),
    )


def test_an_unexpected_error_is_500_internal_error_and_logged(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the selector broke")

    monkeypatch.setattr(accounts_endpoints, "account_page", broken)

    with caplog.at_level(logging.ERROR, logger="seatwise.api"):
        response = api.get_json("/accounts")

    assert (response.status_code, response.json()) == (
        500,
        error("internal_error", "Something went wrong on our side. The error was logged."),
    )
    assert "the selector broke" in caplog.text


# --- The OpenAPI document ------------------------------------------------------------------


@pytest.fixture
def openapi(api):
    return api.get(f"{BASE}/openapi.json").json()


# Every operation: 401 (no valid token), 403 (scope missing), 422, 429 (rate limit).
ALWAYS = {"401", "403", "422", "429"}
READ = ALWAYS | {"404"}
WRITE = ALWAYS | {"400", "404", "409"}
DOCUMENTED_ERRORS = {
    "post /api/v1/accounts": ALWAYS | {"400", "409"},
    "get /api/v1/accounts": ALWAYS,
    "get /api/v1/accounts/{account_id}": READ,
    "post /api/v1/accounts/{account_id}/people": WRITE,
    "get /api/v1/accounts/{account_id}/people": READ,
    "get /api/v1/people/{person_id}": READ,
    "delete /api/v1/people/{person_id}": ALWAYS | {"404", "409"},
    "get /api/v1/accounts/{account_id}/roles": READ,
    "put /api/v1/accounts/{account_id}/billing-contact": WRITE,
    "put /api/v1/people/{person_id}/account-admin": ALWAYS | {"404", "409"},
    "delete /api/v1/people/{person_id}/account-admin": ALWAYS | {"404", "409"},
    "post /api/v1/accounts/{account_id}/subscriptions": WRITE,
    "post /api/v1/accounts/{account_id}/trials": WRITE,
    "get /api/v1/accounts/{account_id}/subscriptions": READ,
    "get /api/v1/subscriptions/{subscription_id}": READ,
    "post /api/v1/subscriptions/{subscription_id}/assignments": WRITE,
    "get /api/v1/subscriptions/{subscription_id}/assignments": READ,
    "delete /api/v1/subscriptions/{subscription_id}/assignments/{person_id}": ALWAYS
    | {"404", "409"},
    # A refused card is invalid input (422), never a conflict.
    "post /api/v1/accounts/{account_id}/payment-methods": ALWAYS | {"400", "404"},
    "get /api/v1/accounts/{account_id}/payment-methods": READ,
    "get /api/v1/payment-methods/{payment_method_id}": READ,
    "get /api/v1/products": ALWAYS,
    "get /api/v1/plans": ALWAYS,
    "get /api/v1/accounts/{account_id}/invoices": READ,
    "get /api/v1/accounts/{account_id}/invoices/{invoice_id}/document": READ,
}


def test_every_operation_documents_its_errors_with_the_error_schema(openapi):
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    documented = {}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            statuses = {status for status in operation["responses"] if status >= "400"}
            documented[f"{method} {path}"] = statuses
            for status in statuses:
                assert operation["responses"][status]["content"] == error_ref

    assert documented == DOCUMENTED_ERRORS


def test_error_schema_is_documented(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["ErrorOut"]["required"] == ["error"]
    assert schemas["ErrorBody"]["required"] == ["code", "message", "details"]
    assert schemas["ErrorDetail"]["required"] == ["field", "code", "message"]


def test_money_has_a_pattern_and_enums_are_documented(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["PriceOut"]["properties"]["unit_amount"]["pattern"] == r"^-?\d+\.\d{2}$"
    assert schemas["AccountIn"]["properties"]["kind"]["enum"] == ["online", "corporate"]
    assert schemas["AccountIn"]["properties"]["currency"]["enum"] == list(SUPPORTED_CURRENCIES)
    assert schemas["BillingContactIn"]["properties"]["first_name"]["maxLength"] == 32


def test_schema_literals_match_the_settings_and_the_models():
    assert get_args(Currency) == SUPPORTED_CURRENCIES
    assert list(get_args(Language)) == [code for code, _name in settings.LANGUAGES]
    literals = {
        (AccountOut, "kind"): Account.Kind.values,
        (SubscriptionOut, "status"): Subscription.Status.values,
        (PlanRef, "tier"): Plan.Tier.values,
        (PlanRef, "interval"): Plan.Interval.values,
    }
    for (schema, field), values in literals.items():
        assert list(get_args(schema.model_fields[field].annotation)) == values, field


def test_openapi_never_offers_card_number_or_token_in_a_response(openapi):
    out = openapi["components"]["schemas"]["PaymentMethodOut"]["properties"]
    assert set(out) == {
        "id",
        "account_id",
        "kind",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "holder_name",
        "is_automatic",
        "is_default",
        "is_removed",
        "created_at",
    }


def test_the_document_states_the_rules_across_fields_and_the_enums(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["AccountIn"]["properties"]["country"]["enum"] == sorted(country_codes())
    assert schemas["SubscriptionIn"]["oneOf"] == [
        {"required": ["plan_code"], "properties": {"plan_code": {"type": "string"}}},
        {"required": ["plan_id"], "properties": {"plan_id": {"type": "integer"}}},
    ]
    assert schemas["PaymentMethodIn"]["oneOf"] == [
        {"required": ["token"], "properties": {"token": {"type": "string"}}},
        {"required": ["card"], "properties": {"card": {"type": "object"}}},
    ]
    online, corporate = schemas["AccountIn"]["allOf"]
    assert online["then"] == {"properties": {"corporate_user_id": {"type": "null"}}}
    assert corporate["then"]["properties"]["billing_contact"]["properties"]["email"] == {
        "pattern": USER_ID
    }
    assert schemas["AccountIn"]["properties"]["vat_id"]["maxLength"] == 24


def test_schema_patterns_match_the_services_and_the_settings():
    (min_length,) = [
        validator["OPTIONS"]["min_length"]
        for validator in settings.AUTH_PASSWORD_VALIDATORS
        if validator["NAME"].endswith("MinimumLengthValidator")
    ]
    assert min_length == PASSWORD_MIN_LENGTH
    assert USER_ID_RE.pattern == USER_ID
    assert Account._meta.get_field("vat_id").max_length == 24


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Ada", True),
        (" Ada ", True),
        ("", False),
        ("   ", False),
        ("\u00a0\u3000", False),
        ("\x85", False),
        ("A\tB", False),
    ],
)
def test_a_required_name_is_what_the_services_take_for_one(name, valid):
    # The services collapse whitespace (str.split) and refuse what is left empty.
    assert bool(re.match(REQUIRED_TEXT, name)) is valid
    assert (" ".join(name.split()) != "" and "\t" not in name) is valid


@pytest.mark.parametrize(
    ("address", "documented"),
    [
        ("anna.kessler@kessler-feinmechanik.de", True),
        ("o'brien+billing@example.co.uk", True),
        ("mario@caffè.it", True),
        ("ana@example.xn--p1ai", True),
        # Refused by the services (Django's EmailValidator): no top-level domain, a one-letter
        # one, a label that starts with a dash, two dots, a space, no local part.
        ("ZP@Sr", False),
        ("ana@example.c", False),
        ("ana@-example.de", False),
        ("ana..maria@example.de", False),
        ("ana maria@example.de", False),
        ("@example.de", False),
    ],
)
def test_the_documented_email_pattern_is_the_services_rule(address, documented):
    assert bool(re.match(EMAIL, address)) is documented
    try:
        clean_email(address)
        accepted = True
    except Invalid:
        accepted = False
    assert accepted is documented


def test_the_pattern_leaves_out_the_letter_that_lower_casing_lengthens():
    # "İ".lower() is two characters: a 128-character address with it would be too long for
    # the services once lower-cased (hypothesis found one).
    assert len("İ".lower()) == 2
    assert re.match(EMAIL, "ana@İstanbul.de") is None
    assert re.match(EMAIL, "ana@ıstanbul.de") is not None


def test_an_address_outside_the_pattern_is_invalid_email_and_adds_no_one(api):
    account = make_account()
    before = row_counts()

    response = api.post_json(f"/accounts/{account.pk}/people", person_payload(email="ZP@Sr"))

    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        detail("email", "invalid_email", "Enter a valid e-mail address.")
    ]
    assert row_counts() == before


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.from_regex(EMAIL, fullmatch=True).filter(lambda address: len(address) <= 128))
def test_every_address_the_document_allows_the_services_accept(address):
    # What the OpenAPI document offers is never refused as invalid_email (schemathesis sends
    # such addresses as valid input: ST202 if the services refused one).
    assert clean_email(address) == address.strip().lower()
