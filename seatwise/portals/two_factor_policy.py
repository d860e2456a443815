"""Who must sign in with two factors, and the reminder for those who may.

- Whoever must (``accounts.two_factor.two_factor_required``: vendor staff, and account admins
  and billing admins when the vendor's setting says so) and has not passed the code step in
  this session is sent from every page of the Billing Center, the Admin Center and My Account
  to the set-up (or code) page, and can use nothing else until then. The support console's
  own decorator does the same for its pages (``portals/support/access``).
- Whoever may but need not, and has no authenticator app yet, sees a reminder on those pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from seatwise.accounts.models import Person
from seatwise.accounts.two_factor import may_use_two_factor, two_factor_required
from seatwise.core.urls import reverse_cached as reverse

AREA_NAMESPACES = ("billing:home", "admin_center:home", "my_account:home")
# The pages a person who must set up two-factor sign-in may still open.
OPEN_DURING_ENROLMENT = (
    "my_account:two_factor",
    "my_account:two_factor_start",
    "my_account:recovery_codes",
)


def enrolment_url(person: Person) -> str:
    """Where someone who must use two-factor sign-in sets it up (or gives this session's
    code): the support console's page for vendor staff, My Account's for everyone else."""
    return reverse("support:two_factor" if person.is_staff else "my_account:two_factor")


def _in_areas(path: str) -> bool:
    return any(path.startswith(reverse(name)) for name in AREA_NAMESPACES)


def _verified(user: Any) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class TwoFactorPolicyMiddleware:
    """Keeps whoever must use two-factor sign-in, and has not in this session, out of the
    product's areas until they have (after django-otp's middleware, which says whether the
    session passed a code)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            isinstance(user, Person)
            and user.is_authenticated
            and _in_areas(request.path)
            and two_factor_required(user)
            and not _verified(user)
            and request.path not in {reverse(name) for name in OPEN_DURING_ENROLMENT}
        ):
            return redirect(enrolment_url(user))
        return self.get_response(request)


def two_factor_reminder(request: HttpRequest) -> dict[str, Any]:
    """Template context: the reminder's link, on the product's pages, for someone who may use
    two-factor sign-in, need not, and has not set it up. A session that passed the code step
    (django-otp's ``is_verified``) belongs to someone who has: no query. (A session opened
    before its person set up an app elsewhere shows the reminder until it ends; its link
    leads to the page that says two-factor sign-in is on.)"""
    user = getattr(request, "user", None)
    if (
        not isinstance(user, Person)
        or not user.is_authenticated
        or not _in_areas(request.path)
        or request.path == reverse("my_account:two_factor")
        or not may_use_two_factor(user)
        or two_factor_required(user)
        or _verified(user)
    ):
        return {}
    return {"two_factor_reminder_url": reverse("my_account:two_factor")}
