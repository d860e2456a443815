"""Money: ``Decimal`` amounts with a currency code, one rounding rule, locale formatting.

The rounding rule (documented in docs/ARCHITECTURE.md): amounts are rounded once per line to
the currency's minor unit, half up (ROUND_HALF_UP), and totals are sums of rounded lines.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel.numbers import format_currency, get_currency_precision

from seatwise.core.languages import babel_locale

SUPPORTED_CURRENCIES = ("EUR", "USD", "GBP", "CHF")


@cache
def minor_unit(currency: str) -> Decimal:
    """The currency's minor unit (0.01 for EUR): babel's table, which does not change while
    the process runs, looked up once per currency (a bill run rounds thousands of amounts)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """The single rounding rule of Seatwise: half up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """Format for display in the reader's locale: de ``1.234,50 €``, en ``€1,234.50``."""
    # By the amount's text: two equal amounts may still print apart (-0 and 0).
    return _formatted(str(amount), currency, language)


@lru_cache(maxsize=4096)
def _formatted(amount: str, currency: str, language: str) -> str:
    """babel's formatting (15-20 µs), kept for the amounts that recur: a plan's price on every
    page that lists it."""
    return str(format_currency(Decimal(amount), currency, locale=babel_locale(language)))
