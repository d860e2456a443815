"""License changes as the Admin Center makes them: a person's products, seats in bulk.

These services compose ``license_assign`` and ``license_unassign`` (which keep the seat counter
and write one audit entry per seat) into one transaction each, and tell the people concerned.
Rules (the help article add-licenses):

- the products ticked on User Details *replace* the person's products; a person holding no
  product is shown as "Suspended";
- seats are never assigned beyond those bought: a change that needs more seats than are free
  is refused as a whole, before anything is written, naming the product and its free seats;
- each change e-mails the person concerned, in their language, unless the admin ticked
  "Do not notify users about this change".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.core.errors import Refused
from seatwise.core.prepared import prepared
from seatwise.notifications.services import email_queue
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign, license_unassign

# One bulk action changes at most this many people (a page of Manage Users is 50).
BULK_MAX_PEOPLE = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseChange:
    """What a change did to one person: the subscriptions gained and lost."""

    person: Person
    added: tuple[Subscription, ...] = ()
    removed: tuple[Subscription, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkResult:
    """A bulk action: who was changed, and how many already were as asked."""

    subscription: Subscription
    assign: bool
    changed: tuple[Person, ...]
    unchanged: int


@prepared
def _live_subscriptions(account_id: int) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(account_id=account_id, status__in=LIVE_STATUSES)
        .select_related("product")
        .order_by("product__sort_order", "product__name", "pk")
    )


def live_subscriptions(account_id: int) -> list[Subscription]:
    """The account's subscriptions whose seats can be assigned, by product order."""
    return _live_subscriptions(account_id)


def not_enough_seats(subscription: Subscription, *, needed: int) -> Refused:
    """The refusal of a change that needs more seats of a product than are free."""
    return Refused(
        "not_enough_seats",
        _(
            "Not enough free seats of %(product)s: %(free)d of %(seats)d free, %(needed)d "
            "needed. Nothing was changed. Buy more seats, or remove seats from other users "
            "first."
        )
        % {
            "product": subscription.product.name,
            "free": subscription.seats_free,
            "seats": subscription.seats,
            "needed": needed,
        },
        field="subscriptions",
        product=subscription.product.name,
        free=subscription.seats_free,
    )


def _check_subscriptions(
    *, account_id: int, subscriptions: Iterable[Subscription]
) -> list[Subscription]:
    """Fresh copies of ``subscriptions``, all live subscriptions of the account, or a refusal.

    Read inside the transaction, under the account's lock, so the seat counts are current.
    """
    ids = {s.pk for s in subscriptions}
    fresh = list(
        Subscription.objects.filter(pk__in=ids, account_id=account_id, status__in=LIVE_STATUSES)
        .select_related("product")
        .order_by("product__sort_order", "product__name", "pk")
    )
    if len(fresh) != len(ids):
        raise Refused(
            "subscription_not_available",
            _("One of the products is not a current subscription of this account."),
            field="subscriptions",
        )
    return fresh


def _check_member(person: Person) -> int:
    if person.account_id is None or not person.is_active:
        raise Refused(
            "not_a_member",
            _("Licenses can only be assigned to members of the account."),
            field="person_id",
        )
    return person.account_id


def license_change_notify(*, change: LicenseChange) -> None:
    """Queue the e-mail that tells a person which products they gained and lost.

    Call inside the transaction of the change, so that the e-mail commits with it.
    """
    person = change.person
    email_queue(
        kind="license_change",
        to_address=person.email,
        to_person_id=person.pk,
        account_id=person.account_id,
        language=person.language,
        context={
            "person": person,
            "added": [s.product.name for s in change.added],
            "removed": [s.product.name for s in change.removed],
        },
    )


def license_products_set(
    *, person: Person, subscriptions: Iterable[Subscription], notify: bool, by: Actor
) -> LicenseChange:
    """User Details › Products: the ticked products replace the person's products.

    Seats are released before new ones are taken, all in one transaction: if a product has no
    free seat, the whole change is refused and nothing is written. Unless ``notify`` is False
    ("Do not notify users about this change"), the person gets one e-mail listing the products
    added and removed. Saving the same selection again changes nothing and sends nothing, so a
    repeated form submission is harmless.
    """
    account_id = _check_member(person)
    with transaction.atomic():
        account_lock(account_id)
        wanted = _check_subscriptions(account_id=account_id, subscriptions=subscriptions)
        live = {s.pk: s for s in live_subscriptions(account_id)}
        held = set(
            LicenseAssignment.objects.filter(
                person=person, subscription_id__in=live.keys()
            ).values_list("subscription_id", flat=True)
        )
        wanted_ids = {s.pk for s in wanted}
        added = tuple(s for s in wanted if s.pk not in held)
        removed = tuple(s for pk, s in live.items() if pk in held and pk not in wanted_ids)
        for subscription in added:
            if subscription.seats_free < 1:
                raise not_enough_seats(subscription, needed=1)
        for subscription in removed:
            license_unassign(subscription=subscription, person=person, by=by)
        for subscription in added:
            license_assign(subscription=subscription, person=person, by=by)
        change = LicenseChange(person=person, added=added, removed=removed)
        if notify and change.changed:
            license_change_notify(change=change)
    return change


def licenses_bulk_set(
    *,
    subscription: Subscription,
    people: Sequence[Person],
    assign: bool,
    notify: bool,
    by: Actor,
) -> BulkResult:
    """Manage Seats in bulk: give (or take) one seat of a product to (from) several people.

    People who already hold (or do not hold) a seat are left as they are, so a repeated
    submission is harmless. If assigning needs more seats than are free, the whole action is
    refused before anything is written. Each person changed gets one e-mail, unless
    ``notify`` is False.
    """
    if not people:
        raise Refused("no_people", _("Select at least one user."), field="people")
    if len({p.pk for p in people}) > BULK_MAX_PEOPLE:
        raise Refused(
            "too_many_people",
            _("Select at most %(max)d users at a time.") % {"max": BULK_MAX_PEOPLE},
            field="people",
        )
    for person in people:
        if person.account_id != subscription.account_id or not person.is_active:
            raise Refused(
                "not_a_member",
                _("Licenses can only be assigned to members of the account."),
                field="people",
            )
    unique = list({p.pk: p for p in people}.values())
    with transaction.atomic():
        account_lock(subscription.account_id)
        (fresh,) = _check_subscriptions(
            account_id=subscription.account_id, subscriptions=[subscription]
        )
        held = set(
            LicenseAssignment.objects.filter(
                subscription_id=fresh.pk, person_id__in=[p.pk for p in unique]
            ).values_list("person_id", flat=True)
        )
        if assign:
            targets = [p for p in unique if p.pk not in held]
            if len(targets) > fresh.seats_free:
                raise not_enough_seats(fresh, needed=len(targets))
            for person in targets:
                license_assign(subscription=fresh, person=person, by=by)
        else:
            targets = [p for p in unique if p.pk in held]
            for person in targets:
                license_unassign(subscription=fresh, person=person, by=by)
        if notify:
            for person in targets:
                license_change_notify(
                    change=LicenseChange(
                        person=person,
                        added=(fresh,) if assign else (),
                        removed=() if assign else (fresh,),
                    )
                )
    subscription.refresh_from_db(fields=["seats_assigned"])
    return BulkResult(
        subscription=fresh,
        assign=assign,
        changed=tuple(targets),
        unchanged=len(unique) - len(targets),
    )
