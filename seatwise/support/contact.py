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
from typing import Any

from babel.dates import get_day_names
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import get_language, override, to_locale
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
        return _described(self, language or get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=64)
def _described(hours: SupportHours, language: str) -> str:
    """The hours in ``language``, made once per language: the pages that show them (every
    help article, the Corporate Billing Portal's) would ask babel for the day names each time."""
    names = get_day_names("wide", locale=to_locale(language))
    first, last = names[hours.first_day], names[hours.last_day]
    with override(language):
        days = (
            first
            if hours.first_day == hours.last_day
            else _("%(first)s to %(last)s") % {"first": first, "last": last}
        )
        return _("%(days)s, %(opens)s–%(closes)s (%(zone)s)") % {
            "days": days[:1].upper() + days[1:],
            "opens": hours.opens.strftime("%H:%M"),
            "closes": hours.closes.strftime("%H:%M"),
            "zone": hours.zone,
        }


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _described.cache_clear()


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
