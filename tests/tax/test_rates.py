from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import IntegrityError, transaction

from seatwise.audit.models import AuditEntry
from seatwise.core.countries import EU_MEMBER_STATES
from seatwise.core.errors import Invalid, Refused
from seatwise.tax.models import VatRate
from seatwise.tax.selectors import vat_rate_on
from seatwise.tax.services import vat_rate_add
from tests.factories import SYSTEM
from tests.tax.data import MIGRATION, ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

# Every standard rate of the EU member states, checked against the European
# Commission's table: (country, percent, first day, last day or None).
EXPECTED = {
    ("AT", Decimal("20"), date(2024, 1, 1), None),
    ("BE", Decimal("21"), date(2024, 1, 1), None),
    ("BG", Decimal("20"), date(2024, 1, 1), None),
    ("CY", Decimal("19"), date(2024, 1, 1), None),
    ("CZ", Decimal("21"), date(2024, 1, 1), None),
    ("DE", Decimal("19"), date(2024, 1, 1), None),
    ("DK", Decimal("25"), date(2024, 1, 1), None),
    ("EE", Decimal("22"), date(2024, 1, 1), date(2025, 6, 30)),
    ("EE", Decimal("24"), date(2025, 7, 1), None),
    ("ES", Decimal("21"), date(2024, 1, 1), None),
    ("FI", Decimal("24"), date(2024, 1, 1), date(2024, 8, 31)),
    ("FI", Decimal("25.5"), date(2024, 9, 1), None),
    ("FR", Decimal("20"), date(2024, 1, 1), None),
    ("GR", Decimal("24"), date(2024, 1, 1), None),
    ("HR", Decimal("25"), date(2024, 1, 1), None),
    ("HU", Decimal("27"), date(2024, 1, 1), None),
    ("IE", Decimal("23"), date(2024, 1, 1), None),
    ("IT", Decimal("22"), date(2024, 1, 1), None),
    ("LT", Decimal("21"), date(2024, 1, 1), None),
    ("LU", Decimal("17"), date(2024, 1, 1), None),
    ("LV", Decimal("21"), date(2024, 1, 1), None),
    ("MT", Decimal("18"), date(2024, 1, 1), None),
    ("NL", Decimal("21"), date(2024, 1, 1), None),
    ("PL", Decimal("23"), date(2024, 1, 1), None),
    ("PT", Decimal("23"), date(2024, 1, 1), None),
    ("RO", Decimal("19"), date(2024, 1, 1), date(2025, 7, 31)),
    ("RO", Decimal("21"), date(2025, 8, 1), None),
    ("SE", Decimal("25"), date(2024, 1, 1), None),
    ("SI", Decimal("22"), date(2024, 1, 1), None),
    ("SK", Decimal("20"), date(2024, 1, 1), date(2024, 12, 31)),
    ("SK", Decimal("23"), date(2025, 1, 1), None),
}


@pytest.fixture(autouse=True)
def _rates():
    ensure_eu_vat_rates()


def _all_rows():
    return {
        (r.country, r.rate, r.valid_from, r.valid_to)
        for r in VatRate.objects.order_by("country", "valid_from")
    }


class TestShippedData:
    def test_the_migration_ships_exactly_the_expected_rates(self):
        assert _all_rows() == EXPECTED

    def test_every_member_state_has_exactly_one_rate_on_every_day_since_2024(self):
        """No gap and no overlap: the periods of each country tile [2024-01-01, ∞)."""
        for country in EU_MEMBER_STATES:
            rows = list(VatRate.objects.filter(country=country).order_by("valid_from"))
            assert rows[0].valid_from == date(2024, 1, 1), country
            for earlier, later in pairwise(rows):
                assert earlier.valid_to is not None, country
                assert later.valid_from == earlier.valid_to + timedelta(days=1), country
            assert rows[-1].valid_to is None, country

    def test_no_country_outside_the_eu(self):
        assert set(VatRate.objects.values_list("country", flat=True)) == EU_MEMBER_STATES

    def test_loading_twice_adds_nothing(self):
        from django.apps import apps

        importlib.import_module(MIGRATION).load(apps, None)

        assert VatRate.objects.count() == len(EXPECTED)


class TestRateOn:
    @pytest.mark.parametrize(
        ("country", "on", "rate"),
        [
            ("FI", date(2024, 8, 31), Decimal("24")),
            ("FI", date(2024, 9, 1), Decimal("25.5")),
            ("EE", date(2025, 6, 30), Decimal("22")),
            ("EE", date(2025, 7, 1), Decimal("24")),
            ("RO", date(2025, 7, 31), Decimal("19")),
            ("RO", date(2025, 8, 1), Decimal("21")),
            ("SK", date(2024, 12, 31), Decimal("20")),
            ("SK", date(2025, 1, 1), Decimal("23")),
            ("DE", date(2099, 12, 31), Decimal("19")),
        ],
    )
    def test_the_rate_valid_on_the_day(self, country, on, rate):
        assert vat_rate_on(country=country, on=on).rate == rate

    def test_no_rate_before_the_data_starts(self):
        assert vat_rate_on(country="DE", on=date(2023, 12, 31)) is None

    def test_no_rate_outside_the_eu(self):
        assert vat_rate_on(country="CH", on=date(2027, 1, 1)) is None


class TestVatRateAdd:
    def test_supersede_closes_the_open_rate_the_day_before(self):
        new = vat_rate_add(
            country="DE",
            rate=Decimal("21.00"),
            valid_from=date(2030, 1, 1),
            supersede=True,
            by=SYSTEM,
        )

        old = VatRate.objects.get(country="DE", valid_from=date(2024, 1, 1))
        assert (old.rate, old.valid_to) == (Decimal("19"), date(2029, 12, 31))
        assert (new.rate, new.valid_from, new.valid_to) == (Decimal("21"), date(2030, 1, 1), None)
        assert vat_rate_on(country="DE", on=date(2029, 12, 31)).rate == Decimal("19")
        assert vat_rate_on(country="DE", on=date(2030, 1, 1)).rate == Decimal("21")
        assert list(
            AuditEntry.objects.filter(object_type="tax.vatrate")
            .order_by("pk")
            .values_list("action", flat=True)
        ) == ["vat_rate.close", "vat_rate.add"]

    def test_an_overlapping_period_is_refused_and_nothing_changes(self):
        before = _all_rows()

        with pytest.raises(Refused) as refusal:
            vat_rate_add(country="DE", rate=Decimal("21"), valid_from=date(2030, 1, 1), by=SYSTEM)

        assert refusal.value.code == "vat_rate_overlap"
        assert _all_rows() == before
        assert not AuditEntry.objects.filter(object_type="tax.vatrate").exists()

    def test_supersede_never_rewrites_a_closed_period(self):
        before = _all_rows()

        with pytest.raises(Refused) as refusal:
            vat_rate_add(
                country="FI",
                rate=Decimal("25"),
                valid_from=date(2024, 6, 1),
                supersede=True,
                by=SYSTEM,
            )

        assert refusal.value.code == "vat_rate_overlap"
        assert _all_rows() == before

    @pytest.mark.parametrize(
        ("kwargs", "code"),
        [
            ({"country": "CH", "rate": Decimal("8.1")}, "vat_rate_not_eu"),
            ({"country": "DE", "rate": Decimal("100.01")}, "vat_rate_invalid"),
            ({"country": "DE", "rate": Decimal("-1")}, "vat_rate_invalid"),
            ({"country": "DE", "rate": Decimal("19.005")}, "vat_rate_invalid"),
            (
                {"country": "DE", "rate": Decimal("19"), "valid_to": date(2029, 12, 31)},
                "vat_rate_period_invalid",
            ),
        ],
    )
    def test_invalid_input_is_refused_and_nothing_changes(self, kwargs, code):
        before = _all_rows()

        with pytest.raises(Invalid) as refusal:
            vat_rate_add(valid_from=date(2030, 1, 1), by=SYSTEM, **kwargs)

        assert refusal.value.code == code
        assert _all_rows() == before


class TestDatabaseConstraints:
    @pytest.mark.parametrize(
        "fields",
        [
            {"country": "DE", "rate": Decimal("100.01"), "valid_from": date(2031, 1, 1)},
            {"country": "DE", "rate": Decimal("-0.01"), "valid_from": date(2031, 1, 1)},
            {
                "country": "DE",
                "rate": Decimal("19"),
                "valid_from": date(2031, 1, 1),
                "valid_to": date(2030, 12, 31),
            },
            {"country": "de", "rate": Decimal("19"), "valid_from": date(2031, 1, 1)},
            # Same country and first day as a shipped row.
            {"country": "DE", "rate": Decimal("19"), "valid_from": date(2024, 1, 1)},
        ],
    )
    def test_refuses_rows_that_break_a_constraint(self, fields):
        count = VatRate.objects.count()

        with pytest.raises(IntegrityError), transaction.atomic():
            VatRate.objects.create(**fields)

        assert VatRate.objects.count() == count
