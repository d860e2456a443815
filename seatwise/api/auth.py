"""Bearer-token authentication of the provisioning API against ``OperatorToken``."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from seatwise.api.models import OperatorToken, hash_token
from seatwise.audit.actors import Actor, Client

# ``last_used_at`` is written at most once per this interval and token, so that a busy
# integration does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Tokens issued by ``create_api_token`` are 48 characters; anything much longer is not one.
MAX_TOKEN_LENGTH = 256


def token_authenticate(raw: str) -> OperatorToken | None:
    """The live token whose SHA-256 matches ``raw``, or None (unknown, revoked, malformed)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = OperatorToken.objects.filter(
        token_hash=hash_token(raw), revoked_at__isnull=True
    ).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE, not save(): it neither races with a revocation nor rewrites
        # the other columns.
        OperatorToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class OperatorBearer(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from ``manage.py create_api_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> OperatorToken | None:
        return token_authenticate(token)


def actor_of(request: HttpRequest) -> Actor:
    """The audit actor of an authenticated API request: ``api:<token name>``, from the
    request's client."""
    token: OperatorToken = request.auth  # type: ignore[attr-defined]
    return Actor.operator(f"api:{token.name}", client=Client.of(request))
