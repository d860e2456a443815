"""The table of the session engine (``seatwise.sessions.store``): Django's session row with
columns that say whose sign-in it carries, so that a person's sessions can be listed and ended.

The columns mirror the session's own data and are written with it by the store
(``SessionStore.create_model_instance``); nothing else writes them. The session key is the
primary key, as in Django's table, and never leaves it: pages, forms and audit entries name a
session by ``key_hash``, the SHA-256 of its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

if TYPE_CHECKING:
    from seatwise.sessions.store import SessionStore


class SignInSession(AbstractBaseSession):
    key_hash = models.CharField(max_length=64, unique=True)
    # Plain ids, not foreign keys: a session outlives nothing it names (the person's sign-in is
    # checked on every request), and a session saved while its person is removed must not fail.
    person_id = models.BigIntegerField(null=True, db_index=True)
    credential_id = models.BigIntegerField(null=True, db_index=True)
    signed_in_at = models.DateTimeField(null=True)
    portal_signed_in_at = models.DateTimeField(null=True)
    last_seen_at = models.DateTimeField(null=True)
    user_agent = models.CharField(max_length=200, blank=True)
    client = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "seatwise_session"

    @classmethod
    def get_session_store_class(cls) -> type[SessionStore]:
        from seatwise.sessions.store import SessionStore

        return SessionStore
