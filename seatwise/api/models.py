from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "swop_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class OperatorToken(models.Model):
    """An operator's bearer token for the provisioning API. Only its SHA-256 is stored:
    the token itself is printed once, by ``manage.py create_api_token``."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("operator API token")
        verbose_name_plural = _("operator API tokens")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str) -> tuple[OperatorToken, str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=hash_token(raw)), raw
