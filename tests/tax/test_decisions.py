from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from seatwise.tax.decisions import (
    OUTSIDE_SCOPE_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxDecision,
    VatRateMissing,
    tax_decision,
    vat_territory_country,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2027, 1, 17)
IT_VAT_ID = "IT00743110157"
DE_VAT_ID = "DE136695976"


@pytest.fixture(autouse=True)
def _rates():
    ensure_eu_vat_rates()


def decide(buyer_country: str, buyer_vat_id: str = "", on: date = ON, seller: str = "DE"):
    return tax_decision(
        seller_country=seller, buyer_country=buyer_country, buyer_vat_id=buyer_vat_id, on=on
    )


def test_eu_business_in_another_member_state_is_reverse_charged():
    decision = decide("IT", IT_VAT_ID)

    assert decision == TaxDecision(
        category="reverse_charge",
        rate=Decimal("0"),
        rate_country="",
        legal_note=REVERSE_CHARGE_NOTE,
        buyer_vat_id=IT_VAT_ID,
    )
    assert decision.category_code == "AE"
    assert str(decision.legal_note) == (
        "Reverse charge: VAT is due by the recipient (Article 196, Council Directive 2006/112/EC)."
    )


def test_a_vat_id_is_recognised_in_any_spelling():
    decision = decide("IT", "it 007 431 101 57")

    assert (decision.category, decision.buyer_vat_id) == ("reverse_charge", IT_VAT_ID)


def test_eu_consumer_pays_the_vat_of_their_own_country():
    decision = decide("IT")

    assert decision == TaxDecision(
        category="standard", rate=Decimal("22"), rate_country="IT", legal_note=""
    )
    assert decision.category_code == "S"


def test_an_invalid_vat_id_counts_as_none():
    decision = decide("IT", "IT00743110158")  # wrong check digit

    assert (decision.category, decision.rate, decision.rate_country, decision.buyer_vat_id) == (
        "standard",
        Decimal("22"),
        "IT",
        "",
    )


def test_a_vat_id_of_another_country_counts_as_none():
    decision = decide("IT", DE_VAT_ID)

    assert (decision.category, decision.rate, decision.buyer_vat_id) == (
        "standard",
        Decimal("22"),
        "",
    )


def test_domestic_business_pays_the_sellers_rate():
    decision = decide("DE", DE_VAT_ID)

    assert decision == TaxDecision(
        category="standard",
        rate=Decimal("19"),
        rate_country="DE",
        legal_note="",
        buyer_vat_id=DE_VAT_ID,
    )


@pytest.mark.parametrize("vat_id", ["", "CHE-116.281.710 MWST"])
def test_buyer_outside_the_eu_is_outside_the_scope(vat_id):
    decision = decide("CH", vat_id)

    assert (decision.category, decision.rate, decision.rate_country, decision.legal_note) == (
        "outside_scope",
        Decimal("0"),
        "",
        OUTSIDE_SCOPE_NOTE,
    )
    assert decision.category_code == "O"
    assert str(decision.legal_note) == "Not subject to EU VAT: service supplied outside the EU."


@pytest.mark.parametrize(
    ("on", "rate"), [(date(2024, 8, 31), Decimal("24")), (date(2024, 9, 1), Decimal("25.5"))]
)
def test_the_rate_of_the_day_of_supply(on, rate):
    assert decide("FI", on=on).rate == rate


def test_a_missing_rate_is_an_error():
    with pytest.raises(VatRateMissing) as error:
        decide("DE", on=date(2023, 12, 31))

    assert error.value.code == "vat_rate_missing"
    assert error.value.params == {"country": "DE", "on": "2023-12-31"}


def test_the_seller_must_be_in_the_eu():
    with pytest.raises(ImproperlyConfigured):
        decide("DE", seller="CH")


# --- Monaco: the French VAT territory (Art. 7) -------------------------------------------------

FR_VAT_ID = "FR40303265045"


def test_a_consumer_in_monaco_pays_french_vat():
    decision = decide("MC")

    assert decision == TaxDecision(
        category="standard", rate=Decimal("20"), rate_country="FR", legal_note=""
    )


def test_a_business_in_monaco_with_its_french_vat_id_is_reverse_charged():
    decision = decide("MC", "fr 40 303 265 045")

    assert (decision.category, decision.rate, decision.buyer_vat_id) == (
        "reverse_charge",
        Decimal("0"),
        FR_VAT_ID,
    )


def test_a_business_in_monaco_bought_from_a_french_seller_is_domestic():
    decision = decide("MC", FR_VAT_ID, seller="FR")

    assert (decision.category, decision.rate, decision.rate_country, decision.buyer_vat_id) == (
        "standard",
        Decimal("20"),
        "FR",
        FR_VAT_ID,
    )


def test_the_vat_territory_of_a_country():
    assert [vat_territory_country(c) for c in ("MC", "FR", "DE", "CH")] == ["FR", "FR", "DE", "CH"]
