"""Signing sessions out: one of a person's (or a portal User ID's) sessions, all the others,
and every other session of the people whose rights just changed.

A session ends when its row is deleted (``seatwise.sessions.store``): its next request finds
no session and is sent to sign in. A browser has one session for both sign-ins, so ending a
session ends the product and the portal sign-in of that browser alike. The acting browser's
own session is never deleted here (its request would fail when it saves the session): the
views sign it out themselves, or keep it and give it a new key (``cycle_key``).

Each ending is audited on the person (``person.session_end``, ``person.sessions_end_others``,
``person.sessions_end``) or the portal's credential (``corporate_credential.…``); a session is
named by the start of its key's hash, never by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import NotFound
from seatwise.sessions.devices import device_label
from seatwise.sessions.models import SignInSession
from seatwise.sessions.selectors import live_sessions

if TYPE_CHECKING:
    from seatwise.accounts.models import CorporateCredential, Person

# How many characters of a key's hash name a session in an audit entry.
AUDIT_ID_LENGTH = 12


def _described(session: SignInSession) -> dict[str, Any]:
    return {
        "session": session.key_hash[:AUDIT_ID_LENGTH],
        "device": device_label(session.user_agent),
        "client": session.client,
    }


def _end_one(*, sessions: models.QuerySet[SignInSession], session_id: str) -> SignInSession:
    found = sessions.filter(key_hash=session_id).first() if len(session_id) == 64 else None
    if found is None:
        raise NotFound("session_not_found", _("This session has already ended."))
    found.delete()
    return found


def _others(
    sessions: models.QuerySet[SignInSession], keep: SessionBase | None
) -> models.QuerySet[SignInSession]:
    return sessions.exclude(session_key=keep.session_key) if keep and keep.session_key else sessions


def person_session_end(*, person: Person, session_id: str, by: Actor) -> None:
    """**Sign out** one of the person's sessions, named by its id (``SessionRow.id``).
    Another person's session, or one that has ended, is ``NotFound``."""
    with transaction.atomic():
        ended = _end_one(
            sessions=live_sessions().filter(person_id=person.pk), session_id=session_id
        )
        audit_record(
            by=by,
            action="person.session_end",
            obj=person,
            account_id=person.account_id,
            new=_described(ended),
        )


def person_sessions_end_others(*, person: Person, keep: SessionBase, by: Actor) -> int:
    """**Sign out everywhere (other sessions)**: every session of the person but ``keep``."""
    with transaction.atomic():
        ended, _rows = _others(live_sessions().filter(person_id=person.pk), keep).delete()
        audit_record(
            by=by,
            action="person.sessions_end_others",
            obj=person,
            account_id=person.account_id,
            new={"sessions": ended},
        )
    return ended


def portal_session_end(*, credential: CorporateCredential, session_id: str, by: Actor) -> None:
    """**Sign out** one of the Corporate Billing Portal sessions of the User ID."""
    with transaction.atomic():
        ended = _end_one(
            sessions=live_sessions().filter(credential_id=credential.pk), session_id=session_id
        )
        audit_record(
            by=by,
            action="corporate_credential.session_end",
            obj=credential,
            account_id=credential.account_id,
            new=_described(ended),
        )


def portal_sessions_end_others(
    *, credential: CorporateCredential, keep: SessionBase | None, by: Actor, reason: str = ""
) -> int:
    """Every portal session of the User ID but ``keep``: **Sign out everywhere (other
    sessions)** (no ``reason``), or after a new password or billing contact (``reason``, and
    audited only if a session ended)."""
    with transaction.atomic():
        ended, _rows = _others(live_sessions().filter(credential_id=credential.pk), keep).delete()
        if not reason or ended:
            audit_record(
                by=by,
                action="corporate_credential.sessions_end_others",
                obj=credential,
                account_id=credential.account_id,
                new={"sessions": ended, **({"reason": reason} if reason else {})},
            )
    return ended


def sessions_rotate(
    *, session: SessionBase | None, people: Sequence[Person], reason: str, by: Actor
) -> None:
    """After a change of what ``people`` may do (account admin granted or revoked, billing
    contact handed over, two-factor sign-in turned on or off, a new password): end every
    session of theirs but the acting browser's ``session``, and give that one a new key, so
    that no session opened or known before the change carries the new rights.

    ``reason`` names the change in the audit entry (``person.sessions_end``), written for each
    person who had a session ended. ``session`` is None where no browser acts (the API).
    """
    with transaction.atomic():
        for person in people:
            ended, _rows = _others(live_sessions().filter(person_id=person.pk), session).delete()
            if ended:
                audit_record(
                    by=by,
                    action="person.sessions_end",
                    obj=person,
                    account_id=person.account_id,
                    new={"reason": reason, "sessions": ended},
                )
    if session is not None and session.session_key:
        session.cycle_key()


def sessions_prune() -> int:
    """Delete the sessions past their expiry date, as ``manage.py clearsessions`` does; they
    can no longer be used, only listed by nobody. Returns how many."""
    ended, _rows = SignInSession.objects.filter(expire_date__lte=timezone.now()).delete()
    return ended
