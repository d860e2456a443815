"""Amounts and calendar days formatted once per language and kept (``core.money.format_money``,
the ``|date`` filter of ``core.templatetags.cached_dates``): the text babel and Django make,
in every language, whatever was formatted before."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from django.template import Context
from django.template import engines as configured
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.utils import timezone, translation

from seatwise.core.languages import babel_locale
from seatwise.core.money import format_money
from seatwise.core.templatetags import cached_dates

LANGUAGES = ["en", "de", "it", "es"]
AMOUNTS = ["0", "-0.00", "12.5", "12.50", "1234.5", "-1234.56", "1E+3", "1000000.005"]


@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF"])
def test_an_amount_reads_as_babel_formats_it_in_every_language(currency):
    for _ in range(2):  # the second time from what was kept
        for language in LANGUAGES:
            for amount in map(Decimal, AMOUNTS):
                expected = format_currency(amount, currency, locale=babel_locale(language))
                assert format_money(amount, currency, language) == expected, (amount, language)


def test_equal_amounts_that_print_apart_are_kept_apart():
    assert format_money(Decimal("0"), "EUR", "de") == "0,00\xa0€"
    assert format_money(Decimal("-0"), "EUR", "de") == "-0,00\xa0€"
    assert format_money(Decimal("0"), "EUR", "en") == "€0.00"


def render(source: str, **context: object) -> str:
    engine = configured["django"].engine  # type: ignore[attr-defined]
    return engine.from_string(source).render(Context(context))


DAYS = [datetime.date(2026, 1, 5), datetime.date(2026, 12, 31), datetime.date(2000, 2, 29)]
FORMATS = ['"SHORT_DATE_FORMAT"', '"DATE_FORMAT"', '"j F Y"', '"D, d M"', ""]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_day_reads_as_djangos_filter_formats_it(language):
    with translation.override(language):
        for _ in range(2):
            for day in DAYS:
                for fmt in FORMATS:
                    argument = fmt.strip('"') or None
                    source = "{{ day|date" + (f":{fmt}" if fmt else "") + " }}"
                    assert render(source, day=day) == str(django_date(day, argument)), (day, fmt)


def test_a_time_of_day_is_formatted_by_djangos_filter_in_the_current_time_zone():
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Europe/Berlin"), translation.override("de"):
        assert render('{{ t|date:"j.n.Y H:i" }}', t=moment) == "2.3.2026 00:30"
    assert render('{{ t|date:"SHORT_DATE_FORMAT" }}', t=None) == ""


def test_the_days_are_kept_per_language_and_dropped_when_a_setting_changes():
    day = datetime.date(2026, 7, 4)
    with translation.override("de"):
        german = render('{{ day|date:"j F Y" }}', day=day)
        hits = cached_dates._kept.cache_info().hits
        assert render('{{ day|date:"j F Y" }}', day=day) == german
        assert cached_dates._kept.cache_info().hits == hits + 1  # the template's literal format
    with translation.override("it"):
        italian = render('{{ day|date:"j F Y" }}', day=day)
    assert (german, italian) == ("4 Juli 2026", "4 Luglio 2026")
    assert cached_dates._kept.cache_info().currsize > 0
    with override_settings(SHORT_DATE_FORMAT="Y"):
        assert cached_dates._kept.cache_info().currsize == 0
