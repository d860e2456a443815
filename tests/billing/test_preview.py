"""Previews read the catalog price in the account's currency and the account's VAT."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from seatwise.catalog.models import Price
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.seller import account_tax_decision, seller
from seatwise.pricing.lines import preview_plan_change, preview_seat_addition
from tests.factories import make_account, make_subscription, plan
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2027, 1, 17)


@pytest.fixture(autouse=True)
def _rates():
    ensure_eu_vat_rates()


def german_subscription(**kwargs):
    account = make_account(country="DE", currency="EUR", **kwargs)
    return make_subscription(
        account, seats=10, plan_code="goto-meeting-standard-monthly", term_start=date(2027, 1, 1)
    )


def preview_unit(subscription):
    return Price.objects.get(
        plan=subscription.plan, currency=subscription.account.currency
    ).unit_amount


class TestSeatAddition:
    def test_preview_of_ten_seats_for_a_german_consumer(self):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        preview = preview_seat_addition(subscription=subscription, seats_to_add=10, on=ON, tax=tax)

        assert preview.effective == "now"
        [line] = preview.lines
        assert (line.kind, line.plan_code, line.quantity, line.unit_amount) == (
            "seats_added",
            "goto-meeting-standard-monthly",
            10,
            Decimal("14.00"),
        )
        assert (line.period_start, line.period_end, line.days, line.term_days) == (
            ON,
            date(2027, 2, 1),
            15,
            31,
        )
        assert (preview.totals.net, preview.totals.tax, preview.totals.gross) == (
            Decimal("67.74"),
            Decimal("12.87"),
            Decimal("80.61"),
        )
        assert preview.totals.tax_decision.rate_country == "DE"

    def test_preview_in_the_accounts_currency(self):
        """USD price of the standard monthly plan: 15.00 (the catalog lists 14 × 1.10 in whole
        dollars)."""
        account = make_account(country="US", currency="USD")
        subscription = make_subscription(account, seats=1, term_start=date(2027, 1, 1))
        tax = account_tax_decision(account=account, on=ON)
        assert preview_unit(subscription) == Decimal("15.00")

        preview = preview_seat_addition(subscription=subscription, seats_to_add=31, on=ON, tax=tax)

        # 15.00 × 31 × 15 / 31 = 225.00, outside the EU: no VAT.
        assert (preview.totals.currency, preview.totals.net, preview.totals.gross) == (
            "USD",
            Decimal("225.00"),
            Decimal("225.00"),
        )
        assert preview.totals.tax_decision.category == "outside_scope"

    def test_reverse_charge_for_an_italian_business(self):
        account = make_account(country="IT", language="it", vat_id="IT00743110157")
        subscription = make_subscription(account, seats=10, term_start=date(2027, 1, 1))
        tax = account_tax_decision(account=account, on=ON)

        preview = preview_seat_addition(subscription=subscription, seats_to_add=10, on=ON, tax=tax)

        assert (preview.totals.net, preview.totals.tax, preview.totals.gross) == (
            Decimal("67.74"),
            Decimal("0.00"),
            Decimal("67.74"),
        )
        assert preview.totals.tax_decision.category == "reverse_charge"

    @pytest.mark.parametrize("seats", [0, -1, True, 9_991])
    def test_refuses_a_seat_count_out_of_range(self, seats):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        with pytest.raises(Invalid) as refusal:
            preview_seat_addition(subscription=subscription, seats_to_add=seats, on=ON, tax=tax)

        assert refusal.value.code == "invalid_seats"

    @pytest.mark.parametrize("on", [date(2026, 12, 31), date(2027, 2, 1)])
    def test_refuses_a_day_outside_the_term(self, on):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        with pytest.raises(Refused) as refusal:
            preview_seat_addition(subscription=subscription, seats_to_add=1, on=on, tax=tax)

        assert refusal.value.code == "outside_term"

    def test_refuses_when_the_plan_lost_its_price(self):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)
        Price.objects.filter(plan=subscription.plan, currency="EUR").delete()

        with pytest.raises(Refused) as refusal:
            preview_seat_addition(subscription=subscription, seats_to_add=1, on=ON, tax=tax)

        assert refusal.value.code == "no_price_in_currency"


class TestPlanChange:
    def test_upgrade_now(self):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        preview = preview_plan_change(
            subscription=subscription,
            new_plan=plan("goto-meeting-business-monthly"),
            on=ON,
            tax=tax,
        )

        assert preview.effective == "now"
        assert [(x.kind, x.amount) for x in preview.lines] == [
            ("plan_credit", Decimal("-67.74")),
            ("plan_charge", Decimal("91.94")),
        ]
        assert (preview.totals.net, preview.totals.tax, preview.totals.gross) == (
            Decimal("24.20"),
            Decimal("4.60"),
            Decimal("28.80"),
        )

    @pytest.mark.parametrize(
        "new_plan", ["goto-meeting-business-yearly", "goto-meeting-standard-yearly"]
    )
    def test_interval_change_at_renewal(self, new_plan):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        preview = preview_plan_change(
            subscription=subscription, new_plan=plan(new_plan), on=ON, tax=tax
        )

        assert (preview.effective, preview.lines, preview.totals.gross) == (
            "at_renewal",
            (),
            Decimal("0.00"),
        )

    def test_downgrade_at_renewal(self):
        account = make_account()
        subscription = make_subscription(
            account, plan_code="goto-meeting-business-monthly", term_start=date(2027, 1, 1)
        )
        tax = account_tax_decision(account=account, on=ON)

        preview = preview_plan_change(
            subscription=subscription,
            new_plan=plan("goto-meeting-standard-monthly"),
            on=ON,
            tax=tax,
        )

        assert (preview.effective, preview.lines) == ("at_renewal", ())

    @pytest.mark.parametrize(
        ("new_plan", "code"),
        [
            ("goto-webinar-business-monthly", "plan_of_other_product"),
            ("goto-meeting-standard-monthly", "same_plan"),
        ],
    )
    def test_refuses_a_plan_that_is_no_change(self, new_plan, code):
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)

        with pytest.raises(Refused) as refusal:
            preview_plan_change(subscription=subscription, new_plan=plan(new_plan), on=ON, tax=tax)

        assert refusal.value.code == code


class TestSeller:
    def test_the_default_seller_is_german(self):
        assert (seller().country, seller().vat_id) == ("DE", "DE136695976")

    def test_the_sellers_country_decides_what_is_domestic(self):
        french_business = make_account(country="FR", language="en", vat_id="FR40303265045")
        settings_fr = {
            "name": "Seatwise SAS",
            "address_lines": ["1 rue de Rivoli", "75001 Paris"],
            "country": "FR",
            "vat_id": "FR40303265045",
            "email": "billing@seatwise.test",
            "iban": "FR1420041010050500013M02606",
        }

        with override_settings(SEATWISE_SELLER=settings_fr):
            decision = account_tax_decision(account=french_business, on=ON)

        assert (decision.category, decision.rate, decision.rate_country) == (
            "standard",
            Decimal("20"),
            "FR",
        )
