"""Customer service's hours as the help articles and the portal show them: in the reader's
language, made once per language (``support.contact``)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from seatwise.support.contact import _described, parse_hours

HOURS = "mon-fri 08:00-18:00 Europe/Berlin"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Monday to Friday, 08:00–18:00 (Europe/Berlin)"),
        ("de", "Montag bis Freitag, 08:00–18:00 Uhr (Europe/Berlin)"),
        ("it", "Da lunedì a venerdì, 08:00–18:00 (Europe/Berlin)"),
        ("es", "De lunes a viernes, 08:00–18:00 (Europe/Berlin)"),
    ],
)
def test_the_hours_read_in_the_language_asked_for_or_the_active_one(language, text):
    hours = parse_hours(HOURS)
    for other in ("en", "de", "it", "es"):  # whatever language is active
        with translation.override(other):
            assert hours.describe(language) == text
    with translation.override(language):
        assert hours.describe() == text
        assert hours.describe() == text  # kept


def test_one_day_and_the_kept_texts_dropped_on_a_settings_change():
    saturday = parse_hours("sat-sat 09:00-12:00 Europe/Rome")
    assert saturday.describe("de") == "Samstag, 09:00–12:00 Uhr (Europe/Rome)"
    assert _described.cache_info().currsize > 0
    with override_settings(LANGUAGE_CODE="de"):
        assert _described.cache_info().currsize == 0
