"""Who may enter the Admin Center: the account admins of an account, and nobody else.

Anonymous visitors are sent to the sign-in; anyone else signed in (users, billing contacts who
are not account admins, vendor staff) gets a 403 page that tells them to ask their account
admin, without naming anyone (only billing contacts and account admins may know who the
billing contact is). Every view receives the admin and their account, and looks up the objects
it acts on inside that account only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor, Client
from seatwise.portals.admin_center.selectors import member_get


@dataclass(frozen=True, slots=True)
class Admin:
    """The signed-in account admin and their account."""

    person: Person
    account: Account
    client: Client | None = None  # where the request came from, recorded with each write

    @property
    def actor(self) -> Actor:
        return Actor.for_person(self.person, client=self.client)

    def frame(self, section: str) -> dict[str, Any]:
        """What every Admin Center page shows: the section, the account, the admin."""
        return {"section": section, "account": self.account, "me": self.person}


def member_or_404(admin: Admin, person_id: int) -> Person:
    """A member of the admin's account; anyone else's id is "not found"."""
    person = member_get(account_id=admin.account.pk, person_id=person_id)
    if person is None:
        raise Http404
    return person


def account_admin_required[**P](
    view: Callable[Concatenate[HttpRequest, Admin, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if (
            not isinstance(user, Person)
            or not user.is_active
            or not user.is_account_admin
            or user.account is None
        ):
            return render(request, "admin_center/forbidden.html", status=403)
        return view(
            request,
            Admin(person=user, account=user.account, client=Client.of(request)),
            *args,
            **kwargs,
        )

    return wrapper
