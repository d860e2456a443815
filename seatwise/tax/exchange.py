"""The VAT of an invoice in the seller's national currency, by the ECB's reference rates.

Council Directive 2006/112/EC, Art. 230: an invoice may be in any currency, "provided that the
amount of VAT payable or to be adjusted is expressed in the national currency of the Member
State", converted as Art. 91(2) allows: by the latest rate published by the European Central
Bank at the time VAT becomes chargeable (for a pair of currencies other than the euro, the rate
between them calculated through their euro rates). EN 16931 carries it as the VAT accounting
currency (BT-6) and the invoice total VAT amount in that currency (BT-111).

Seatwise states it when the document charges VAT (category S) in a currency other than the
seller's national one. A reverse-charge (AE) or out-of-scope (O) document states no VAT payable
by the seller, so nothing is converted. The rate is the ECB's of the issue date or the latest
published before it, and at most ``MAX_RATE_AGE_DAYS`` old: an older one means the rates are no
longer being imported, and Seatwise refuses to issue rather than convert by a stale rate. There
is never a guess.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TextIO

from django.utils.translation import gettext_lazy as _

from seatwise.core.errors import Refused
from seatwise.core.money import SUPPORTED_CURRENCIES, quantize
from seatwise.tax.selectors import exchange_rate_latest

EURO = "EUR"
# The longest gap between two ECB publications is a long holiday weekend (Good Friday to
# Easter Monday: four days); a week without a rate means the import has stopped.
MAX_RATE_AGE_DAYS = 7
# Member states outside the euro area, with their national currency. Bulgaria joined the
# euro on 1 January 2026 (the ECB quotes no BGN rate after 2025).
_NON_EURO: dict[str, tuple[str, date | None]] = {
    "BG": ("BGN", date(2026, 1, 1)),
    "CZ": ("CZK", None),
    "DK": ("DKK", None),
    "HU": ("HUF", None),
    "PL": ("PLN", None),
    "RO": ("RON", None),
    "SE": ("SEK", None),
}
# The currencies whose rates Seatwise may need: those it invoices in and the national ones.
RELEVANT_CURRENCIES = frozenset(
    {*SUPPORTED_CURRENCIES, *(currency for currency, _until in _NON_EURO.values())} - {EURO}
)
_RATE_PLACES = Decimal("0.00000001")


def national_currency(*, country: str, on: date) -> str:
    """The national currency of member state ``country`` on day ``on`` (EUR in the euro area)."""
    currency, euro_from = _NON_EURO.get(country, (EURO, None))
    if euro_from is not None and on >= euro_from:
        return EURO
    return currency


class ExchangeRateMissing(Refused):
    """No ECB reference rate of a currency on record for the day of issue (or the week
    before): the VAT cannot be stated in the national currency."""

    def __init__(self, *, currency: str, on: date) -> None:
        super().__init__(
            "exchange_rate_missing",
            _(
                "No ECB reference rate of %(currency)s is on record for this date: import the "
                "rates (manage.py exchange_rates_import)."
            )
            % {"currency": currency},
            field="currency",
            currency=currency,
            on=on.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class VatInAccountingCurrency:
    """The VAT of a document in the VAT accounting currency (EN 16931 BT-6, BT-111).

    ``exchange_rate`` is how many units of the invoice currency one unit of ``currency`` is
    worth: for the euro exactly the ECB's published rate (1 EUR = 1.0845 USD), otherwise the
    cross rate through the euro, to eight decimals. ``rate_date`` is the ECB's publication day.
    """

    currency: str
    tax_total: Decimal
    exchange_rate: Decimal
    rate_date: date


def _rate_per_euro(currency: str, on: date) -> tuple[Decimal, date | None]:
    if currency == EURO:
        return Decimal(1), None
    found = exchange_rate_latest(currency=currency, on=on)
    if found is None or (on - found.date).days > MAX_RATE_AGE_DAYS:
        raise ExchangeRateMissing(currency=currency, on=on)
    return found.rate, found.date


def vat_in_accounting_currency(
    *, seller_country: str, invoice_currency: str, tax_category: str, tax_total: Decimal, on: date
) -> VatInAccountingCurrency | None:
    """The VAT ``tax_total`` (in ``invoice_currency``) of a document issued on ``on`` in the
    national currency of the seller's member state, or None when none is to be stated (the
    same currency, or no VAT charged: see the module docstring). Raises
    ``ExchangeRateMissing`` when a rate is not on record."""
    accounting = national_currency(country=seller_country, on=on)
    if tax_category != "S" or accounting == invoice_currency:
        return None
    invoice_rate, invoice_date = _rate_per_euro(invoice_currency, on)
    accounting_rate, accounting_date = _rate_per_euro(accounting, on)
    # Both rates come from the same publication when both are there; a currency the ECB
    # stopped publishing that day would show here as two different dates: refuse it.
    dates = {day for day in (invoice_date, accounting_date) if day is not None}
    if len(dates) != 1:
        raise ExchangeRateMissing(currency=accounting, on=on)
    exchange_rate = (invoice_rate / accounting_rate).quantize(_RATE_PLACES)
    # Converted from the published rates themselves, not from the rounded cross rate.
    converted = quantize(tax_total * accounting_rate / invoice_rate, accounting)
    return VatInAccountingCurrency(
        currency=accounting, tax_total=converted, exchange_rate=exchange_rate, rate_date=dates.pop()
    )


@dataclass(frozen=True, slots=True)
class PublishedRate:
    currency: str
    date: date
    rate: Decimal


class RatesFileInvalid(ValueError):
    """The file is not in the ECB's eurofxref format."""


def _day(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d %B %Y"):  # eurofxref-hist.csv, eurofxref.csv
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    raise RatesFileInvalid(f"not a date: {text!r}")


def ecb_rates_read(
    stream: TextIO, *, currencies: frozenset[str] = RELEVANT_CURRENCIES
) -> Iterator[PublishedRate]:
    """The rates of ``currencies`` in an ECB reference-rate file: the history
    (``eurofxref-hist.csv``: ``Date,USD,JPY,…`` then ``2026-10-30,1.1172,…``) or the day's
    (``eurofxref.csv``: ``Date, USD, …`` then ``30 October 2026, 1.1172, …``). ``N/A`` (a
    currency not quoted that day) and empty cells are skipped."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if not header or header[0].strip() != "Date":
        raise RatesFileInvalid("the first column of the header is not Date")
    columns = [name.strip() for name in header]
    for row in reader:
        if not row or not row[0].strip():
            continue
        day = _day(row[0])
        for name, cell in zip(columns[1:], row[1:], strict=False):
            value = cell.strip()
            if name not in currencies or value in ("", "N/A"):
                continue
            try:
                rate = Decimal(value)
            except InvalidOperation as error:
                raise RatesFileInvalid(f"{day} {name}: not a rate: {value!r}") from error
            if not rate.is_finite() or rate <= 0:
                raise RatesFileInvalid(f"{day} {name}: not a rate: {value!r}")
            yield PublishedRate(currency=name, date=day, rate=rate)
