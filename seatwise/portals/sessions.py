"""What the portals' views tell ``seatwise.sessions``: the browser and client of a sign-in, and
the acting browser's session after a change of someone's rights. One copy for every portal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.core.clients import client_address
from seatwise.sessions.data import session_portal_signed_in, session_signed_in
from seatwise.sessions.selectors import SessionRow
from seatwise.sessions.services import sessions_rotate


def _device(request: HttpRequest) -> dict[str, str]:
    return {
        "user_agent": str(request.headers.get("User-Agent", "")),
        "client": client_address(request),
    }


def signin_record(request: HttpRequest) -> None:
    """Right after ``django.contrib.auth.login``: when, and from which browser and client."""
    session_signed_in(request.session, **_device(request))


def portal_signin_record(request: HttpRequest, portal: dict[str, Any]) -> None:
    """Keep the Corporate Billing Portal's sign-in ``portal`` in the session, stamped."""
    session_portal_signed_in(request.session, portal, **_device(request))


def rights_changed(
    request: HttpRequest | None, *, people: Sequence[Person], reason: str, by: Actor
) -> None:
    """After a change of what ``people`` may do: their other sessions end, and this browser's
    session (``request``, None for the API) gets a new key, staying signed in."""
    sessions_rotate(
        session=request.session if request is not None else None,
        people=people,
        reason=reason,
        by=by,
    )


def sessions_page(rows: Sequence[SessionRow]) -> dict[str, Any]:
    """The context of a list of sessions (``templates/portal/_sessions.html``)."""
    return {
        "sessions": rows,
        "others": any(not row.current for row in rows),
        "idle_minutes": round(settings.SEATWISE_SESSION_IDLE_TIMEOUT.total_seconds() / 60),
        "absolute_hours": round(settings.SEATWISE_SESSION_ABSOLUTE_TIMEOUT.total_seconds() / 3600),
    }
