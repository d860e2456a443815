"""The Corporate Billing Portal's own session, separate from the product sign-in.

A portal sign-in logs in no person: it keeps the credential, its account and a fingerprint of
its password under a key of its own. The product sign-in gives no access to the portal, and the
portal's sign-in none to the product's pages. A new password (reset, or a new billing contact)
ends every open portal session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from seatwise.accounts.corporate_signin import (
    corporate_session_credential,
    corporate_session_hash,
)
from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor, Client
from seatwise.portals.sessions import portal_signin_record
from seatwise.sessions.data import PORTAL_KEY

SESSION_KEY = PORTAL_KEY


def corporate_login(request: HttpRequest, credential: CorporateCredential) -> None:
    # A new session key at every sign-in: a key planted before it is worth nothing after.
    request.session.cycle_key()
    portal_signin_record(
        request,
        {
            "account": credential.account_id,
            "credential": credential.pk,
            "hash": corporate_session_hash(credential),
        },
    )


def corporate_logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def corporate_credential(request: HttpRequest) -> CorporateCredential | None:
    """The credential signed in to the portal in this session, if it is still valid."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    credential = corporate_session_credential(
        credential_id=int(data.get("credential") or 0), session_hash=str(data.get("hash", ""))
    )
    if credential is None or credential.account_id != data.get("account"):
        corporate_logout(request)
        return None
    return credential


def corporate_required[**P](
    view: Callable[Concatenate[HttpRequest, CorporateCredential, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Let only a portal session through; send anyone else to the portal's sign-in. The URL's
    arguments (an object's id) are passed on after the credential."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        credential = corporate_credential(request)
        if credential is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('corporate:signin')}?{query}")
        return view(request, credential, *args, **kwargs)

    return wrapper


def portal_actor(credential: CorporateCredential, request: HttpRequest) -> Actor:
    """Who acts in a portal session: the holder of the User ID, the account's billing contact,
    from the request's client."""
    holder = billing_contact_of(credential.account)
    client = Client.of(request)
    if holder is None:  # pragma: no cover - an account is born with its contact
        return Actor.system(f"corporate-portal:{credential.user_id}", client=client)
    return Actor.for_person(holder, client=client)
