from __future__ import annotations

from datetime import date

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.payments.services import payment_method_add
from tests.dbdump import dump_all_rows
from tests.factories import SYSTEM, make_account, make_card

pytestmark = pytest.mark.django_db
NEXT_YEAR = date.today().year + 1


def card(number: str, *, cvc: str = "123", exp_year: int = NEXT_YEAR, exp_month: int = 12):
    return CardDetails(
        number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, holder_name="Ada Lovelace"
    )


def test_card_is_stored_only_as_token_brand_last4_and_expiry():
    account = make_account()

    method = payment_method_add(account=account, card=card("4242 4242 4242 4242"), by=SYSTEM)

    assert (method.brand, method.last4, method.exp_month, method.exp_year, method.holder_name) == (
        "visa",
        "4242",
        12,
        NEXT_YEAR,
        "Ada Lovelace",
    )
    assert method.token.startswith("tok_")
    assert (method.is_automatic, method.is_default) == (True, True)
    assert method.masked == "Visa •••• 4242"


def test_neither_card_number_nor_cvc_is_anywhere_in_the_database():
    account = make_account()

    payment_method_add(account=account, card=card("5555555555554444", cvc="987"), by=SYSTEM)

    dump = dump_all_rows()
    assert "5555555555554444" not in dump
    assert "555555555555" not in dump
    assert "'987'" not in dump
    assert "'4444'" in dump  # the last four digits are kept, as the dump shows


def test_card_details_repr_hides_number_and_cvc():
    text = repr(card("4242424242424242", cvc="321"))

    assert "4242424242424242" not in text
    assert "321" not in text


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (card("4242424242424241"), "invalid_number"),  # Luhn-invalid
        (card("4000000000000002"), "card_declined"),
        (card("4000000000000069"), "expired_card"),
        (card("4000000000000127"), "incorrect_cvc"),
        (card("4242424242424242", exp_year=2020), "expired_card"),
        (card("4242424242424242", exp_month=13), "invalid_expiry"),
        (card("4242424242424242", cvc="12"), "incorrect_cvc"),
        (card("378282246310005", cvc="123"), "incorrect_cvc"),  # Amex has four digits
    ],
)
def test_refused_cards_change_nothing(details, code):
    account = make_account()
    audit_before = AuditEntry.objects.count()

    with pytest.raises(Invalid) as refusal:
        payment_method_add(account=account, card=details, by=SYSTEM)

    assert refusal.value.code == code
    assert not PaymentMethod.objects.filter(account=account).exists()
    assert AuditEntry.objects.count() == audit_before


def test_ready_made_test_token():
    method = payment_method_add(account=make_account(), token="tok_mastercard", by=SYSTEM)

    assert (method.brand, method.last4) == ("mastercard", "4444")


def test_unknown_token_is_refused():
    with pytest.raises(Invalid) as refusal:
        payment_method_add(account=make_account(), token="tok_nope", by=SYSTEM)

    assert refusal.value.code == "unknown_token"


def test_a_new_default_card_replaces_the_previous_default():
    account = make_account()
    first = make_card(account)

    second = make_card(account, "5555555555554444")

    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_one_time_card_is_not_automatic():
    method = payment_method_add(
        account=make_account(),
        card=card("4242424242424242"),
        is_automatic=False,
        make_default=False,
        by=SYSTEM,
    )

    assert (method.is_automatic, method.is_default) == (False, False)
