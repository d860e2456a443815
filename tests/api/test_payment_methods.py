from __future__ import annotations

import json
import logging

import pytest

from seatwise.payments.models import PaymentMethod
from tests.api.conftest import NOW_JSON, detail, error, row_counts
from tests.dbdump import dump_all_rows
from tests.factories import make_account, make_card

pytestmark = pytest.mark.django_db

CARD_NUMBER = "4242424242424242"


def card(number: str = CARD_NUMBER, **changes):
    payload = {
        "number": number,
        "exp_month": 7,
        "exp_year": 2030,
        "cvc": "737",
        "holder_name": "Ada Lovelace",
    }
    payload.update(changes)
    return payload


def method_json(method: PaymentMethod, **changes):
    expected = {
        "id": method.pk,
        "account_id": method.account_id,
        "kind": "card",
        "brand": method.brand,
        "last4": method.last4,
        "exp_month": method.exp_month,
        "exp_year": method.exp_year,
        "holder_name": method.holder_name,
        "is_automatic": method.is_automatic,
        "is_default": method.is_default,
        "is_removed": method.removed_at is not None,
        "created_at": method.created_at.isoformat().replace("+00:00", "Z"),
    }
    expected.update(changes)
    return expected


def test_add_card_keeps_only_what_may_be_shown(api, frozen_now, caplog):
    # Given an account
    account = make_account()
    caplog.set_level(logging.DEBUG)

    # when the operator puts a card on file through the API
    response = api.post_json(f"/accounts/{account.pk}/payment-methods", {"card": card()})

    # then the response shows brand, last four digits, expiry, holder and flags only
    assert response.status_code == 201
    method = PaymentMethod.objects.get()
    assert response.json() == {
        "id": method.pk,
        "account_id": account.pk,
        "kind": "card",
        "brand": "visa",
        "last4": "4242",
        "exp_month": 7,
        "exp_year": 2030,
        "holder_name": "Ada Lovelace",
        "is_automatic": True,
        "is_default": True,
        "is_removed": False,
        "created_at": NOW_JSON,
    }
    # and neither the number nor the gateway's token is in the response, the database or the logs
    assert method.token.encode() not in response.content
    assert CARD_NUMBER.encode() not in response.content
    dump = dump_all_rows()
    assert CARD_NUMBER not in dump
    assert CARD_NUMBER[:12] not in dump
    assert CARD_NUMBER not in caplog.text


def test_card_number_with_spaces_is_stored_nowhere(api):
    account = make_account()

    response = api.post_json(
        f"/accounts/{account.pk}/payment-methods",
        {"card": card("5555 5555 5555 4444", holder_name="Grace Hopper")},
    )

    assert response.status_code == 201
    assert response.json()["brand"] == "mastercard"
    dump = dump_all_rows()
    assert "5555555555554444" not in dump
    assert "5555 5555 5555 4444" not in dump


def test_add_card_by_gateway_token(api, frozen_now):
    account = make_account()

    response = api.post_json(f"/accounts/{account.pk}/payment-methods", {"token": "tok_amex"})

    assert response.status_code == 201
    method = PaymentMethod.objects.get()
    assert response.json() == method_json(method, brand="amex", last4="0005", holder_name="")
    assert method.token not in response.content.decode()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"card": card("4000000000000002")},
            error(
                "card_declined",
                "The card was declined. Use another card or ask your bank.",
                [
                    detail(
                        "card",
                        "card_declined",
                        "The card was declined. Use another card or ask your bank.",
                    )
                ],
            ),
        ),
        (
            {"card": card("4242424242424241")},
            error(
                "invalid_number",
                "The card number is not valid.",
                [detail("card", "invalid_number", "The card number is not valid.")],
            ),
        ),
        (
            {"card": card(exp_year=2020)},
            error(
                "expired_card",
                "This card has expired.",
                [detail("card", "expired_card", "This card has expired.")],
            ),
        ),
        (
            {"token": "tok_unknown"},
            error(
                "unknown_token",
                "The payment gateway does not know this card token.",
                [
                    detail(
                        "token",
                        "unknown_token",
                        "The payment gateway does not know this card token.",
                    )
                ],
            ),
        ),
        (
            {"token": "tok_visa", "card": card()},
            error(
                "card_or_token",
                "Give either a card or a gateway token.",
                [detail("card", "card_or_token", "Give either a card or a gateway token.")],
            ),
        ),
        (
            {"card": card("4242-4242-4242-4242", cvc="12a", exp_month=13)},
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [
                    detail(
                        "card.number",
                        "invalid_format",
                        "The value does not have the documented format.",
                    ),
                    detail("card.exp_month", "out_of_range", "Enter a number of at most 12."),
                    detail(
                        "card.cvc",
                        "invalid_format",
                        "The value does not have the documented format.",
                    ),
                ],
            ),
        ),
    ],
    ids=["declined", "luhn", "expired", "unknown-token", "both", "schema"],
)
def test_refused_card_changes_nothing(api, payload, expected):
    account = make_account()
    before = row_counts()

    response = api.post_json(f"/accounts/{account.pk}/payment-methods", payload)

    assert (response.status_code, response.json()) == (422, expected)
    assert row_counts() == before
    assert b"4242424242424241" not in response.content
    assert b"4242-4242" not in response.content


def test_get_and_list_payment_methods(api, frozen_now):
    account = make_account()
    first = make_card(account)
    second = make_card(account, number="5555555555554444")
    make_card(make_account())  # another account's

    got = api.get_json(f"/payment-methods/{first.pk}")
    page_one = api.get_json(f"/accounts/{account.pk}/payment-methods", limit=1).json()
    page_two = api.get_json(
        f"/accounts/{account.pk}/payment-methods", limit=1, after=page_one["next_after"]
    ).json()

    first.refresh_from_db()
    assert (got.status_code, got.json()) == (200, method_json(first, is_default=False))
    assert page_one == {"items": [method_json(first, is_default=False)], "next_after": first.pk}
    assert page_two == {"items": [method_json(second)], "next_after": None}
    text = json.dumps([got.json(), page_one, page_two])
    assert first.token not in text
    assert second.token not in text


def test_unknown_payment_method_is_404(api):
    method = make_card(make_account())

    response = api.get_json(f"/payment-methods/{method.pk + 1000}")

    assert (response.status_code, response.json()) == (
        404,
        error("payment_method_not_found", "There is no payment method with this id."),
    )
