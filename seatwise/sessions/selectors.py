"""The sessions a list page shows: a person's product sign-ins, a portal User ID's sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from seatwise.sessions.devices import device_label
from seatwise.sessions.models import SignInSession
from seatwise.sessions.store import key_hash

# A person has a few sessions; a list never shows more than this many, the latest first.
SESSIONS_SHOWN_MAX = 50


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str  # the key's hash: the session's name in URLs and forms
    device: str
    user_agent: str
    client: str
    signed_in_at: datetime | None
    last_seen_at: datetime | None
    current: bool


def live_sessions() -> QuerySet[SignInSession]:
    return SignInSession.objects.filter(expire_date__gt=timezone.now())


def _rows(
    sessions: QuerySet[SignInSession], *, current_key: str | None, portal: bool
) -> list[SessionRow]:
    current = key_hash(current_key) if current_key else None
    signed_in = "portal_signed_in_at" if portal else "signed_in_at"
    found = sessions.order_by(f"-{signed_in}", "key_hash").only(
        "key_hash", "user_agent", "client", signed_in, "last_seen_at"
    )[:SESSIONS_SHOWN_MAX]
    rows = [
        SessionRow(
            id=s.key_hash,
            device=device_label(s.user_agent),
            user_agent=s.user_agent,
            client=s.client,
            signed_in_at=getattr(s, signed_in),
            last_seen_at=s.last_seen_at,
            current=s.key_hash == current,
        )
        for s in found
    ]
    # This device first, then the latest sign-in first.
    return sorted(rows, key=lambda row: not row.current)


def person_sessions(*, person_id: int, current_key: str | None) -> list[SessionRow]:
    """The person's live product sessions, this one (``current_key``) first."""
    return _rows(live_sessions().filter(person_id=person_id), current_key=current_key, portal=False)


def portal_sessions(*, credential_id: int, current_key: str | None) -> list[SessionRow]:
    """The live Corporate Billing Portal sessions of a User ID, this one first."""
    return _rows(
        live_sessions().filter(credential_id=credential_id), current_key=current_key, portal=True
    )
