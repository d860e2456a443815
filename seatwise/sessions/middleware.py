"""The idle and absolute timeouts of a sign-in, and the session's last-seen time.

One middleware for every page, after authentication and messages:

- **absolute**: a sign-in ends ``SEATWISE_SESSION_ABSOLUTE_TIMEOUT`` after it began (the
  product sign-in and the Corporate Billing Portal's each from their own start), however busy
  it was; a signed-in session without a start (not opened by Seatwise's sign-in) ends at once;
- **idle**: in the admin areas (``IDLE_AREAS``: Admin Center, Billing Center, support console,
  Corporate Billing Portal) a sign-in ends when the browser made no request for
  ``SEATWISE_SESSION_IDLE_TIMEOUT``. The last request is written to the session at most once
  a minute (``SEEN_EVERY``), so the idle time is measured to the minute, never longer than set.

An ended sign-in is signed out and its request sent to the sign-in page with a notice and the
page it asked for as ``next``; on the sign-in pages themselves the request goes on, signed out.
Nothing here reads the database: the times live in the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from seatwise.sessions.data import PORTAL_KEY, SEEN_EVERY, SEEN_KEY, SIGNIN_KEY, timestamp

# URL namespaces of the admin areas, where the idle timeout applies.
PRODUCT_IDLE_AREAS = frozenset({"admin_center", "billing", "support"})
PORTAL_AREA = "corporate"
# The portal's pages that a signed-out browser uses to sign in again.
PORTAL_SIGNIN_VIEWS = frozenset({"signin", "signout", "password_reset", "password_set"})


def timeout_notice(reason: str) -> str:
    """The notice of a sign-in that ended, in the language of the request."""
    if reason == "idle":
        minutes = max(1, round(settings.SEATWISE_SESSION_IDLE_TIMEOUT.total_seconds() / 60))
        return ngettext(
            "You were signed out after %(minutes)d minute without activity. Please sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Please sign in again.",
            minutes,
        ) % {"minutes": minutes}
    if reason == "absolute":
        hours = max(1, round(settings.SEATWISE_SESSION_ABSOLUTE_TIMEOUT.total_seconds() / 3600))
        return ngettext(
            "You were signed out because you signed in more than %(hours)d hour ago. Please "
            "sign in again.",
            "You were signed out because you signed in more than %(hours)d hours ago. Please "
            "sign in again.",
            hours,
        ) % {"hours": hours}
    return gettext("Please sign in again.")


def _ended(*, started: float | None, idle_for: float, idle_applies: bool, now: float) -> str:
    """Why a sign-in that began at ``started`` has ended, or "" while it lasts."""
    if started is None:
        return "unknown"
    if now - started >= settings.SEATWISE_SESSION_ABSOLUTE_TIMEOUT.total_seconds():
        return "absolute"
    if idle_applies and idle_for >= settings.SEATWISE_SESSION_IDLE_TIMEOUT.total_seconds():
        return "idle"
    return ""


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        area = match.namespaces[0] if match is not None and match.namespaces else ""
        signing_in = area == "auth" or (
            area == PORTAL_AREA and match is not None and match.url_name in PORTAL_SIGNIN_VIEWS
        )
        session = request.session
        now = time.time()
        seen = timestamp(session.get(SEEN_KEY))
        idle_for = now - seen if seen is not None else 0.0
        response: HttpResponse | None = None

        if request.user.is_authenticated:
            reason = _ended(
                started=timestamp(session.get(SIGNIN_KEY)),
                idle_for=idle_for,
                idle_applies=area in PRODUCT_IDLE_AREAS,
                now=now,
            )
            if reason:
                logout(request)  # the whole session: a portal sign-in in it ends too
                messages.warning(request, timeout_notice(reason))
                if not signing_in:
                    response = redirect_to_login(request.get_full_path())
        portal = session.get(PORTAL_KEY)
        if portal is not None:
            reason = _ended(
                started=timestamp(portal.get("at")) if isinstance(portal, dict) else None,
                idle_for=idle_for,
                idle_applies=area == PORTAL_AREA,
                now=now,
            )
            if reason:
                session.pop(PORTAL_KEY)
                if area == PORTAL_AREA:
                    messages.warning(request, timeout_notice(reason))
                    if not signing_in:
                        query = urlencode({"next": request.get_full_path()})
                        response = HttpResponseRedirect(f"{reverse('corporate:signin')}?{query}")

        signed_in = request.user.is_authenticated or PORTAL_KEY in session
        if response is None and signed_in and (seen is None or now - seen >= SEEN_EVERY):
            session[SEEN_KEY] = now
        return response
