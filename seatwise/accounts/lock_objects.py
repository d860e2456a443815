"""Row locks of the accounts app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from django.db import connection

from seatwise.accounts.models import Account, CorporateCredential, Person


def account_lock(account_id: int) -> Account:
    return Account.objects.select_for_update().get(pk=account_id)


def account_lock_only(account_id: int) -> None:
    """``account_lock`` for a caller that does not need the row read again: on SQLite, whose
    IMMEDIATE transaction already holds the one write lock, no statement at all."""
    if connection.features.has_select_for_update:
        account_lock(account_id)


def people_lock(account_id: int) -> list[Person]:
    return list(Person.objects.select_for_update().filter(account_id=account_id).order_by("pk"))


def corporate_credential_lock(credential_id: int) -> CorporateCredential:
    return CorporateCredential.objects.select_for_update().get(pk=credential_id)


def corporate_credential_lock_by_account(account_id: int) -> CorporateCredential:
    return CorporateCredential.objects.select_for_update().get(account_id=account_id)
