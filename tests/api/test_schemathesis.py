"""Property-based: whatever schemathesis sends, valid by the OpenAPI document or not, the API
never answers with a server error; and the document states every rule the API enforces.

Given a database with two accounts, people, a subscription with an assignment and a card on
file, and path ids that name those objects half of the time, when schemathesis calls every
operation with generated input (positive and negative), then no response is a 5xx; and every
request valid by the document (positive) is accepted (no 400 or 422: ``positive_data_acceptance``)
with a documented status and a body of the documented schema. The only 422s a valid request
may get are the services' refusals that no JSON Schema can state (``UNSTATABLE_REFUSALS``).

The schemathesis pytest plugin (``from_fixture``) does not run under pytest 9, so the test
drives the generation itself through schemathesis' Python API: one Hypothesis run per
operation and generation mode, against the real WSGI application.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from seatwise.invoicing.services import invoice_issue
from seatwise.subscriptions.services import license_assign
from tests.factories import SYSTEM, make_account, make_card, make_person, make_subscription
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

EXAMPLES_PER_OPERATION_AND_MODE = 25

# The refusals (422 codes, docs/api.md) of a valid request that the OpenAPI document cannot
# state: checksums, what the payment gateway decides, what the password validators find too
# common, and whether an id in the body names an object. Everything else it states.
_CARD_REFUSED = {
    "invalid_number",
    "invalid_expiry",
    "expired_card",
    "incorrect_cvc",
    "card_declined",
    "unknown_token",
}
UNSTATABLE_REFUSALS: dict[str, set[str]] = {
    "POST /api/v1/accounts": {"invalid_vat_id", "weak_password"},
    "POST /api/v1/accounts/{account_id}/people": {"weak_password"},
    "PUT /api/v1/accounts/{account_id}/billing-contact": {"unknown_person"},
    "POST /api/v1/accounts/{account_id}/subscriptions": {"unknown_plan"},
    "POST /api/v1/accounts/{account_id}/trials": {"unknown_plan"},
    "POST /api/v1/subscriptions/{subscription_id}/assignments": {"unknown_person"},
    "POST /api/v1/accounts/{account_id}/payment-methods": _CARD_REFUSED,
}


def valid_request_accepted(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """``positive_data_acceptance``, but for the operation's ``UNSTATABLE_REFUSALS``."""
    if response.status_code == 422:
        code = response.json()["error"]["code"]
        if code in UNSTATABLE_REFUSALS.get(case.operation.label, set()):
            return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """A call through the real WSGI handler ends with ``request_finished``, whose handler
    closes a connection that is inside a transaction: the test's own. Django's test client
    disconnects it for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def existing_ids(db: None) -> dict[str, list[int]]:
    account = make_account(kind="corporate")
    other = make_account()
    people = [make_person(account), make_person(account, admin=True), make_person(other)]
    subscription = make_subscription(account, seats=2)
    license_assign(subscription=subscription, person=people[0], by=SYSTEM)
    card = make_card(account)
    ensure_eu_vat_rates()
    invoice = invoice_issue(
        account=account, lines=[five_seats()], tax=GERMAN_VAT, source="renewal", by=SYSTEM
    )
    return {
        "account_id": [account.pk, other.pk],
        "person_id": [person.pk for person in people],
        "subscription_id": [subscription.pk],
        "payment_method_id": [card.pk],
        "invoice_id": [invoice.pk],
    }


def _run_operation(
    operation: Any,
    mode: GenerationMode,
    auth_header: dict[str, str],
    existing_ids: dict[str, list[int]],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, data: st.DataObject) -> None:
        for name in list(case.path_parameters or {}):
            # Half of the time, an object that exists, so that the operation gets past 404.
            if name in existing_ids and data.draw(st.booleans(), label=f"existing {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(existing_ids[name]))
        response = case.call(headers=auth_header)
        checks = [not_a_server_error]
        if mode is GenerationMode.POSITIVE:
            checks += [valid_request_accepted, status_code_conformance, response_schema_conformance]
        case.validate_response(response, checks=checks)

    run()


def test_no_request_makes_the_api_fail_and_every_valid_one_is_accepted(
    keep_test_connection: None,
    existing_ids: dict[str, list[int]],
    auth_header: dict[str, str],
    settings: Any,
) -> None:
    # The test's token (every scope) makes about a thousand requests a minute.
    settings.SEATWISE_API_RATE_LIMIT = 0
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 25

    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run_operation(operation, mode, auth_header, existing_ids)
            # Collect them all: one report lists every operation. A check's failures are a
            # FailureGroup, which is a BaseExceptionGroup.
            except (Exception, FailureGroup) as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert failures == []
