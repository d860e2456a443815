from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "swop_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class OperatorToken(models.Model):
    """An operator's bearer token for the provisioning API. Only its SHA-256 is stored:
    the token itself is printed once, by ``manage.py create_api_token``.

    What it may do is its ``scopes`` (``seatwise.api.scopes``), on the accounts of
    ``account_ids`` (null: every account), until ``expires_at`` (null: no expiry) or its
    revocation. The account ids are a list in the token's own row rather than a relation:
    they are read with the token by the one query that authenticates a request, and an id
    that names no account reaches nothing (a restriction can never widen to every account).
    """

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    account_ids = models.JSONField(_("accounts"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("operator API token")
        verbose_name_plural = _("operator API tokens")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls,
        name: str,
        *,
        scopes: Iterable[str],
        account_ids: Iterable[int] | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[OperatorToken, str]:
        """A new token row and the raw token (returned here only). Call it through
        ``seatwise.api.services.api_token_create``, which validates and audits."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name,
            token_hash=hash_token(raw),
            scopes=[str(scope) for scope in scopes],
            account_ids=sorted(set(account_ids)) if account_ids is not None else None,
            expires_at=expires_at,
        )
        return token, raw

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def is_account_restricted(self) -> bool:
        return self.account_ids is not None

    def reaches(self, account_id: int | None) -> bool:
        """Whether the token may touch objects of ``account_id`` (None: an object of no
        account, such as a person removed from theirs, which only unrestricted tokens see)."""
        if self.account_ids is None:
            return True
        return account_id is not None and account_id in self.account_ids
