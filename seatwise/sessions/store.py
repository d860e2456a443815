"""The session engine (``SESSION_ENGINE = "seatwise.sessions.store"``): Django's database
engine, its rows in ``SignInSession`` with who is signed in, so that a person's sessions can be
listed and each ended by deleting its row (Django's documented way of extending the database
engine). Ending a session this way is immediate: its next request finds no session.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import QuerySet
from django.utils import timezone

from seatwise.core.prepared import prepared
from seatwise.sessions.data import DEVICE_KEY, PORTAL_KEY, SEEN_KEY, SIGNIN_KEY, timestamp
from seatwise.sessions.models import SignInSession


def key_hash(session_key: str) -> str:
    """The name of a session outside the session table: the SHA-256 of its key."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _time(value: object) -> datetime | None:
    seconds = timestamp(value)
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds is not None else None


def _id(value: object) -> int | None:
    text = str(value) if isinstance(value, int | str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@prepared
def _session_by_key(session_key: str) -> QuerySet[SignInSession]:
    # What loading a session reads of its row (the rest is written, never read, per request).
    return SignInSession.objects.filter(session_key=session_key).only(
        "session_key", "session_data", "expire_date"
    )


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[SignInSession]:
        return SignInSession

    def create_model_instance(self, data: dict[str, Any]) -> SignInSession:
        session = super().create_model_instance(data)
        assert isinstance(session, SignInSession)
        session.key_hash = key_hash(session.session_key)
        session.person_id = _id(data.get(SESSION_KEY))
        session.signed_in_at = _time(data.get(SIGNIN_KEY)) if session.person_id else None
        portal = data.get(PORTAL_KEY)
        portal = portal if isinstance(portal, dict) else {}
        session.credential_id = _id(portal.get("credential"))
        session.portal_signed_in_at = _time(portal.get("at")) if session.credential_id else None
        device = data.get(DEVICE_KEY)
        device = device if isinstance(device, dict) else {}
        session.user_agent = str(device.get("ua", ""))[:200]
        session.client = str(device.get("client", ""))[:64]
        session.last_seen_at = _time(data.get(SEEN_KEY))
        return session

    def _get_session_from_db(self) -> SignInSession | None:
        """Django's, as a prepared query (read on every request; ``seatwise.core.prepared``):
        the session of this key unless it has expired; none forgets the key."""
        key = self.session_key
        session = next(iter(_session_by_key(key)), None) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
