"""ECB reference rates: the import of the ECB's files, and the VAT in the national currency."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Refused
from seatwise.tax.exchange import (
    ExchangeRateMissing,
    PublishedRate,
    RatesFileInvalid,
    VatInAccountingCurrency,
    ecb_rates_read,
    national_currency,
    vat_in_accounting_currency,
)
from seatwise.tax.models import ExchangeRate
from seatwise.tax.selectors import exchange_rate_latest
from seatwise.tax.services import exchange_rates_import
from tests.tax.data import ECB_HISTORY_EXCERPT, ensure_exchange_rates

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
# The ECB's daily file: the same publication as the history's row of 2026-10-30.
DAILY = (
    "Date, USD, JPY, BGN, CZK, DKK, GBP, HUF, PLN, RON, SEK, CHF, ISK, NOK, TRY, AUD, \n"
    "30 October 2026, 1.1172, 175.68, N/A, 24.353, 7.4735, 0.8338, 366.33, 4.4038, 5.3447, "
    "10.978, 0.9194, 136, 10.312, 55.8015, 1.5904, \n"
)


def rates() -> list[tuple[str, str, str]]:
    return [
        (r.currency, r.date.isoformat(), str(r.rate))
        for r in ExchangeRate.objects.order_by("currency", "date")
    ]


def state():
    return rates(), AuditEntry.objects.count()


class TestRead:
    def test_the_history_file_gives_the_rates_seatwise_needs(self):
        with ECB_HISTORY_EXCERPT.open(encoding="utf-8", newline="") as stream:
            read = list(ecb_rates_read(stream))

        assert read[:7] == [
            PublishedRate("USD", date(2026, 3, 31), Decimal("1.1498")),
            PublishedRate("CZK", date(2026, 3, 31), Decimal("24.514")),
            PublishedRate("DKK", date(2026, 3, 31), Decimal("7.473")),
            PublishedRate("GBP", date(2026, 3, 31), Decimal("0.86833")),
            PublishedRate("HUF", date(2026, 3, 31), Decimal("384.88")),
            PublishedRate("PLN", date(2026, 3, 31), Decimal("4.289")),
            PublishedRate("RON", date(2026, 3, 31), Decimal("5.0991")),
        ]
        # 42 days × USD CZK DKK GBP HUF PLN RON SEK CHF; BGN is N/A in 2026 (the euro)
        assert len(read) == 42 * 9
        assert {r.currency for r in read} == {
            "USD",
            "CZK",
            "DKK",
            "GBP",
            "HUF",
            "PLN",
            "RON",
            "SEK",
            "CHF",
        }

    def test_the_daily_file_is_read_too(self):
        read = list(ecb_rates_read(StringIO(DAILY)))

        assert [(r.currency, r.date, r.rate) for r in read if r.currency in ("USD", "GBP")] == [
            ("USD", date(2026, 10, 30), Decimal("1.1172")),
            ("GBP", date(2026, 10, 30), Decimal("0.8338")),
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "Currency,USD\n2026-10-30,1.1\n",
            "Date,USD\n30/10/2026,1.1\n",
            "Date,USD\n2026-10-30,abc\n",
            "Date,USD\n2026-10-30,-1\n",
            "Date,USD\n2026-10-30,0\n",
        ],
    )
    def test_anything_else_is_refused(self, text):
        with pytest.raises(RatesFileInvalid):
            list(ecb_rates_read(StringIO(text)))


class TestImport:
    def test_an_import_adds_the_rates_and_one_audit_entry_per_currency(self):
        ensure_exchange_rates()

        assert ExchangeRate.objects.count() == 42 * 9
        assert exchange_rate_latest(currency="USD", on=date(2026, 3, 1)).rate == Decimal("1.1805")
        audit = AuditEntry.objects.filter(action="exchange_rates.import").order_by("id")
        assert [(e.new["currency"], e.new["added"]) for e in audit] == [
            (c, 42) for c in ["CHF", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "USD"]
        ]
        assert audit[0].new["first_date"] == "2026-02-02"
        assert audit[0].new["last_date"] == "2026-03-31"

    def test_importing_again_adds_nothing(self):
        ensure_exchange_rates()
        before = state()

        ensure_exchange_rates()

        assert state() == before

    def test_a_changed_rate_is_refused_and_nothing_is_written(self):
        ensure_exchange_rates()
        before = state()
        changed = [
            PublishedRate("USD", date(2026, 4, 1), Decimal("1.15")),
            PublishedRate("USD", date(2026, 3, 2), Decimal("1.1699")),
        ]

        with pytest.raises(Refused) as refused:
            exchange_rates_import(rates=changed, by=SYSTEM)

        assert refused.value.code == "exchange_rate_changed"
        assert state() == before

    def test_the_command_imports_a_file(self, tmp_path):
        path = tmp_path / "eurofxref.csv"
        path.write_text(DAILY, encoding="utf-8")
        out = StringIO()

        call_command("exchange_rates_import", str(path), stdout=out)
        call_command("exchange_rates_import", str(path), stdout=out)

        assert out.getvalue() == (
            "9 rates added, 0 already on record\n0 rates added, 9 already on record\n"
        )
        assert ("GBP", "2026-10-30", "0.833800") in rates()

    def test_the_command_refuses_a_file_that_is_no_rates_file(self, tmp_path):
        path = tmp_path / "other.csv"
        path.write_text("Name,Value\nx,1\n", encoding="utf-8")

        with pytest.raises(CommandError) as error:
            call_command("exchange_rates_import", str(path), stdout=io.StringIO())

        assert str(error.value) == (
            f"{path}: not an ECB reference-rate file: the first column of the header is not Date"
        )
        assert rates() == []


class TestVatInAccountingCurrency:
    @pytest.fixture(autouse=True)
    def _rates(self):
        ensure_exchange_rates()

    def test_usd_vat_of_a_german_seller_in_euro_at_the_rate_of_the_last_publication(self):
        # 2026-03-01 is a Sunday: the rate published on Friday 2026-02-27 applies
        vat = vat_in_accounting_currency(
            seller_country="DE",
            invoice_currency="USD",
            tax_category="S",
            tax_total=Decimal("1205.87"),
            on=date(2026, 3, 1),
        )

        # 1205.87 / 1.1805 = 1021.4908…
        assert vat == VatInAccountingCurrency(
            currency="EUR",
            tax_total=Decimal("1021.49"),
            exchange_rate=Decimal("1.18050000"),
            rate_date=date(2026, 2, 27),
        )

    def test_a_polish_seller_states_the_vat_of_a_euro_invoice_in_zloty(self):
        vat = vat_in_accounting_currency(
            seller_country="PL",
            invoice_currency="EUR",
            tax_category="S",
            tax_total=Decimal("100.00"),
            on=date(2026, 3, 2),
        )

        assert vat == VatInAccountingCurrency(
            currency="PLN",
            tax_total=Decimal("424.40"),
            exchange_rate=Decimal("0.23562677"),  # EUR per PLN: 1 / 4.244
            rate_date=date(2026, 3, 2),
        )

    def test_a_gbp_invoice_of_a_polish_seller_is_converted_through_the_euro(self):
        vat = vat_in_accounting_currency(
            seller_country="PL",
            invoice_currency="GBP",
            tax_category="S",
            tax_total=Decimal("87.39"),
            on=date(2026, 3, 2),
        )

        # 87.39 × 4.244 / 0.8739 = 424.40
        assert (vat.currency, vat.tax_total, vat.rate_date) == (
            "PLN",
            Decimal("424.40"),
            date(2026, 3, 2),
        )

    @pytest.mark.parametrize(
        ("seller", "currency", "category"),
        [("DE", "EUR", "S"), ("DE", "USD", "AE"), ("DE", "CHF", "O"), ("PL", "PLN", "S")],
    )
    def test_nothing_to_state(self, seller, currency, category):
        assert (
            vat_in_accounting_currency(
                seller_country=seller,
                invoice_currency=currency,
                tax_category=category,
                tax_total=Decimal("10.00"),
                on=date(2026, 3, 2),
            )
            is None
        )

    @pytest.mark.parametrize("on", [date(2026, 1, 30), date(2026, 4, 8)])
    def test_no_rate_or_a_rate_older_than_a_week_is_refused(self, on):
        # before the first day on record, and eight days after the last one
        with pytest.raises(ExchangeRateMissing) as missing:
            vat_in_accounting_currency(
                seller_country="DE",
                invoice_currency="USD",
                tax_category="S",
                tax_total=Decimal("10.00"),
                on=on,
            )

        assert (missing.value.code, missing.value.params) == (
            "exchange_rate_missing",
            {"currency": "USD", "on": on.isoformat()},
        )

    def test_a_week_old_rate_still_applies(self):
        vat = vat_in_accounting_currency(
            seller_country="DE",
            invoice_currency="USD",
            tax_category="S",
            tax_total=Decimal("11.50"),
            on=date(2026, 4, 7),
        )

        # 11.50 / 1.1498 = 10.0017…
        assert (vat.tax_total, vat.rate_date) == (Decimal("10.00"), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("country", "on", "currency"),
    [
        ("DE", date(2026, 3, 2), "EUR"),
        ("PL", date(2026, 3, 2), "PLN"),
        ("BG", date(2025, 12, 31), "BGN"),
        ("BG", date(2026, 1, 1), "EUR"),
    ],
)
def test_national_currency(country, on, currency):
    assert national_currency(country=country, on=on) == currency
