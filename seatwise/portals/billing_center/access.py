"""Who may use the Billing Center, and what everyone else is told: only the billing admin of an
online account uses it (the help article sign-in-billing).

Signed in with the product's e-mail and password, the billing admin of an online account lands
on the account's **Subscriptions** page; anyone else sees "You seem to have landed in the wrong
place", with a link to their account profile and one of two cases: a standard (online) account
whose billing admin they are not, or an account managed in the Corporate Billing Portal, where
they may or may not be the billing admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor, Client
from seatwise.portals.billing_center.selectors import subscription_in_account
from seatwise.subscriptions.models import Subscription


class WrongPlace(StrEnum):
    """Why someone is not let into the Billing Center."""

    # A standard (online) account: they are not its billing admin.
    ONLINE = "online"
    # A corporate account: billing is managed in the Corporate Billing Portal, whoever asks.
    CORPORATE = "corporate"
    # Vendor staff and former members: no customer account at all.
    NO_ACCOUNT = "no_account"


def billing_center_account(person: Person) -> Account | None:
    """The account whose Billing Center ``person`` may use: only the billing contact (billing
    admin) of an online account has one."""
    account = person.account
    if not person.is_active or not person.is_billing_contact or account is None:
        return None
    return account if account.kind == Account.Kind.ONLINE else None


def wrong_place_case(person: Person) -> WrongPlace:
    """The case of the "wrong place" page for someone without a Billing Center."""
    account = person.account
    if account is None or person.is_staff:
        return WrongPlace.NO_ACCOUNT
    return WrongPlace.CORPORATE if account.is_corporate else WrongPlace.ONLINE


@dataclass(frozen=True, slots=True)
class BillingAdmin:
    """The signed-in billing admin of an online account, and that account."""

    person: Person
    account: Account
    client: Client | None = None  # where the request came from, recorded with each write

    @property
    def actor(self) -> Actor:
        return Actor.for_person(self.person, client=self.client)

    def frame(self, section: str) -> dict[str, Any]:
        """What every page of the billing admin shows: the section, the account, the person."""
        return {"section": section, "account": self.account, "person": self.person}


def subscription_or_404(admin: BillingAdmin, subscription_id: int) -> Subscription:
    """A subscription of the billing admin's account; another account's id is "not found"."""
    subscription = subscription_in_account(
        account_id=admin.account.pk, subscription_id=subscription_id
    )
    if subscription is None:
        raise Http404
    return subscription


def billing_admin_required[**P](
    view: Callable[Concatenate[HttpRequest, BillingAdmin, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Anonymous visitors to the sign-in; anyone signed in without a Billing Center to the
    "wrong place" page, whatever they asked for (so that an id tells them nothing); the billing
    admin through, with their account, inside which every object is then looked up."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = billing_center_account(user) if isinstance(user, Person) else None
        if account is None or not isinstance(user, Person):
            return redirect("billing:wrong_place")
        return view(
            request,
            BillingAdmin(person=user, account=account, client=Client.of(request)),
            *args,
            **kwargs,
        )

    return wrapper
