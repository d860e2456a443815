"""A double-submitted card form stores one card (payments.services.payment_method_add with an
``idempotency_key``; the Billing Center's Payment Method form carries one)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, TestGatewayCard
from seatwise.payments.services import payment_method_add
from tests.dbdump import dump_all_rows
from tests.factories import SYSTEM, billing_contact, make_account, make_card
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db
NEXT_YEAR = date.today().year + 1
KEY = "3f2a9c1e5b7d4a60b8c2e4f6a8b0c1d2"


def card(number: str = "4242424242424242", *, holder: str = "Ada Lovelace") -> CardDetails:
    return CardDetails(
        number=number, exp_month=12, exp_year=NEXT_YEAR, cvc="123", holder_name=holder
    )


def adds(account) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(account_id=account.pk, action="payment_method.add").order_by("pk")
    )


def test_the_same_key_twice_stores_one_card_and_returns_it():
    account = make_account()

    first = payment_method_add(account=account, card=card(), by=SYSTEM, idempotency_key=KEY)
    second = payment_method_add(account=account, card=card(), by=SYSTEM, idempotency_key=KEY)

    assert second.pk == first.pk
    assert list(PaymentMethod.objects.filter(account=account).values_list("pk", flat=True)) == [
        first.pk
    ]
    assert [entry.object_id for entry in adds(account)] == [str(first.pk)]
    # The repeat did not reach the gateway: its vault holds one card.
    assert TestGatewayCard.objects.count() == 1


def test_another_card_under_a_used_key_is_refused_and_changes_nothing():
    account = make_account()
    first = payment_method_add(account=account, card=card(), by=SYSTEM, idempotency_key=KEY)
    before = dump_all_rows()

    with pytest.raises(Refused) as refusal:
        payment_method_add(
            account=account, card=card("5555555555554444"), by=SYSTEM, idempotency_key=KEY
        )

    assert (refusal.value.code, refusal.value.field) == (
        "idempotency_key_reused",
        "idempotency_key",
    )
    assert str(refusal.value.message) == (
        "This form was already used to add a card. Reload the page to add another card."
    )
    assert dump_all_rows() == before
    first.refresh_from_db()
    assert first.is_default is True


def test_other_flags_under_a_used_key_are_refused():
    account = make_account()
    payment_method_add(account=account, card=card(), by=SYSTEM, idempotency_key=KEY)

    with pytest.raises(Refused):
        payment_method_add(
            account=account,
            card=card(),
            by=SYSTEM,
            idempotency_key=KEY,
            is_automatic=False,
            make_default=False,
        )

    assert PaymentMethod.objects.filter(account=account).count() == 1


def test_a_key_belongs_to_one_account():
    one, other = make_account(), make_account()

    a = payment_method_add(account=one, card=card(), by=SYSTEM, idempotency_key=KEY)
    b = payment_method_add(account=other, card=card(), by=SYSTEM, idempotency_key=KEY)

    assert a.pk != b.pk
    assert (a.account_id, b.account_id) == (one.pk, other.pk)


def test_a_token_under_the_same_key_twice_stores_one_card():
    account = make_account()

    first = payment_method_add(account=account, token="tok_visa", by=SYSTEM, idempotency_key=KEY)
    second = payment_method_add(account=account, token="tok_visa", by=SYSTEM, idempotency_key=KEY)

    assert second.pk == first.pk
    assert len(adds(account)) == 1


def test_without_a_key_each_call_stores_a_card():
    account = make_account()

    payment_method_add(account=account, card=card(), by=SYSTEM)
    payment_method_add(account=account, card=card(), by=SYSTEM)

    assert PaymentMethod.objects.filter(account=account).count() == 2


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space in it", "ünïcödé-key-123"])
def test_a_malformed_key_is_refused_before_the_gateway_is_called(key):
    account = make_account()

    with pytest.raises(Invalid) as refusal:
        payment_method_add(account=account, card=card(), by=SYSTEM, idempotency_key=key)

    assert (refusal.value.code, refusal.value.field) == (
        "idempotency_key_invalid",
        "idempotency_key",
    )
    assert TestGatewayCard.objects.count() == 0
    assert not PaymentMethod.objects.filter(account=account).exists()


def test_the_key_stores_no_card_number():
    account = make_account()

    payment_method_add(
        account=account, card=card("5555555555554444"), by=SYSTEM, idempotency_key=KEY
    )

    dump = dump_all_rows()
    assert "5555555555554444" not in dump
    assert "555555555555" not in dump


class TestBillingCenterForm:
    def _form_key(self, client) -> str:
        html = client.get("/billing/payment-method/").content.decode()
        match = re.search(r'<input type="hidden" name="form_key" value="([0-9a-f]{32})"', html)
        assert match is not None
        return match.group(1)

    def _post(self, client, key: str, number: str = "5555 5555 5555 4444"):
        return client.post(
            "/billing/payment-method/",
            {
                "card_number": number,
                "exp_month": "11",
                "exp_year": str(NEXT_YEAR),
                "cvc": "321",
                "holder_name": "Bill Contact",
                "form_key": key,
            },
        )

    def test_each_showing_of_the_form_carries_a_new_key(self, client):
        account = make_account(kind="online", language="en")
        sign_in_as(client, billing_contact(account))

        assert self._form_key(client) != self._form_key(client)

    def test_a_double_submitted_form_stores_one_card_with_one_audit_entry(self, client):
        account = make_account(kind="online", language="en")
        old = make_card(account)
        sign_in_as(client, billing_contact(account))
        key = self._form_key(client)

        first = self._post(client, key)
        second = self._post(client, key)

        assert (first.status_code, first["Location"]) == (302, "/billing/payment-method/")
        assert (second.status_code, second["Location"]) == (302, "/billing/payment-method/")
        new = PaymentMethod.objects.filter(account=account).exclude(pk=old.pk)
        assert [(m.brand, m.last4, m.exp_month, m.is_default) for m in new] == [
            ("mastercard", "4444", 11, True)
        ]
        assert [entry.object_id for entry in adds(account)] == [str(old.pk), str(new[0].pk)]

    def test_another_card_in_a_used_form_is_refused_with_a_message(self, client):
        account = make_account(kind="online", language="en")
        sign_in_as(client, billing_contact(account))
        key = self._form_key(client)
        self._post(client, key)

        response = self._post(client, key, number="4242 4242 4242 4242")

        assert response.status_code == 200
        assert (
            "This form was already used to add a card. Reload the page to add another card."
            in response.content.decode()
        )
        assert [m.last4 for m in PaymentMethod.objects.filter(account=account)] == ["4444"]


@pytest.mark.django_db(transaction=True)
def test_ten_submissions_at_once_under_one_key_store_one_card():
    import threading

    from django.db import close_old_connections, connections

    account = make_account()
    barrier = threading.Barrier(10)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            method = payment_method_add(
                account=account, card=card(), by=SYSTEM, idempotency_key=KEY
            )
            with lock:
                results.append(method.pk)
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert errors == []
    [stored] = PaymentMethod.objects.filter(account=account)
    assert results == [stored.pk] * 10
    assert [entry.object_id for entry in adds(account)] == [str(stored.pk)]
