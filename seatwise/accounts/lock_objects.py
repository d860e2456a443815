"""Row locks of the accounts app. On SQLite the IMMEDIATE transaction mode serialises writers;
on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.accounts.models import Account, CorporateCredential, Person


def account_lock(account_id: int) -> Account:
    return Account.objects.select_for_update().get(pk=account_id)


def people_lock(account_id: int) -> list[Person]:
    return list(Person.objects.select_for_update().filter(account_id=account_id).order_by("pk"))


def corporate_credential_lock(credential_id: int) -> CorporateCredential:
    return CorporateCredential.objects.select_for_update().get(pk=credential_id)


def corporate_credential_lock_by_account(account_id: int) -> CorporateCredential:
    return CorporateCredential.objects.select_for_update().get(account_id=account_id)
