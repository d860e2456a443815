"""What Seatwise keeps in a session about its sign-ins, under keys of its own, and how a sign-in
stamps it. The sign-in views call these; the store mirrors them into ``SignInSession``'s
columns, and the timeouts (``seatwise.sessions.middleware``) read them.

- ``SIGNIN_KEY``: when the person signed in (the product sign-in, ``django.contrib.auth``'s
  keys alongside);
- ``PORTAL_KEY``: the Corporate Billing Portal's sign-in (its credential, account, password
  fingerprint) and when it happened;
- ``DEVICE_KEY``: the browser's User-Agent and the client's address at the last sign-in;
- ``SEEN_KEY``: the last request, written at most once a minute (``SEEN_EVERY``).

Times are POSIX timestamps (seconds, UTC).
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SIGNIN_KEY = "seatwise_signin"
PORTAL_KEY = "seatwise_corporate"
DEVICE_KEY = "seatwise_device"
SEEN_KEY = "seatwise_seen"
SEEN_EVERY = 60
USER_AGENT_MAX = 200
CLIENT_MAX = 64


def _device(session: SessionBase, *, user_agent: str, client: str, now: float) -> None:
    session[DEVICE_KEY] = {"ua": user_agent[:USER_AGENT_MAX], "client": client[:CLIENT_MAX]}
    session[SEEN_KEY] = now


def session_signed_in(session: SessionBase, *, user_agent: str, client: str) -> None:
    """Stamp a product sign-in, right after ``django.contrib.auth.login``."""
    now = time.time()
    session[SIGNIN_KEY] = now
    _device(session, user_agent=user_agent, client=client, now=now)


def session_portal_signed_in(
    session: SessionBase, portal: dict[str, Any], *, user_agent: str, client: str
) -> None:
    """Keep the Corporate Billing Portal's sign-in ``portal`` in the session, stamped."""
    now = time.time()
    session[PORTAL_KEY] = {**portal, "at": now}
    _device(session, user_agent=user_agent, client=client, now=now)


def timestamp(value: object) -> float | None:
    """A stored time, or None for a missing or malformed one."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
