"""Storing a card or a bank account while the payment gateway does not answer, or not in time:
a clear refusal, nothing saved, nothing audited, and the page answers (never a server error).

The gateway here is the test gateway with its vault calls failing as a real gateway's do when
it is down (``GatewayUnavailable``) or stalls past the client's timeout (``GatewayTimeout``).
"""

from __future__ import annotations

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Refused
from seatwise.payments.gateways.base import GatewayTimeout, GatewayUnavailable
from seatwise.payments.gateways.test import TestGateway
from seatwise.payments.models import PaymentMethod, PaymentProfile
from seatwise.payments.profiles import DirectDebit, payment_profile_set
from seatwise.payments.services import payment_method_add
from tests.billing_center.test_self_service import card_post
from tests.factories import SYSTEM, billing_contact, make_account, make_card
from tests.payments.test_profiles import card
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db

MESSAGE = (
    "The payment service could not be reached. Nothing was saved: please try again in a few "
    "minutes."
)


class DownGateway(TestGateway):
    def store_card(self, card):
        raise GatewayUnavailable("connection refused")

    def store_bank_account(self, account, *, mandate_reference):
        raise GatewayUnavailable("connection refused")


class StalledGateway(TestGateway):
    def store_card(self, card):
        raise GatewayTimeout("no answer in time")

    def store_bank_account(self, account, *, mandate_reference):
        raise GatewayTimeout("no answer in time")


@pytest.fixture(params=["DownGateway", "StalledGateway"])
def gateway_fails(request, settings):
    """Call it to make the gateway fail from then on."""

    def fail() -> None:
        settings.SEATWISE_PAYMENT_GATEWAY = f"{__name__}.{request.param}"

    return fail


def saved() -> tuple[int, int, int]:
    return (
        PaymentMethod.objects.count(),
        PaymentProfile.objects.count(),
        AuditEntry.objects.filter(action__startswith="payment").count(),
    )


def test_a_card_is_refused_and_nothing_saved(gateway_fails):
    account = make_account(kind="online", language="en")
    gateway_fails()
    before = saved()
    with pytest.raises(Refused) as refused:
        payment_method_add(account=account, card=card("4242424242424242"), by=SYSTEM)
    assert (refused.value.code, str(refused.value.message)) == ("gateway_unavailable", MESSAGE)
    assert saved() == before


def test_a_direct_debit_is_refused_and_the_profile_unchanged(gateway_fails):
    account = make_account(kind="corporate", language="en")
    gateway_fails()
    before = saved()
    with pytest.raises(Refused) as refused:
        payment_profile_set(
            account=account,
            payment_type="direct_debit",
            debit=DirectDebit(
                iban="DE89370400440532013000",
                holder_name="Alpha Konzern AG",
                mandate_accepted=True,
            ),
            by=SYSTEM,
        )
    assert refused.value.code == "gateway_unavailable"
    assert saved() == before


def test_the_billing_center_page_says_so_and_keeps_the_card_on_file(gateway_fails, client):
    account = make_account(kind="online", language="en")
    on_file = make_card(account)
    sign_in_as(client, billing_contact(account))
    gateway_fails()
    before = saved()

    response = client.post("/billing/payment-method/", card_post("5555 5555 5555 4444"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [MESSAGE]
    assert saved() == before
    assert PaymentMethod.objects.get(account=account, is_default=True) == on_file
