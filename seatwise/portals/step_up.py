"""Step-up re-authentication: one mechanism for the sensitive actions of every area.

Changing or adding a card, Bill To, the invoice contacts, the billing contact, granting or
revoking account admin, removing a user, new recovery codes, and purchases above the vendor's
amount (``SEATWISE_STEP_UP_PURCHASE_AMOUNT``) ask for the password, or a code from the
authenticator app where one is set up, unless the person (or, in the Corporate Billing Portal,
the User ID) gave one within ``SEATWISE_STEP_UP_MINUTES``. A sign-in counts as one.

A view is protected with ``@step_up_required(area)`` placed under its area's sign-in
decorator: a request without a fresh re-authentication goes to the area's re-authentication
page with ``next``, and a POST's data is not applied: after re-authenticating, the person comes
back to the form and submits it again. A purchase, whose amount is known only once its form is
read, calls ``step_up_needed_for`` and ``step_up_redirect`` itself.

Each area has its own re-authentication page and its own record in the session, bound to who
gave it: ``PERSON`` (the product sign-in: ``auth:step_up``) and ``CORPORATE`` (the portal's
User ID: ``corporate:step_up``). Failures there count towards the same lockout as the area's
sign-in, so that the page cannot be used to guess a password or a code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "seatwise_step_up"


@dataclass(frozen=True, slots=True)
class StepUpArea:
    """Where a re-authentication holds: its name in the session, its page, and who is signed
    in there (the re-authentication holds for that one only)."""

    name: str
    page: str
    owner: Callable[[HttpRequest], int | None]


def _person_owner(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return int(user.pk) if user is not None and user.is_authenticated else None


def _corporate_owner(request: HttpRequest) -> int | None:
    # The portal's session (portals.corporate.session): the credential's id.
    data = request.session.get("seatwise_corporate")
    if isinstance(data, dict) and data.get("credential"):
        return int(data["credential"])
    return None


PERSON = StepUpArea(name="person", page="auth:step_up", owner=_person_owner)
CORPORATE = StepUpArea(name="corporate", page="corporate:step_up", owner=_corporate_owner)


def step_up_max_age() -> int:
    return int(settings.SEATWISE_STEP_UP_MINUTES) * 60


def step_up_mark(request: HttpRequest, area: StepUpArea, *, owner: int | None = None) -> None:
    """Record a re-authentication (or a sign-in) of ``owner`` (default: who is signed in)."""
    who = owner if owner is not None else area.owner(request)
    if who is None:
        return
    records = dict(request.session.get(SESSION_KEY) or {})
    records[area.name] = {"owner": who, "at": time.time()}
    request.session[SESSION_KEY] = records


def step_up_fresh(request: HttpRequest, area: StepUpArea) -> bool:
    """Whether who is signed in in ``area`` re-authenticated within the allowed minutes."""
    who = area.owner(request)
    records = request.session.get(SESSION_KEY)
    record = records.get(area.name) if isinstance(records, dict) else None
    if who is None or not isinstance(record, dict) or record.get("owner") != who:
        return False
    age = time.time() - float(record.get("at", 0))
    return 0 <= age <= step_up_max_age()


def step_up_redirect(request: HttpRequest, area: StepUpArea, next_url: str) -> HttpResponse:
    return redirect(f"{reverse(area.page)}?{urlencode({'next': next_url})}")


def step_up_next(request: HttpRequest, area: StepUpArea, fallback: str) -> str:
    """The page a re-authentication returns to: ``next`` if it is a page of this site (and
    not the re-authentication page itself), else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate.startswith("/")
        and not candidate.startswith(reverse(area.page))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return fallback


def step_up_needed_for(amount: Decimal) -> bool:
    """Whether a purchase of ``amount`` (gross, in the account's currency) needs a fresh
    re-authentication."""
    return amount > Decimal(str(settings.SEATWISE_STEP_UP_PURCHASE_AMOUNT))


def step_up_required(
    area: StepUpArea,
    *,
    methods: tuple[str, ...] = ("GET", "HEAD", "POST"),
    back: Callable[..., str] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Ask for a re-authentication before ``methods`` of the view; ``back(request, *args,
    **kwargs)`` names the page to return to (default: the requested page, for views whose GET
    shows the form). Place it under the area's sign-in decorator."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and not step_up_fresh(request, area):
                target = back(request, *args, **kwargs) if back else request.get_full_path()
                return step_up_redirect(request, area, target)
            return view(request, *args, **kwargs)

        wrapper.step_up_area = area  # type: ignore[attr-defined]
        return wrapper

    return decorator
