"""Reads of the Admin Center's pages: bounded queries, whatever the number of users."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import people_page as account_people_page
from seatwise.audit.models import AuditEntry
from seatwise.core.paging import keyset_page
from seatwise.core.prepared import prepared
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription

PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_TERMS = 5


def search_terms(q: str) -> list[str]:
    """At most a few words of a bounded search text: each must match name or e-mail."""
    return q[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_TERMS]


def _live_licenses() -> Prefetch[str, QuerySet[LicenseAssignment], str]:
    return Prefetch(
        "licenses",
        queryset=LicenseAssignment.objects.filter(subscription__status__in=LIVE_STATUSES)
        .select_related("subscription__product")
        .order_by("subscription__product__sort_order", "subscription__product__name"),
        to_attr="live_licenses",
    )


def live_licenses(person: Person) -> list[LicenseAssignment]:
    """The licenses of live subscriptions that a person fetched by this module holds."""
    prefetched: list[LicenseAssignment] = getattr(person, "live_licenses", [])
    return prefetched


@prepared
def _live_licenses_of(*person_ids: int) -> QuerySet[LicenseAssignment]:
    return (
        LicenseAssignment.objects.filter(
            person_id__in=person_ids, subscription__status__in=LIVE_STATUSES
        )
        .select_related("subscription__product")
        .order_by("subscription__product__sort_order", "subscription__product__name")
    )


def _live_licenses_attach(people: list[Person], *, size: int) -> None:
    """``live_licenses`` on each of ``people`` as ``_live_licenses`` prefetches it (the same
    query), as a prepared query: the ids padded with 0 (no one's) to ``size`` values, so that
    a page has one shape whatever its length."""
    held: dict[int, list[LicenseAssignment]] = {person.pk: [] for person in people}
    by_id = {person.pk: person for person in people}
    ids = [person.pk for person in people]
    for assignment in _live_licenses_of(*ids, *[0] * (size - len(ids))):
        assignment.person = by_id[assignment.person_id]
        held[assignment.person_id].append(assignment)
    for person in people:
        person.live_licenses = held[person.pk]  # type: ignore[attr-defined]


def people_page(
    *, account_id: int, q: str = "", after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Person], int | None]:
    """Keyset page (by id) of the account's people matching ``q``, each with
    ``live_licenses``: two queries whatever the page size."""
    terms = search_terms(q)
    if not terms:
        # The page as one opens it: a prepared query (seatwise.core.prepared).
        people, next_after = account_people_page(account_id=account_id, after=after, limit=limit)
        _live_licenses_attach(people, size=limit)
        return people, next_after
    qs: QuerySet[Person] = Person.objects.filter(account_id=account_id)
    for term in terms:
        qs = qs.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    return keyset_page(qs.prefetch_related(_live_licenses()), after=after, limit=limit)


def admins_page(
    *, account_id: int, after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Person], int | None]:
    qs = Person.objects.filter(account_id=account_id, is_account_admin=True).order_by("pk")
    return keyset_page(qs, after=after, limit=limit)


def member_get(*, account_id: int, person_id: int) -> Person | None:
    """A member of the account, with ``live_licenses``; None for anyone else."""
    return (
        Person.objects.filter(pk=person_id, account_id=account_id)
        .prefetch_related(_live_licenses())
        .first()
    )


def member_by_email(*, account_id: int, email: str) -> Person | None:
    return Person.objects.filter(account_id=account_id, email__iexact=email.strip()).first()


def members_get(*, account_id: int, person_ids: list[int]) -> list[Person] | None:
    """The members with these ids, or None if any id is not a member of the account."""
    wanted = set(person_ids)
    people = list(Person.objects.filter(account_id=account_id, pk__in=wanted).order_by("pk"))
    return people if len(people) == len(wanted) else None


def was_removed_from(*, account_id: int, person_id: int) -> Person | None:
    """A person who was a member of the account and has been removed from it, if so."""
    removed = AuditEntry.objects.filter(
        action="person.remove",
        object_type="accounts.person",
        object_id=str(person_id),
        account_id=account_id,
    ).exists()
    if not removed:
        return None
    return Person.objects.filter(pk=person_id, account__isnull=True).first()


@dataclass(frozen=True, slots=True)
class UserCounts:
    total: int
    admins: int
    suspended: int


def user_counts(account_id: int) -> UserCounts:
    """How many people the account has, how many are admins, and how many hold no product."""
    holds = LicenseAssignment.objects.filter(
        person_id=OuterRef("pk"), subscription__status__in=LIVE_STATUSES
    )
    row = Person.objects.filter(account_id=account_id).aggregate(
        total=Count("pk"),
        admins=Count("pk", filter=Q(is_account_admin=True)),
        suspended=Count("pk", filter=~Exists(holds)),
    )
    return UserCounts(total=row["total"], admins=row["admins"], suspended=row["suspended"])


def subscription_in_account(*, account_id: int, subscription_id: int) -> Subscription | None:
    return (
        Subscription.objects.filter(
            pk=subscription_id, account_id=account_id, status__in=LIVE_STATUSES
        )
        .select_related("product")
        .first()
    )
