"""Countries as ISO 3166-1 alpha-2 codes, names from CLDR (babel) in the reader's language."""

from __future__ import annotations

from functools import cache

from babel import Locale

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


@cache
def country_codes() -> frozenset[str]:
    territories = Locale("en").territories
    # Two-letter codes are countries; numeric ones are regions. ZZ is "unknown region".
    return frozenset(
        code
        for code in territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code != "ZZ"
    )


def is_country(code: str) -> bool:
    return code in country_codes()


def country_name(code: str, language: str) -> str:
    return str(Locale.parse(language).territories.get(code, code))
