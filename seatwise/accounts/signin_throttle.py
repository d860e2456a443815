"""Failed sign-ins, limited so that the limits cannot be turned against the people they protect.

One mechanism for both sign-ins (the product's e-mail and password, ``portals.auth``; the
Corporate Billing Portal's User ID and password, ``accounts.corporate_signin``), after OWASP's
"Slow Down Online Guessing Attacks with Device Cookies":

- **Device cookie.** Each successful sign-in gives the browser a cookie naming the login and a
  random nonce, signed with Django's signing (salted per sign-in, valid for
  ``SEATWISE_DEVICE_COOKIE_AGE``; set by ``portals.device_cookies``). A client presenting a
  valid device cookie for the login it signs in with is a *trusted device*: it is judged by
  its own failures only, ``SEATWISE_SIGNIN_DEVICE_FAILURES`` per window counted per nonce.
  After that many its cookie is no longer trusted until the window ends and it is judged as
  every other client. So a stranger's failures never lock out the browser of the person who
  signs in there.
- **Untrusted clients** (no valid device cookie for that login, or a locked one) are limited
  per login: after ``SEATWISE_SIGNIN_LOGIN_FAILURES`` failures in a window the login is locked
  *for untrusted clients only*, even against the right password. And per client (IP address;
  an IPv6 client by its /64 network): a client that failed with more than
  ``SEATWISE_SIGNIN_CLIENT_LOGINS`` different logins in a window (password spraying) is
  refused for every login until the window ends.
- **Fallback for a new browser** during an attack: setting a new password through the e-mailed
  link lifts the login's lock (``signin_unlock``) and gives that browser a device cookie, so it
  can sign in at once whatever an attacker does next. The lock messages say so.

Every limit is a ``core.ratelimit`` counter with a window of ``SEATWISE_SIGNIN_COOLOFF``
(fixed windows: a lock lasts until its window ends, at most the cooloff). An attempt takes its
slot with one atomic upsert *before* the password is checked, and a success gives it back: so
concurrent guesses can never check more passwords than the limit allows, whatever their timing.
Successes from an untrusted client forget the login's failures (as django-axes'
``AXES_RESET_ON_SUCCESS`` did); a trusted device's success forgets only the device's own.

Why not django-axes for these limits: axes applies one failure limit to the maximum over its
lockout parameters (it cannot lock a login after 5 failures and a client after 10 different
logins), counts failures per address rather than different logins per address, judges a
request before the password check and counts it after (so concurrent guesses pass its limit),
and locks through a backend and a middleware that only the product sign-in goes through. It
still keeps the product sign-in's access log, with this module's notion of the client address
(``core.clients.client_address`` as ``AXES_CLIENT_IP_CALLABLE``); it locks nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing

from seatwise.core.ratelimit import (
    rate_limit_hit,
    rate_limit_peek,
    rate_limit_release,
    rate_limit_reset,
    rate_limit_window_end,
)

log = logging.getLogger(__name__)

# A device cookie is a few dozen characters; anything much longer is not one of ours.
_COOKIE_MAX = 400
_DEVICE_SALT = "seatwise.accounts.signin_device"


class SigninKind(StrEnum):
    """Which sign-in: each has its own logins, device cookies and per-login limits; the
    per-client limit counts both together."""

    PRODUCT = "product"
    CORPORATE = "corporate"


class Refusal(StrEnum):
    LOCKED = "locked"  # the login, for untrusted clients
    THROTTLED = "throttled"  # the client, for every login


class LockScope(StrEnum):
    LOGIN = "login"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class SigninClient:
    """Who is signing in, as far as the limits care: the client's address and the device
    cookie its browser sent for this sign-in (empty when none). The default is a client
    nothing is known about: untrusted, counted with every other such client."""

    address: str = ""
    device_cookie: str = ""


@dataclass(frozen=True, slots=True)
class SigninAttempt:
    """One sign-in attempt, with the slot it took. ``refusal`` says why it may not check a
    password at all; otherwise the caller checks it and reports ``signin_attempt_failed`` or
    ``signin_attempt_succeeded``."""

    kind: SigninKind
    login: str
    client: SigninClient
    refusal: Refusal | None
    # Set when the attempt was judged as a trusted device's: the nonce its failures count for.
    device_nonce: str | None
    # The attempt's place in its counter (the device's, or the login's for untrusted clients),
    # and when that counter's window ends.
    hits: int
    until: datetime


@dataclass(frozen=True, slots=True)
class SigninLockout:
    """A lock that a failed attempt has just brought about, for the caller's audit entry."""

    scope: LockScope
    failures: int
    until: datetime


def _cooloff() -> timedelta:
    return settings.SEATWISE_SIGNIN_COOLOFF


def normalized_login(login: str) -> str:
    """The form a login is counted and named in a device cookie in: e-mail addresses and User
    IDs are both compared without case."""
    return (login or "").strip().lower()


def _digest(value: str) -> str:
    # Counters name logins by a digest: the table keeps no e-mail addresses, and keys stay short.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _client_key(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        # One subscriber usually holds a whole /64: count it as one client.
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _login_key(kind: SigninKind, login: str) -> str:
    return f"signin:{kind}:login:{_digest(login)}"


def _device_key(kind: SigninKind, nonce: str) -> str:
    return f"signin:{kind}:device:{nonce}"


def _client_counter(client: str) -> str:
    return f"signin:client:{client}"


def _client_login_key(client: str, kind: SigninKind, login: str) -> str:
    return f"signin:client:{client}:{kind}:{_digest(login)}"


# --- device cookies ------------------------------------------------------------------------


def device_cookie_issue(*, kind: SigninKind, login: str) -> str:
    """A new device cookie's value for ``login``: the login and a fresh random nonce, signed
    (with a timestamp) under a salt of its own for each sign-in."""
    return signing.dumps(
        {"login": normalized_login(login), "nonce": secrets.token_urlsafe(18)},
        salt=f"{_DEVICE_SALT}:{kind}",
    )


def device_cookie_nonce(*, kind: SigninKind, login: str, cookie: str) -> str | None:
    """The nonce of a device cookie that is valid for ``login`` on this sign-in, else None (no
    cookie, a forged or altered one, another login's or sign-in's, or one older than
    ``SEATWISE_DEVICE_COOKIE_AGE``)."""
    if not cookie or len(cookie) > _COOKIE_MAX:
        return None
    try:
        data = signing.loads(
            cookie, salt=f"{_DEVICE_SALT}:{kind}", max_age=settings.SEATWISE_DEVICE_COOKIE_AGE
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or data.get("login") != normalized_login(login):
        return None
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) and nonce else None


# --- attempts ------------------------------------------------------------------------------


def signin_attempt_begin(*, kind: SigninKind, login: str, client: SigninClient) -> SigninAttempt:
    """Judge a sign-in attempt before its password is checked, and take its slot.

    A trusted device takes a slot of its own failures; if it has none left, or the client has
    no valid device cookie for ``login``, the attempt is an untrusted client's: refused
    ``THROTTLED`` when the client has failed with too many different logins, else it takes a
    slot of the login's failures from untrusted clients and is refused ``LOCKED`` when there
    is none left. Each count is one atomic upsert; call this outside any transaction, so that
    the counts stay whatever happens next.
    """
    login = normalized_login(login)
    window = _cooloff()
    nonce = device_cookie_nonce(kind=kind, login=login, cookie=client.device_cookie)
    if nonce is not None:
        device = rate_limit_hit(
            key=_device_key(kind, nonce),
            limit=settings.SEATWISE_SIGNIN_DEVICE_FAILURES,
            window=window,
        )
        if device.allowed:
            return SigninAttempt(
                kind=kind,
                login=login,
                client=client,
                refusal=None,
                device_nonce=nonce,
                hits=device.hits,
                until=device.window_start + window,
            )
        # A locked device cookie is trusted no more: judged as any other client below.
    client_key = _client_key(client.address)
    limit = settings.SEATWISE_SIGNIN_CLIENT_LOGINS
    first_for_login = (
        rate_limit_hit(key=_client_login_key(client_key, kind, login), limit=1, window=window).hits
        == 1
    )
    if first_for_login:
        spread = rate_limit_hit(key=_client_counter(client_key), limit=limit, window=window)
        logins, until = spread.hits, spread.window_start + window
        if logins == limit + 1:
            log.warning(
                "Sign-in throttled: client %s failed with more than %d logins; refused for "
                "every login until %s.",
                client_key,
                limit,
                until.isoformat(),
            )
    else:
        logins = rate_limit_peek(key=_client_counter(client_key), window=window)
        until = rate_limit_window_end(window=window)
    if logins > limit:
        return SigninAttempt(
            kind=kind,
            login=login,
            client=client,
            refusal=Refusal.THROTTLED,
            device_nonce=None,
            hits=logins,
            until=until,
        )
    failures = rate_limit_hit(
        key=_login_key(kind, login),
        limit=settings.SEATWISE_SIGNIN_LOGIN_FAILURES,
        window=window,
    )
    return SigninAttempt(
        kind=kind,
        login=login,
        client=client,
        refusal=None if failures.allowed else Refusal.LOCKED,
        device_nonce=None,
        hits=failures.hits,
        until=failures.window_start + window,
    )


def signin_attempt_failed(attempt: SigninAttempt) -> SigninLockout | None:
    """Report that the attempt's password (or login) was wrong. Its slot was taken when it
    began, so nothing is counted here; returns the lock this failure brought about, if it was
    the one that used up the last slot (logged here; the caller audits it)."""
    if attempt.refusal is not None:
        return None
    if attempt.device_nonce is not None:
        if attempt.hits != settings.SEATWISE_SIGNIN_DEVICE_FAILURES:
            return None
        log.warning(
            "Sign-in device locked: %s sign-in %s, device %s, %d failures; the device cookie is "
            "not trusted until %s.",
            attempt.kind,
            attempt.login,
            attempt.device_nonce[:8],
            attempt.hits,
            attempt.until.isoformat(),
        )
        return SigninLockout(scope=LockScope.DEVICE, failures=attempt.hits, until=attempt.until)
    if attempt.hits != settings.SEATWISE_SIGNIN_LOGIN_FAILURES:
        return None
    log.warning(
        "Sign-in locked: %s sign-in %s, %d failures from clients without its device cookie "
        "(the last from %s); locked for them until %s.",
        attempt.kind,
        attempt.login,
        attempt.hits,
        _client_key(attempt.client.address),
        attempt.until.isoformat(),
    )
    return SigninLockout(scope=LockScope.LOGIN, failures=attempt.hits, until=attempt.until)


def signin_attempt_succeeded(attempt: SigninAttempt) -> None:
    """Report that the attempt signed in: its slot is given back. A trusted device forgets its
    own failures; an untrusted client forgets the login's failures from untrusted clients and
    gives back the slot it took of its own different logins."""
    window = _cooloff()
    if attempt.device_nonce is not None:
        rate_limit_reset(key=_device_key(attempt.kind, attempt.device_nonce), window=window)
        return
    rate_limit_reset(key=_login_key(attempt.kind, attempt.login), window=window)
    client_key = _client_key(attempt.client.address)
    forgotten = rate_limit_reset(
        key=_client_login_key(client_key, attempt.kind, attempt.login), window=window
    )
    if forgotten:
        rate_limit_release(key=_client_counter(client_key), window=window)


def signin_unlock(*, kind: SigninKind, login: str) -> datetime | None:
    """Lift a login's lock for untrusted clients (a new password was set through the e-mailed
    link, which proves access to the mailbox). Returns when the lock would have ended, or None
    if the login was not locked."""
    login = normalized_login(login)
    window = _cooloff()
    failures = rate_limit_reset(key=_login_key(kind, login), window=window)
    if failures < settings.SEATWISE_SIGNIN_LOGIN_FAILURES:
        return None
    log.info("Sign-in unlocked: %s sign-in %s, by a new password.", kind, login)
    return rate_limit_window_end(window=window)
