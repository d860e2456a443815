from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q, QuerySet

from seatwise.accounts.models import Account, Person
from seatwise.core.paging import keyset_page, keyset_prepared
from seatwise.core.prepared import prepared


@prepared
def _billing_contact(account_id: int) -> QuerySet[Person]:
    return Person.objects.filter(account_id=account_id, is_billing_contact=True).order_by("pk")[:1]


def billing_contact_of(account: Account) -> Person | None:
    return next(iter(_billing_contact(account.pk)), None)


def account_page(
    *, after: int | None, limit: int, account_ids: Collection[int] | None = None
) -> tuple[list[Account], int | None]:
    """Keyset page of accounts by id: bounded cost whatever the number of accounts.
    ``account_ids``: only these accounts (None: all)."""
    if account_ids is None:
        return keyset_prepared(_accounts, after=after, limit=limit)
    # The corporate credential is joined: a page renders each account's User ID.
    qs: QuerySet[Account] = Account.objects.select_related("corporate_credential").order_by("pk")
    return keyset_page(qs.filter(pk__in=list(account_ids)), after=after, limit=limit)


@prepared
def _accounts(*after: int, limit: int) -> QuerySet[Account]:
    qs = Account.objects.select_related("corporate_credential")
    if after:
        qs = qs.filter(pk__gt=after[0])
    return qs.order_by("pk")[: limit + 1]


def people_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Person], int | None]:
    return keyset_prepared(_people, account_id, after=after, limit=limit)


@prepared
def _people(account_id: int, *after: int, limit: int) -> QuerySet[Person]:
    qs = Person.objects.filter(account_id=account_id)
    if after:
        qs = qs.filter(pk__gt=after[0])
    return qs.order_by("pk")[: limit + 1]


def account_get(account_id: int, *, with_credential: bool = True) -> Account | None:
    """An account, with its corporate credential joined (its User ID) unless
    ``with_credential`` is false: a caller that does not show the User ID saves the join."""
    return next(iter(_account(account_id, with_credential=with_credential)), None)


@prepared
def _account(account_id: int, *, with_credential: bool) -> QuerySet[Account]:
    qs = (
        Account.objects.select_related("corporate_credential")
        if with_credential
        else Account.objects.all()
    )
    return qs.filter(pk=account_id)


def person_get(person_id: int) -> Person | None:
    """A customer's person (current or former member of an account); never vendor staff."""
    return next(iter(_customer_person(person_id)), None)


@prepared
def _customer_person(person_id: int) -> QuerySet[Person]:
    return Person.objects.filter(pk=person_id, is_staff=False)


def account_role_holders(account_id: int) -> list[Person]:
    """The billing contact and the account admins of an account, in one query, by id."""
    return list(
        Person.objects.filter(account_id=account_id)
        .filter(Q(is_billing_contact=True) | Q(is_account_admin=True))
        .order_by("pk")
    )


def people_by_id(person_ids: set[int]) -> dict[int, Person]:
    """The people with these ids (customers, former members and vendor staff alike), by id,
    in one query: the names of a page's actors."""
    if not person_ids:
        return {}
    people = Person.objects.filter(pk__in=person_ids).only(
        "pk", "email", "first_name", "last_name", "is_staff", "account_id"
    )
    return {person.pk: person for person in people}
