"""What every portal page shows: the account, the way between the centers, the person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Person
from seatwise.core.urls import reverse_cached


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str | Promise
    url: str
    current: bool


def _url(name: str) -> str | None:
    try:
        return reverse_cached(name)
    except NoReverseMatch:
        return None


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not isinstance(user, Person):
        return {}
    entries: list[tuple[str | Promise, str]] = (
        [(_("Support console"), "support:home")]
        if user.is_staff
        else [(_("Billing Center"), "billing:home")]
    )
    if user.is_account_admin:
        entries.append((_("Admin Center"), "admin_center:home"))
    entries.append((_("My Account"), "my_account:home"))
    entries.append((_("Help"), "help:home"))
    links = []
    for label, name in entries:
        url = _url(name)
        if url is not None:
            links.append(NavLink(label, url, request.path.startswith(url)))
    return {
        "portal_person": user,
        "portal_account": user.account,
        "portal_nav": links,
    }
