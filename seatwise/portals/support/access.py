"""Who may use the support console: vendor staff, signed in with two factors.

- anonymous visitors go to the sign-in;
- people who are not vendor staff get "403";
- staff without a confirmed authenticator app, or whose session was not confirmed with a code,
  go to the console's two-factor page and can do nothing else there until they pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor, Client


@dataclass(frozen=True, slots=True)
class Agent:
    """The signed-in support agent."""

    person: Person
    client: Client | None = None  # where the request came from, recorded with each write

    @property
    def actor(self) -> Actor:
        return Actor.for_person(self.person, client=self.client)


def is_agent(user: object) -> bool:
    return (
        isinstance(user, Person)
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.account_id is None
    )


def agent_required[**P](
    view: Callable[Concatenate[HttpRequest, Agent, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_agent(user) or not isinstance(user, Person):
            return render(request, "support/forbidden.html", status=403)
        if not getattr(user, "is_verified", lambda: False)():
            return redirect("support:two_factor")
        return view(request, Agent(person=user, client=Client.of(request)), *args, **kwargs)

    return wrapper
