"""Objects named by the request: in the path (404 when missing) or in the body (422)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import P, PathEx

from seatwise.accounts.models import Account, Person
from seatwise.accounts.selectors import account_get, person_get
from seatwise.core.errors import Invalid, NotFound
from seatwise.core.validation import ID_MAX
from seatwise.payments.models import PaymentMethod
from seatwise.payments.selectors import payment_method_get
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import subscription_get

# An id in the path. Bounded so that no id overflows the database's 64-bit integers.
IdPath = PathEx[int, P(ge=1, le=ID_MAX)]


def account_or_404(account_id: int) -> Account:
    account = account_get(account_id)
    if account is None:
        raise NotFound("account_not_found", _("There is no account with this id."))
    return account


def person_or_404(person_id: int) -> Person:
    person = person_get(person_id)
    if person is None:
        raise NotFound("person_not_found", _("There is no person with this id."))
    return person


def subscription_or_404(subscription_id: int) -> Subscription:
    subscription = subscription_get(subscription_id)
    if subscription is None:
        raise NotFound("subscription_not_found", _("There is no subscription with this id."))
    return subscription


def payment_method_or_404(payment_method_id: int) -> PaymentMethod:
    method = payment_method_get(payment_method_id)
    if method is None:
        raise NotFound("payment_method_not_found", _("There is no payment method with this id."))
    return method


def person_in_body(person_id: int, *, field: str = "person_id") -> Person:
    person = person_get(person_id)
    if person is None:
        raise Invalid("unknown_person", _("There is no person with this id."), field=field)
    return person
