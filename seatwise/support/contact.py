"""How customers reach customer service: the contact options at the end of every help article
and on the pages that send people to customer service.

The e-mail address, the phone number and the hours come from settings
(``SEATWISE_SUPPORT_EMAIL``, ``SEATWISE_SUPPORT_PHONE``, ``SEATWISE_SUPPORT_HOURS``); the hours
are shown in the reader's language (day names by babel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache

from babel.dates import get_day_names
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS_RE = re.compile(
    r"^(?P<first>[a-z]{3})-(?P<last>[a-z]{3})\s+(?P<open>\d{2}:\d{2})-(?P<close>\d{2}:\d{2})"
    r"\s+(?P<zone>\S+)$"
)


@dataclass(frozen=True, slots=True)
class SupportHours:
    first_day: int  # 0 = Monday
    last_day: int
    opens: time
    closes: time
    zone: str

    def describe(self, language: str | None = None) -> str:
        """ "Monday to Friday, 08:00–18:00 (Europe/Berlin)" in ``language`` (the active one)."""
        locale = to_locale(language or get_language() or settings.LANGUAGE_CODE)
        names = get_day_names("wide", locale=locale)
        first, last = names[self.first_day], names[self.last_day]
        days = (
            first
            if self.first_day == self.last_day
            else _("%(first)s to %(last)s") % {"first": first, "last": last}
        )
        return _("%(days)s, %(opens)s–%(closes)s (%(zone)s)") % {
            "days": days[:1].upper() + days[1:],
            "opens": self.opens.strftime("%H:%M"),
            "closes": self.closes.strftime("%H:%M"),
            "zone": self.zone,
        }


@lru_cache(maxsize=8)
def parse_hours(value: str) -> SupportHours:
    """Parse ``SEATWISE_SUPPORT_HOURS`` ("mon-fri 08:00-18:00 Europe/Berlin")."""
    found = _HOURS_RE.match(value.strip().lower() if value else "")
    if found is None or found["first"] not in DAYS or found["last"] not in DAYS:
        raise ValueError(f"SEATWISE_SUPPORT_HOURS {value!r}: use 'mon-fri 08:00-18:00 <zone>'")
    zone = value.strip().split()[-1]  # as written: time zone names are case-sensitive
    return SupportHours(
        first_day=DAYS.index(found["first"]),
        last_day=DAYS.index(found["last"]),
        opens=time.fromisoformat(found["open"]),
        closes=time.fromisoformat(found["close"]),
        zone=zone,
    )


@dataclass(frozen=True, slots=True)
class SupportContact:
    email: str
    phone: str
    hours: SupportHours


def support_contact() -> SupportContact:
    return SupportContact(
        email=settings.SEATWISE_SUPPORT_EMAIL,
        phone=settings.SEATWISE_SUPPORT_PHONE,
        hours=parse_hours(settings.SEATWISE_SUPPORT_HOURS),
    )
