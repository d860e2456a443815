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


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise Invalid("required", _("This field is required."), field=field)
    if len(cleaned) > max_length:
        raise Invalid(
            "too_long",
            _("Use at most %(max)d characters.") % {"max": max_length},
            field=field,
        )
    if any(ord(ch) < 32 for ch in cleaned):
        raise Invalid("invalid_characters", _("Remove the control characters."), field=field)
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
