"""The Corporate Billing Portal's top navigation: Subscriptions, Quotes, Invoice History,
Payment Profile, Account. A tab whose page is not routed is shown without a link."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.core.urls import reverse_cached


@dataclass(frozen=True, slots=True)
class Tab:
    label: str | Promise
    url: str | None  # None: not available
    current: bool = False


TABS = (
    ("subscriptions", _("Subscriptions"), "corporate:home"),
    ("quotes", _("Quotes"), "corporate:quotes"),
    ("invoices", _("Invoice History"), "corporate:invoices"),
    ("payment_profile", _("Payment Profile"), "corporate:payment_profile"),
    ("account", _("Account"), "corporate:account"),
)


def _tab_url(name: str) -> str | None:
    try:
        # Every page of the portal shows the five tabs: reversed once per process.
        return reverse_cached(name)
    except NoReverseMatch:
        return None


def portal_tabs(current: str) -> list[Tab]:
    """The portal's top navigation, in the order of the tabs the help articles name.

    ``current`` is one of ``subscriptions``, ``quotes``, ``invoices``, ``payment_profile``,
    ``account``.
    """
    return [Tab(label, _tab_url(url_name), key == current) for key, label, url_name in TABS]
