"""Constrained field types shared by the API's schemas.

Constraints live in the types so that the OpenAPI document states them, and so that input
the database cannot store never reaches it: ids beyond a signed 64-bit integer overflow SQLite,
and PostgreSQL refuses strings with NUL characters.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from seatwise.core.money import quantize
from seatwise.core.validation import ID_MAX

# An id in a body: the range of every primary key (``core.validation.ID_MAX``).
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# No control characters (NUL included) in names and addresses.
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
# Secrets may contain anything but NUL.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 0, pattern: str = PLAIN_TEXT) -> StringConstraints:
    """String constraints for ``Annotated[str, text(...)]``."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=128, pattern=PLAIN_TEXT),
    Field(json_schema_extra={"format": "email"}),
]
Language = Literal["en", "de", "it", "es"]
# The currencies of ``seatwise.core.money.SUPPORTED_CURRENCIES`` (a test keeps them equal).
Currency = Literal["EUR", "USD", "GBP", "CHF"]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

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
    Field(description="First day of the term, 2000-01-01 to 2099-12-31. Default: today."),
]
