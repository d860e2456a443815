"""Input checks shared by the services. Each raises ``Invalid`` with a translated message."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from seatwise.core.countries import is_country
from seatwise.core.errors import Invalid
from seatwise.core.money import SUPPORTED_CURRENCIES
from seatwise.core.vat import normalize_vat_id

# The largest id a primary key holds: a signed 64-bit integer (``BigAutoField``: bigint on
# PostgreSQL, INTEGER on SQLite). A larger number is no id; handed to the database it can
# overflow the query, a server error (Django turns an exact lookup of it into "no row", but not
# an ``IN`` list), so every id that comes from outside (a URL, a form, a query string, the API)
# is checked against this first.
ID_MAX = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A positive id written in ASCII digits, or None when ``value`` is malformed or beyond
    what an id can be (no sign, no spaces, no other digits than 0-9: ``int()`` would take
    "+1", " 1", "1_000" and "١٢")."""
    if not isinstance(value, str):
        return None
    if not (0 < len(value) <= len(str(ID_MAX)) and value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


# Unicode's explicit bidirectional formatting characters (UAX #9): the embeddings and overrides
# U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E, U+200F and U+061C. They are
# invisible and reorder the text around them wherever it is shown (a page, an e-mail, a PDF, a
# terminal), so that a name, an address or an invoice line can be made to read as something
# else. No text typed into Seatwise needs them: a browser lays out right-to-left names itself.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
)


def check_characters(value: str, *, field: str, multiline: bool = False) -> None:
    """Refuse the characters that text a person types must not hold: control characters (line
    breaks and tabs excepted in ``multiline`` text) and the bidirectional formatting characters
    (``BIDI_CONTROLS``). Every free text Seatwise stores goes through this, in the service that
    stores it, so that the portals' forms and the API refuse alike, with a translated message
    next to the field, and nothing is written."""
    allowed = "\n\r\t" if multiline else ""
    if any(ord(ch) < 32 and ch not in allowed for ch in value):
        raise Invalid("invalid_characters", _("Remove the control characters."), field=field)
    if not BIDI_CONTROLS.isdisjoint(value):
        raise Invalid(
            "text_direction_characters",
            _("Remove the invisible characters that change the direction of the text."),
            field=field,
        )


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """One line of text (a name, an address line, a number): runs of white space made single
    spaces, at most ``max_length`` characters, no control or text-direction characters."""
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise Invalid("required", _("This field is required."), field=field)
    if len(cleaned) > max_length:
        raise Invalid(
            "too_long",
            _("Use at most %(max)d characters.") % {"max": max_length},
            field=field,
        )
    check_characters(cleaned, field=field)
    return cleaned


def clean_message(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """Text of several lines (a message, a note): stripped, at most ``max_length`` characters,
    line breaks and tabs kept, no other control characters and no text-direction characters."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise Invalid("required", _("This field is required."), field=field)
    if len(cleaned) > max_length:
        raise Invalid(
            "too_long",
            _("Use at most %(max)d characters.") % {"max": max_length},
            field=field,
        )
    check_characters(cleaned, field=field, multiline=True)
    return cleaned


def clean_email(value: str, *, field: str = "email", max_length: int = 128) -> str:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        raise Invalid("required", _("This field is required."), field=field)
    if len(cleaned) > max_length:
        raise Invalid(
            "too_long", _("Use at most %(max)d characters.") % {"max": max_length}, field=field
        )
    try:
        validate_email(cleaned)
    except ValidationError:
        raise Invalid("invalid_email", _("Enter a valid e-mail address."), field=field) from None
    return cleaned


def clean_language(value: str, *, field: str = "language") -> str:
    if value not in {code for code, _name in settings.LANGUAGES}:
        raise Invalid(
            "invalid_language", _("Choose one of English, German, Italian or Spanish."), field=field
        )
    return value


def clean_country(value: str, *, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if not is_country(code):
        raise Invalid("invalid_country", _("Enter a two-letter ISO country code."), field=field)
    return code


def clean_currency(value: str, *, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if code not in SUPPORTED_CURRENCIES:
        raise Invalid(
            "unsupported_currency",
            _("Choose one of the supported currencies: %(list)s.")
            % {"list": ", ".join(SUPPORTED_CURRENCIES)},
            field=field,
        )
    return code


def clean_vat_id(value: str, *, country: str, field: str = "vat_id") -> str:
    if not (value or "").strip():
        return ""
    normalized = normalize_vat_id(value, country)
    if normalized is None:
        raise Invalid(
            "invalid_vat_id",
            _("This is not a valid VAT ID for the account's country."),
            field=field,
        )
    return normalized
