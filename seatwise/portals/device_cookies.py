"""The device cookie of each sign-in, for the sign-in views of both portals.

The cookie's value and what it means are ``accounts.signin_throttle``'s; here it is read from
a request and set on a response: HttpOnly, Secure whenever the session cookie is, SameSite=Lax,
for ``SEATWISE_DEVICE_COOKIE_AGE``. Each sign-in has its own cookie, naming the last login that
signed in with this browser.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from seatwise.accounts.signin_throttle import SigninClient, SigninKind, device_cookie_issue
from seatwise.core.clients import client_address

COOKIE_NAMES = {
    SigninKind.PRODUCT: "seatwise_device",
    SigninKind.CORPORATE: "seatwise_corporate_device",
}


def signin_client(request: HttpRequest, kind: SigninKind) -> SigninClient:
    """Who is signing in: the client's address and the device cookie it sent."""
    return SigninClient(
        address=client_address(request), device_cookie=request.COOKIES.get(COOKIE_NAMES[kind], "")
    )


def device_cookie_set(response: HttpResponse, *, kind: SigninKind, login: str) -> None:
    """Give the browser a new device cookie for ``login`` (after a sign-in, or a new password
    set through an e-mailed link)."""
    response.set_cookie(
        COOKIE_NAMES[kind],
        device_cookie_issue(kind=kind, login=login),
        max_age=int(settings.SEATWISE_DEVICE_COOKIE_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
