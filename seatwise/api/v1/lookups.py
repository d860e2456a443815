"""Objects named by the request: in the path (404 when missing) or in the body (422).

Each lookup also applies the token's account restriction (``OperatorToken.account_ids``): an
object of an account the token does not reach is answered exactly as one that does not
exist (same status, code and message), so a restricted token learns nothing about other
accounts, not even whether an id is taken.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import P, PathEx

from seatwise.accounts.models import Account, Person
from seatwise.accounts.selectors import account_get, person_get
from seatwise.api.auth import token_of
from seatwise.core.errors import Invalid, NotFound
from seatwise.core.validation import ID_MAX
from seatwise.payments.models import PaymentMethod
from seatwise.payments.selectors import payment_method_get
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import subscription_get

# An id in the path. Bounded so that no id overflows the database's 64-bit integers.
IdPath = PathEx[int, P(ge=1, le=ID_MAX)]


def account_or_404(request: HttpRequest, account_id: int, *, with_user_id: bool = False) -> Account:
    """The account, with its Corporate Billing Portal User ID when the answer shows it
    (``with_user_id``: an ``AccountOut``)."""
    found = token_of(request).reaches(account_id)
    account = account_get(account_id, with_credential=with_user_id) if found else None
    if account is None:
        raise NotFound("account_not_found", _("There is no account with this id."))
    return account


def person_or_404(request: HttpRequest, person_id: int) -> Person:
    person = person_get(person_id)
    if person is None or not token_of(request).reaches(person.account_id):
        raise NotFound("person_not_found", _("There is no person with this id."))
    return person


def subscription_or_404(
    request: HttpRequest, subscription_id: int, *, with_plan: bool = False
) -> Subscription:
    """The subscription, with its product and plan when the answer shows them
    (``with_plan``: a ``SubscriptionOut``)."""
    subscription = subscription_get(subscription_id, with_plan=with_plan)
    if subscription is None or not token_of(request).reaches(subscription.account_id):
        raise NotFound("subscription_not_found", _("There is no subscription with this id."))
    return subscription


def payment_method_or_404(request: HttpRequest, payment_method_id: int) -> PaymentMethod:
    method = payment_method_get(payment_method_id)
    if method is None or not token_of(request).reaches(method.account_id):
        raise NotFound("payment_method_not_found", _("There is no payment method with this id."))
    return method


def person_in_body(request: HttpRequest, person_id: int, *, field: str = "person_id") -> Person:
    person = person_get(person_id)
    if person is None or not token_of(request).reaches(person.account_id):
        raise Invalid("unknown_person", _("There is no person with this id."), field=field)
    return person
