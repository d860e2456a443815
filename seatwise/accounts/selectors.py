from __future__ import annotations

from django.db.models import QuerySet

from seatwise.accounts.models import Account, Person


def billing_contact_of(account: Account) -> Person | None:
    return Person.objects.filter(account_id=account.pk, is_billing_contact=True).first()


def account_page(*, after: int | None, limit: int) -> tuple[list[Account], int | None]:
    """Keyset page of accounts by id: bounded cost whatever the number of accounts."""
    qs: QuerySet[Account] = Account.objects.order_by("pk")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def people_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Person], int | None]:
    qs = Person.objects.filter(account_id=account_id).order_by("pk")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)
