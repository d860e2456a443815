"""Account roles: the billing contact (exactly one) and the account admins (at least one).

A change of someone's role ends their sessions (``seatwise.sessions.services.sessions_rotate``),
and a new billing contact of a corporate account ends the portal's sessions: the portal's
password went with the role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.selectors import account_role_holders, billing_contact_of
from seatwise.accounts.services import (
    account_admin_grant,
    account_admin_revoke,
    billing_contact_set,
)
from seatwise.api.auth import actor_of, requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import Id
from seatwise.api.v1.lookups import IdPath, account_or_404, person_in_body, person_or_404
from seatwise.api.v1.people import PersonOut
from seatwise.sessions.services import portal_sessions_end_others, sessions_rotate

router = Router(tags=["roles"])


class RolesOut(Schema):
    billing_contact: PersonOut | None
    account_admins: list[PersonOut]


class BillingContactSetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: Id


def _roles(account: Account) -> dict[str, Any]:
    holders = account_role_holders(account.pk)
    return {
        "billing_contact": next((p for p in holders if p.is_billing_contact), None),
        "account_admins": [p for p in holders if p.is_account_admin],
    }


@router.get(
    "/accounts/{account_id}/roles",
    auth=requires(Scope.ROLES_READ),
    response={200: RolesOut, **errors(404)},
)
def get_roles(request: HttpRequest, account_id: IdPath) -> dict[str, Any]:
    """Who is the account's billing contact, and who are its account admins."""
    return _roles(account_or_404(request, account_id))


@router.put(
    "/accounts/{account_id}/billing-contact",
    auth=requires(Scope.ROLES_WRITE),
    response={200: RolesOut, **errors(400, 404, 409)},
)
def set_billing_contact(
    request: HttpRequest, account_id: IdPath, payload: BillingContactSetIn
) -> dict[str, Any]:
    """Make a member of the account its billing contact; the previous one loses the role in
    the same transaction, so the account always has exactly one. On a corporate account the
    Corporate Billing Portal password is cleared: the new billing contact sets their own."""
    account = account_or_404(request, account_id)
    previous = billing_contact_of(account)
    by = actor_of(request)
    holder = billing_contact_set(
        account=account, person=person_in_body(request, payload.person_id), by=by
    )
    if previous is None or previous.pk != holder.pk:
        people = [p for p in (previous, holder) if p is not None]
        sessions_rotate(session=None, people=people, reason="billing_contact_handover", by=by)
        credential = CorporateCredential.objects.filter(account=account).first()
        if credential is not None:
            portal_sessions_end_others(
                credential=credential, keep=None, reason="billing_contact_handover", by=by
            )
    return _roles(account)


@router.put(
    "/people/{person_id}/account-admin",
    auth=requires(Scope.ROLES_WRITE),
    response={200: PersonOut, **errors(404, 409)},
)
def grant_account_admin(request: HttpRequest, person_id: IdPath) -> Person:
    """Make a member an account admin (nothing changes if they already are)."""
    person = person_or_404(request, person_id)
    was_admin, by = person.is_account_admin, actor_of(request)
    person = account_admin_grant(person=person, by=by)
    if not was_admin:
        sessions_rotate(session=None, people=[person], reason="account_admin_grant", by=by)
    return person


@router.delete(
    "/people/{person_id}/account-admin",
    auth=requires(Scope.ROLES_WRITE),
    response={200: PersonOut, **errors(404, 409)},
)
def revoke_account_admin(request: HttpRequest, person_id: IdPath) -> Person:
    """Revoke account admin; an account always keeps at least one."""
    person = person_or_404(request, person_id)
    was_admin, by = person.is_account_admin, actor_of(request)
    person = account_admin_revoke(person=person, by=by)
    if was_admin:
        sessions_rotate(session=None, people=[person], reason="account_admin_revoke", by=by)
    return person
