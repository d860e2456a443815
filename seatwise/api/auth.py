"""Bearer-token authentication and authorization of the provisioning API (``OperatorToken``).

Every operation declares the one scope it needs with ``requires(scope)`` as its ``auth``;
the API's default (an operation that declares none) refuses every token, so an operation
that forgot its scope is closed, and ``tests/api/test_scopes.py`` fails on it. For each
request, in this order:

1. the token is looked up by its SHA-256 (unknown, revoked: 401 ``not_authenticated``): the
   first request of a token in a process reads its row, the next ones only check that the
   row is still live (``token_authenticate``), so a revocation takes effect from the next
   request;
2. an expired token is refused (401 ``token_expired``);
3. its last use is recorded, at most once a minute (a conditional UPDATE, not a write per
   request);
4. the request is counted against the token's rate limit (429 ``rate_limited`` with
   ``Retry-After``), from a block of uses the process leases with one atomic upsert
   (``core.ratelimit.rate_limit_hit_leased``);
5. the token must hold the operation's scope (403 ``scope_missing``).

Which accounts a token reaches is checked where objects are looked up
(``seatwise.api.v1.lookups``): another account's object is not found (404).
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from seatwise.api.models import OperatorToken, hash_token
from seatwise.api.scopes import Scope
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.core.prepared import prepared
from seatwise.core.ratelimit import rate_limit_hit_leased

# ``last_used_at`` is written at most once per this interval and token, so that a busy
# integration does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Tokens issued by ``create_api_token`` are 48 characters; anything much longer is not one.
MAX_TOKEN_LENGTH = 256
RATE_LIMIT_WINDOW = timedelta(minutes=1)
# How many tokens a process remembers (``_known``); more are forgotten all at once.
KNOWN_TOKENS_MAX = 1000


class TokenExpired(Exception):
    """The token is known and not revoked, but its ``expires_at`` has passed (401)."""


class ScopeMissing(Exception):
    """The token lacks the operation's scope (403). ``scope`` None: the operation declares
    none, and no token may use it."""

    def __init__(self, scope: Scope | None) -> None:
        self.scope = scope
        super().__init__(scope or "")


class AccountRestricted(ServiceError):
    """The operation needs a token that reaches every account (403)."""

    http_status = 403


class RateLimited(Exception):
    """The token made more requests in the current minute than the limit allows (429)."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(retry_after_seconds)


# The tokens this process has authenticated, by SHA-256. A token's row never changes but for
# its revocation and its last use: the copy here serves as long as its row is live, which every
# request checks (``_token_is_live``), and its last use is kept up to date here.
_known: dict[str, OperatorToken] = {}
_known_lock = threading.Lock()


@prepared
def _live_token(token_id: int, token_hash: str) -> QuerySet[OperatorToken]:
    # With its hash: an id alone could be another token's after a database restore.
    return OperatorToken.objects.filter(pk=token_id, token_hash=token_hash, revoked_at__isnull=True)


@prepared
def _token_by_hash(token_hash: str) -> QuerySet[OperatorToken]:
    return OperatorToken.objects.filter(token_hash=token_hash, revoked_at__isnull=True)[:1]


def _token_is_live(token: OperatorToken) -> bool:
    """Whether the row of ``token`` still exists and is not revoked: one prepared statement
    on the primary key (``core.prepared``)."""
    return bool(_live_token(token.pk, token.token_hash))


def token_authenticate(raw: str) -> OperatorToken | None:
    """The live token whose SHA-256 matches ``raw``, or None (unknown, revoked, malformed).
    Raises ``TokenExpired`` for a token past its expiry."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token_hash = hash_token(raw)
    token = _known.get(token_hash)
    if token is not None and not _token_is_live(token):
        with _known_lock:
            _known.pop(token_hash, None)
        return None
    if token is None:
        token = next(iter(_token_by_hash(token_hash)), None)
        if token is None:
            return None
        with _known_lock:
            if len(_known) >= KNOWN_TOKENS_MAX:
                _known.clear()
            _known[token_hash] = token
    now = timezone.now()
    if token.is_expired(now):
        raise TokenExpired
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token_last_used_record(token=token, now=now)
    return token


def token_last_used_record(*, token: OperatorToken, now: datetime) -> None:
    """Record a use of ``token`` unless one was recorded in the last minute.

    Called only when the token says the last use is older, so a busy token costs one UPDATE a
    minute; the UPDATE is conditional, so that requests racing each other write it once, and
    it touches no other column (it cannot undo a concurrent revocation). When another request
    (or process) was first, the token takes the use it recorded, so that this process does not
    try again before that use is a minute old.
    """
    found = OperatorToken.objects.filter(pk=token.pk)
    updated = found.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    if updated:
        token.last_used_at = now
    else:
        token.last_used_at = found.values_list("last_used_at", flat=True).first()


def token_rate_limit(token: OperatorToken) -> None:
    """Count one request of ``token``; raise ``RateLimited`` past ``SEATWISE_API_RATE_LIMIT``
    requests in the current minute (0: no limit)."""
    limit = int(settings.SEATWISE_API_RATE_LIMIT)
    if limit <= 0:
        return
    hit = rate_limit_hit_leased(key=f"api.token:{token.pk}", limit=limit, window=RATE_LIMIT_WINDOW)
    if not hit.allowed:
        raise RateLimited(max(1, math.ceil(hit.retry_after.total_seconds())))


class OperatorBearer(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from ``manage.py create_api_token``
    that holds ``scope``. Without a scope, it refuses every token (the API's default)."""

    def __init__(self, scope: Scope | None = None) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> OperatorToken | None:
        found = token_authenticate(token)
        if found is None:
            return None
        token_rate_limit(found)
        if self.scope is None or not found.has_scope(self.scope):
            raise ScopeMissing(self.scope)
        return found


def requires(scope: Scope) -> OperatorBearer:
    """The ``auth`` of an operation that needs ``scope``: ``@router.get(..., auth=requires(
    Scope.ACCOUNTS_READ))``."""
    return OperatorBearer(scope)


def token_of(request: HttpRequest) -> OperatorToken:
    """The token that authenticated ``request``."""
    token: OperatorToken = request.auth  # type: ignore[attr-defined]
    return token


def actor_of(request: HttpRequest) -> Actor:
    """The audit actor of an authenticated API request: ``api:<token name>``, from the
    request's client."""
    return Actor.operator(f"api:{token_of(request).name}", client=Client.of(request))
