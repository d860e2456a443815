"""VAT identification numbers: format and checksum (python-stdnum), no online lookup."""

from __future__ import annotations

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumValidationError

# Greece uses the prefix EL in VAT IDs, Northern Ireland XI.
_VAT_PREFIX = {"GR": "EL"}


def vat_prefix(country: str) -> str:
    return _VAT_PREFIX.get(country, country)


def normalize_vat_id(vat_id: str, country: str) -> str | None:
    """Return the compact VAT ID (with country prefix), or None when it is not valid.

    A VAT ID must belong to the account's country. Where python-stdnum knows the country's
    format, the checksum is verified; elsewhere the compact form must be 4–20 letters/digits.
    """
    compact = "".join(ch for ch in vat_id.upper() if ch.isalnum())
    prefix = vat_prefix(country)
    if not compact.startswith(prefix):
        compact = prefix + compact
    module = get_cc_module(country.lower(), "vat")
    if module is not None:
        try:
            number = module.validate(compact)
        except StdnumValidationError:
            # Some modules expect the number without its prefix.
            try:
                number = module.validate(compact[len(prefix) :])
            except StdnumValidationError:
                return None
        number = str(number)
        return number if number.startswith(prefix) else prefix + number
    body = compact[len(prefix) :]
    if 4 <= len(body) <= 18 and body.isalnum():
        return compact
    return None
