"""Constrained field types shared by the API's schemas.

Constraints live in the types so that the OpenAPI document states them, and so that input
the database cannot store never reaches it: ids beyond a signed 64-bit integer overflow SQLite,
and PostgreSQL refuses strings with NUL characters.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from seatwise.core.countries import country_codes
from seatwise.core.money import quantize
from seatwise.core.validation import ID_MAX

# An id in a body: the range of every primary key (``core.validation.ID_MAX``).
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# No control characters (NUL included) in names and addresses.
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
# A required name: plain text with at least one character that is not whitespace as the
# services see it (``str.split``, ``core.validation.clean_text``), spelled out so that every
# regular-expression engine (pydantic's, the OpenAPI reader's) means the same.
_NOT_BLANK = r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
REQUIRED_TEXT = rf"^[^\x00-\x1f\x7f]*{_NOT_BLANK}[^\x00-\x1f\x7f]*$"
# Secrets may contain anything but NUL.
NO_NUL = r"^[^\x00]*$"
# A new password: at least PASSWORD_MIN_LENGTH characters (settings.AUTH_PASSWORD_VALIDATORS,
# a test keeps them equal), not only digits, no NUL. Whether it is too common or too close to
# the person's name is the validators' to say (422 weak_password).
PASSWORD_MIN_LENGTH = 10
PASSWORD = r"^[^\x00]*[^\x000-9][^\x00]*$"
# A Corporate Billing Portal User ID (``accounts.services.USER_ID_RE``, a test keeps them equal).
USER_ID = r"^[A-Za-z0-9._%+@-]{3,128}$"


def text(max_length: int, *, min_length: int = 0, pattern: str = PLAIN_TEXT) -> StringConstraints:
    """String constraints for ``Annotated[str, text(...)]``."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


# An e-mail address as the services accept it (``core.validation.clean_email``: Django's
# ``EmailValidator``), spelled out without look-arounds so that every regular-expression engine
# reads it alike: a dot-atom local part, then domain labels and a top-level domain of at least
# two letters (or a punycode one), Unicode letters allowed in the domain as Django allows them.
# Django's validator also accepts a quoted local part and an IP literal; the document does not
# offer them (a test keeps every address of this pattern acceptable to the services).
# Django's Unicode range for domain letters, but for U+0130 (İ): the services lower-case an
# address before they check its length, and it is the one letter that becomes two.
_DOMAIN_LETTERS = "\u00a1-\u012f\u0131-\uffff"  # not a raw string: the characters themselves
_ATOM = r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+"
_LABEL = (
    rf"[A-Za-z0-9{_DOMAIN_LETTERS}]"
    rf"(?:[A-Za-z0-9{_DOMAIN_LETTERS}-]{{0,61}}[A-Za-z0-9{_DOMAIN_LETTERS}])?"
)
_TLD = (
    rf"(?:[A-Za-z{_DOMAIN_LETTERS}][A-Za-z{_DOMAIN_LETTERS}-]{{0,61}}[A-Za-z{_DOMAIN_LETTERS}]"
    r"|xn--[A-Za-z0-9]{1,59})"
)
EMAIL = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TLD}$"
# The document states the pattern; the services check it and answer ``invalid_email``.
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=128, pattern=PLAIN_TEXT),
    Field(json_schema_extra={"format": "email", "pattern": EMAIL}),
]
Language = Literal["en", "de", "it", "es"]
# The currencies of ``seatwise.core.money.SUPPORTED_CURRENCIES`` (a test keeps them equal).
Currency = Literal["EUR", "USD", "GBP", "CHF"]


def _country_enum(schema: dict[str, Any]) -> None:
    schema["enum"] = sorted(country_codes())


# An ISO 3166-1 alpha-2 code of ``core.countries`` (CLDR's), listed in the OpenAPI document;
# ``core.validation.clean_country`` refuses any other (422 ``invalid_country``).
Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(json_schema_extra=_country_enum, description="ISO 3166-1 alpha-2, in capitals."),
]
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=256, pattern=PASSWORD),
]

MONEY_PATTERN = r"^-?\d+\.\d{2}$"
Money = Annotated[
    str,
    Field(
        pattern=MONEY_PATTERN,
        description="A decimal amount as a string, with the currency's two minor digits.",
        examples=["14.00"],
    ),
]


def money(amount: Decimal, currency: str) -> str:
    """An amount as the API writes it: rounded by Seatwise's one rule, never a float."""
    return f"{quantize(amount, currency):f}"


# A term must end within the range of dates every supported database and Python can store.
TERM_START_MIN = date(2000, 1, 1)
TERM_START_MAX = date(2099, 12, 31)


def _term_start_in_range(value: date) -> date:
    if not TERM_START_MIN <= value <= TERM_START_MAX:
        raise PydanticCustomError(
            "term_start_out_of_range", "The term starts between 2000-01-01 and 2099-12-31."
        )
    return value


TermStart = Annotated[
    date,
    AfterValidator(_term_start_in_range),
    Field(
        description="First day of the term, 2000-01-01 to 2099-12-31. Default: today.",
        # The range as a pattern of the date's text: JSON Schema has no bounds for dates.
        json_schema_extra={
            "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        },
    ),
]
