"""The locale each interface language (settings.LANGUAGES) formats dates, numbers and money
with: English as written in Ireland (the euro, day before month). A new language adds its
line here."""

from __future__ import annotations

BABEL_LOCALES = {"en": "en_IE", "de": "de_DE", "it": "it_IT", "es": "es_ES"}


def babel_locale(language: str) -> str:
    """The babel locale of ``language`` ("de" → "de_DE"); an unknown code as it is."""
    return BABEL_LOCALES.get(language, language)
