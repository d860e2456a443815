"""Factories for tests. They go through the services, so every object they make is one that
Seatwise itself could have made (with its audit entries)."""

from __future__ import annotations

import itertools
from datetime import date

from seatwise.accounts.models import Account, Person
from seatwise.accounts.services import Address, NewPerson, account_create, person_add
from seatwise.audit.actors import Actor
from seatwise.catalog.models import Plan
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.payments.services import payment_method_add
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import subscription_add

SYSTEM = Actor.system("tests")
PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_account(
    *,
    kind: str = "online",
    country: str = "DE",
    language: str = "de",
    currency: str = "EUR",
    name: str | None = None,
    self_service_eligible: bool = True,
    vat_id: str = "",
) -> Account:
    n = next(_seq)
    return account_create(
        name=name or f"Account {n}",
        kind=kind,
        country=country,
        language=language,
        currency=currency,
        vat_id=vat_id,
        address=Address(line1=f"Street {n}", postal_code="10115", city="Berlin"),
        self_service_eligible=self_service_eligible,
        billing_contact=NewPerson(
            email=f"billing{n}@example.com",
            first_name="Bill",
            last_name=f"Contact{n}",
            language=language,
            password=PASSWORD,
        ),
        by=SYSTEM,
    )


def make_person(account: Account, *, admin: bool = False, language: str | None = None) -> Person:
    n = next(_seq)
    return person_add(
        account=account,
        email=f"person{n}@example.com",
        first_name="Pat",
        last_name=f"Person{n}",
        language=language,
        password=PASSWORD,
        is_account_admin=admin,
        by=SYSTEM,
    )


def billing_contact(account: Account) -> Person:
    return Person.objects.get(account=account, is_billing_contact=True)


def ensure_default_catalog() -> None:
    """The default catalog, from its data migration's own code if it is gone. Every test
    starts with it (a transactional test ends with the migrations' rows put back:
    tests/conftest.py); a test that deleted it itself gets it again."""
    if Plan.objects.exists():
        return
    import importlib

    from django.apps import apps

    importlib.import_module("seatwise.catalog.migrations.0002_default_catalog").load(apps, None)


def plan(code: str = "goto-meeting-standard-monthly") -> Plan:
    ensure_default_catalog()
    return Plan.objects.select_related("product").get(code=code)


def make_subscription(
    account: Account,
    *,
    seats: int = 5,
    plan_code: str = "goto-meeting-standard-monthly",
    term_start: date | None = None,
) -> Subscription:
    return subscription_add(
        account=account, plan=plan(plan_code), seats=seats, term_start=term_start, by=SYSTEM
    )


def make_card(
    account: Account, number: str = "4242424242424242", cvc: str = "123"
) -> PaymentMethod:
    return payment_method_add(
        account=account,
        card=CardDetails(
            number=number,
            exp_month=12,
            exp_year=date.today().year + 2,
            cvc=cvc,
            holder_name="Bill Contact",
        ),
        by=SYSTEM,
    )
