"""Article 003's automatic payment method is the account's Payment Profile: Add Seats, the
checkout and Place Service Order refuse an account whose profile is not a card
(``ordering.services._check_card_profile``), and change nothing."""

from __future__ import annotations

import pytest

from seatwise.core.errors import Refused
from seatwise.ordering.services import add_seats_check, service_order_place
from seatwise.payments.profiles import payment_profile_set
from tests.factories import SYSTEM
from tests.ordering.helpers import checkout, corporate, quote_for, state

pytestmark = pytest.mark.django_db


def test_add_seats_is_refused_while_the_profile_is_bank_transfer():
    c = corporate(language="en")
    add_seats_check(account=c.account)  # a card: eligible
    payment_profile_set(account=c.account, payment_type="bank_transfer", by=SYSTEM)

    with pytest.raises(Refused) as refused:
        add_seats_check(account=c.account)

    assert (refused.value.code, refused.value.field) == (
        "payment_profile_not_card",
        "payment_method",
    )
    assert str(refused.value.message) == (
        "Adding seats needs an automatic payment method: a credit or debit card. Your Payment "
        "Profile is Bank transfer. Choose Credit/Debit Card on the Payment Profile tab (Edit), "
        "then Add Seats again."
    )


def test_the_checkout_and_placing_are_refused_after_a_change_to_check():
    # given a draft order saved while the account paid by card
    c = corporate(language="en")
    order = checkout(quote_for(c), c)
    # when the profile becomes check
    payment_profile_set(account=c.account, payment_type="check", by=SYSTEM)
    before = state()
    # then neither the checkout nor Place Service Order goes on, and nothing changes
    with pytest.raises(Refused) as at_checkout:
        checkout(order.quote, c)
    with pytest.raises(Refused) as at_place:
        service_order_place(order=order, by=SYSTEM)
    assert (at_checkout.value.code, at_place.value.code) == (
        "payment_profile_not_card",
        "payment_profile_not_card",
    )
    assert state() == before


def test_back_to_card_makes_the_account_eligible_again():
    c = corporate(language="en")
    payment_profile_set(account=c.account, payment_type="check", by=SYSTEM)
    payment_profile_set(account=c.account, payment_type="card", by=SYSTEM)

    add_seats_check(account=c.account)  # no refusal
