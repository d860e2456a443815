"""The home page: which portal is for whom, in the visitor's language."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from seatwise.accounts.models import Person
from seatwise.accounts.services import person_language_set
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.core.urls import reverse_cached


@dataclass(frozen=True, slots=True)
class Portal:
    url_name: str
    icon: str
    name: str | Promise
    audience: str | Promise


# The portal names are the labels the help articles give them.
PORTALS: tuple[Portal, ...] = (
    Portal(
        "billing:home",
        "billing",
        _("Billing Center"),
        _(
            "For the billing admin of an online account: change the subscription plan and "
            "seats, the payment method and the billing information."
        ),
    ),
    Portal(
        "admin_center:home",
        "admin",
        _("Admin Center"),
        _("For account admins: add and manage users, and assign their licenses."),
    ),
    Portal(
        "corporate:signin",
        "corporate",
        _("Corporate Billing Portal"),
        _(
            "For the billing contact of a corporate account: quotes, service orders and "
            "invoices, signed in with the User ID printed on your invoices."
        ),
    ),
    Portal(
        "help:home",
        "help",
        _("Help"),
        _(
            "For everyone: find out who your billing contact is, how to change it and how "
            "to add seats."
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class PortalLink:
    icon: str
    name: str | Promise
    audience: str | Promise
    url: str

    @property
    def icon_template(self) -> str:
        return f"home/icons/{self.icon}.svg"


def home(request: HttpRequest) -> HttpResponse:
    portals = [PortalLink(p.icon, p.name, p.audience, reverse_cached(p.url_name)) for p in PORTALS]
    return render(request, "home/index.html", {"portals": portals})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch. A signed-in person's choice is kept on their profile, so it also
    applies to their e-mails and next sign-in; a visitor's is kept in a cookie."""
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and isinstance(user, Person):
        # Django's view below ignores an unknown language in the same way.
        with suppress(ServiceError):
            person_language_set(
                person=user, language=language, by=Actor.for_person(user, client=Client.of(request))
            )
    return django_set_language(request)
