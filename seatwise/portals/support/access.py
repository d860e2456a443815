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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor


@dataclass(frozen=True, slots=True)
class Agent:
    """The signed-in support agent."""

    person: Person

    @property
    def actor(self) -> Actor:
        return Actor.for_person(self.person)


def is_agent(user: object) -> bool:
    return (
        isinstance(user, Person)
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.account_id is None
    )


def agent_required[**P](
    view: Callable[Concatenate[HttpRequest, Agent, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_agent(user) or not isinstance(user, Person):
            return render(request, "support/forbidden.html", status=403)
        if not getattr(user, "is_verified", lambda: False)():
            return redirect("support:two_factor")
        return view(request, Agent(person=user), *args, **kwargs)

    return wrapper
