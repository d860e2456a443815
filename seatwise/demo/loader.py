"""Load the demo data set (``seatwise.demo.data``) through the domain services, and wipe it.

Every write goes through the same services the portals and the API use, as the actor
``Actor.system("demo")``, so the demo data is data Seatwise itself could have made, audit
entries included.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.services import (
    NewPerson,
    account_admin_grant,
    account_create,
    corporate_password_set,
    person_add,
)
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.audit.purge import audit_trail_purge
from seatwise.catalog.models import Plan, Product
from seatwise.catalog.services import product_trial_set
from seatwise.core.models import RateLimitCounter
from seatwise.demo.data import (
    DEMO_ACCOUNTS,
    DEMO_CASES,
    DEMO_EMAILS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_TRIAL_TERMS,
    DEMO_USER_IDS,
    DemoAccount,
    DemoCase,
)
from seatwise.ordering.services import quote_create
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, TestGatewayCard
from seatwise.payments.services import payment_method_add
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import license_assign, subscription_add
from seatwise.support.cases import CaseRequest, Visitor, case_confirm, case_open, case_request
from seatwise.support.models import Case
from seatwise.support.services import case_account_link
from seatwise.support.tokens import case_confirmation_token_make
from seatwise.support.verification import CardAnswers, case_verify

DEMO_ACTOR = Actor.system("demo")
# The client address the demo's support requests are recorded as coming from.
DEMO_CLIENT = "demo-loader"
# Deep enough for any chain of foreign keys in the schema; a deeper one means a cycle.
_MAX_DEPENDENCY_DEPTH = 12


class DemoAlreadyLoaded(Exception):
    """The demo data (or a person or User ID it would create) is already in the database."""


@dataclass(frozen=True, slots=True)
class DemoData:
    """What ``demo_load`` created: accounts by their key in ``DEMO_ACCOUNTS``, people by e-mail."""

    accounts: dict[str, Account]
    people: dict[str, Person]


def demo_is_loaded() -> bool:
    return (
        Person.objects.filter(email__in=DEMO_EMAILS).exists()
        or CorporateCredential.objects.filter(user_id__in=DEMO_USER_IDS).exists()
    )


def demo_load(*, reset: bool) -> DemoData:
    """Create the demo accounts, people, subscriptions, seats and cards in one transaction.

    With ``reset`` the demo data already there is wiped first (``demo_wipe``); without it, a
    database that already holds demo data is refused with ``DemoAlreadyLoaded``.

    The people's password is hashed once, before the transaction, and given to all of them in
    one update at its end: the transaction stays short (a few seconds), so that workers and
    web servers writing meanwhile wait for it well within the database's busy timeout.
    """
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        if reset:
            demo_wipe()
        elif demo_is_loaded():
            raise DemoAlreadyLoaded
        for product in Product.objects.filter(code__in=DEMO_TRIAL_TERMS):
            days, seats = DEMO_TRIAL_TERMS[product.code]
            product_trial_set(
                product=product, trial_days=days, trial_seat_limit=seats, by=DEMO_ACTOR
            )
        accounts: dict[str, Account] = {}
        people: dict[str, Person] = {}
        for spec in DEMO_ACCOUNTS:
            account, members = _account_load(spec)
            accounts[spec.key] = account
            people.update(members)
        for staff in DEMO_STAFF:
            # Vendor staff belong to no account; the support console needs their second factor.
            person = Person.objects.create_user(
                staff.email,
                None,
                first_name=staff.first_name,
                last_name=staff.last_name,
                language=staff.language,
                is_staff=True,
            )
            TOTPDevice.objects.create(
                user=person,
                name="Seatwise",
                confirmed=True,
                key=base64.b32decode(staff.totp_secret).hex(),
            )
            people[staff.email] = person
        agent = people[DEMO_STAFF[0].email]
        for case_spec in DEMO_CASES:
            _case_load(case_spec, accounts=accounts, people=people, agent=agent)
        Person.objects.filter(email__in=DEMO_EMAILS).update(password=password_hash)
    return DemoData(accounts=accounts, people=people)


def demo_expiry(expiry: tuple[int, int]) -> tuple[int, int]:
    """(month, years from now) as (month, year)."""
    month, years = expiry
    return month, timezone.now().year + years


def _case_load(
    spec: DemoCase, *, accounts: dict[str, Account], people: dict[str, Person], agent: Person
) -> Case:
    account = accounts[spec.account]
    first, last, email = spec.new_contact
    request = CaseRequest(
        topic=Case.Topic.BILLING_CONTACT_CHANGE,
        company_name=account.name,
        new_contact=NewContact(first_name=first, last_name=last, email=email),
        source_article="change-billing-contact",
    )
    key = f"demo-case-{spec.key}-request"
    if spec.signed_in:
        person = people[spec.requester_email]
        return case_open(
            person=person,
            request=request,
            client=DEMO_CLIENT,
            by=Actor.for_person(person),
            request_key=key,
        )
    case = case_request(
        visitor=Visitor(
            name=spec.requester_name, email=spec.requester_email, language=spec.requester_language
        ),
        request=request,
        client=DEMO_CLIENT,
        by=DEMO_ACTOR,
        request_key=key,
    )
    case = case_confirm(case_id=case.pk, token=case_confirmation_token_make(case), by=DEMO_ACTOR)
    if spec.failed_attempts:
        by = Actor.for_person(agent)
        case = case_account_link(case=case, account=account, by=by)
        for _attempt in range(spec.failed_attempts):
            month, year = demo_expiry(spec.says.expiry)
            case_verify(
                case=case,
                answers=CardAnswers(
                    last4="0000", exp_month=month, exp_year=year, holder_name=spec.says.holder_name
                ),
                agent=agent,
                by=by,
            )
    return case


def _account_load(spec: DemoAccount) -> tuple[Account, dict[str, Person]]:
    contact = spec.billing_admin
    account = account_create(
        name=spec.name,
        kind=spec.kind,
        country=spec.country,
        language=spec.language,
        currency=spec.currency,
        vat_id=spec.vat_id,
        address=spec.address,
        self_service_eligible=spec.self_service_eligible,
        billing_contact=NewPerson(
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            language=contact.language,
        ),
        corporate_user_id=spec.corporate_user_id,
        by=DEMO_ACTOR,
    )
    if spec.kind == "corporate":
        corporate_password_set(account=account, password=DEMO_PASSWORD, by=DEMO_ACTOR)
    members = {contact.email: Person.objects.get(account=account, is_billing_contact=True)}
    for person_spec in spec.people:
        if person_spec.role == "billing_admin":
            continue
        person = person_add(
            account=account,
            email=person_spec.email,
            first_name=person_spec.first_name,
            last_name=person_spec.last_name,
            language=person_spec.language,
            by=DEMO_ACTOR,
        )
        if person_spec.role == "account_admin":
            person = account_admin_grant(person=person, by=DEMO_ACTOR)
        members[person.email] = person
    subscriptions: dict[str, Subscription] = {}
    for subscription_spec in spec.subscriptions:
        plan = Plan.objects.select_related("product").get(code=subscription_spec.plan_code)
        subscriptions[plan.product.code] = subscription_add(
            account=account, plan=plan, seats=subscription_spec.seats, by=DEMO_ACTOR
        )
    for person_spec in spec.people:
        for product_code in person_spec.seats:
            license_assign(
                subscription=subscriptions[product_code],
                person=members[person_spec.email],
                by=DEMO_ACTOR,
            )
    if spec.card is not None and spec.card.expired:
        # Stored years ago, expired since: in the test gateway's vault as a real gateway
        # keeps it, put on file by its token.
        month, year = demo_expiry(spec.card.expiry)
        vault = TestGatewayCard.objects.create(
            token=f"tok_demo_{spec.key}",
            brand="mastercard" if spec.card.number.startswith("5") else "visa",
            last4=spec.card.number[-4:],
            exp_month=month,
            exp_year=year,
            holder_name=spec.card.holder_name,
        )
        payment_method_add(
            account=account,
            token=vault.token,
            is_automatic=spec.card.is_automatic,
            by=DEMO_ACTOR,
        )
    elif spec.card is not None:
        month, year = demo_expiry(spec.card.expiry)
        payment_method_add(
            account=account,
            card=CardDetails(
                number=spec.card.number,
                exp_month=month,
                exp_year=year,
                cvc="123",
                holder_name=spec.card.holder_name,
            ),
            is_automatic=spec.card.is_automatic,
            by=DEMO_ACTOR,
        )
    if spec.open_quote:
        quote_create(
            account=account,
            seats={subscriptions[code].pk: seats for code, seats in spec.open_quote},
            replace_open=False,
            by=DEMO_ACTOR,
        )
    return account, members


def demo_accounts() -> QuerySet[Account]:
    """The accounts the demo loader created, found by the audit trail, or by a demo person."""
    created_by_demo = AuditEntry.objects.filter(
        action="account.create", actor_kind=DEMO_ACTOR.kind, actor_label=DEMO_ACTOR.label
    ).values("account_id")
    with_demo_people = Person.objects.filter(email__in=DEMO_EMAILS, account__isnull=False).values(
        "account_id"
    )
    return Account.objects.filter(Q(pk__in=created_by_demo) | Q(pk__in=with_demo_people))


def demo_wipe() -> None:
    """Delete the demo accounts with everything that depends on them, and the demo staff.

    Accounts are held by ``PROTECT`` foreign keys (people, subscriptions, seats, cards,
    credentials, and whatever later apps add), so dependents are deleted first, found by
    following the foreign keys that point at each model. Rows that name an account by a plain
    ``account_id`` column so as to outlive it (audit entries, outgoing e-mails) go too, as do
    the test gateway's vault cards of the deleted payment methods. Other customer accounts and
    the catalog are left alone.
    """
    with transaction.atomic():
        account_ids = list(demo_accounts().values_list("pk", flat=True))
        vault_tokens = list(
            PaymentMethod.objects.filter(account_id__in=account_ids, gateway="test").values_list(
                "token", flat=True
            )
        )
        # Visitors' requests not linked to an account, and the contact form's counters.
        _delete_with_dependents(Case.objects.filter(request_key__startswith="demo-case-"))
        RateLimitCounter.objects.filter(key__in=_demo_rate_limit_keys()).delete()
        _delete_with_dependents(Account.objects.filter(pk__in=account_ids))
        # Demo people who left their account (person_remove) and the demo staff.
        _delete_with_dependents(Person.objects.filter(email__in=DEMO_EMAILS))
        # The accounts' audit trails go with them, through the trail's one way out.
        audit_trail_purge(account_ids=account_ids)
        for model in _models_with_plain_account_id():
            if model is not AuditEntry:
                model._base_manager.filter(account_id__in=account_ids).delete()
        TestGatewayCard.objects.filter(token__in=vault_tokens).delete()


def _demo_rate_limit_keys() -> list[str]:
    return [f"support.case:client:{DEMO_CLIENT}"] + [
        f"support.case:email:{case.requester_email}" for case in DEMO_CASES
    ]


def _models_with_plain_account_id() -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for model in apps.get_models():
        if not model._meta.app_config.name.startswith("seatwise."):
            continue
        try:
            field = model._meta.get_field("account_id")
        except FieldDoesNotExist:
            continue
        if not field.is_relation:
            found.append(model)
    return found


def _delete_with_dependents(rows: QuerySet[Any], depth: int = 0) -> None:
    if depth > _MAX_DEPENDENCY_DEPTH:
        raise RuntimeError(f"Foreign keys nest deeper than {_MAX_DEPENDENCY_DEPTH} levels.")
    model = rows.model
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model is model:
            # Many-to-many rows are deleted with their owner; a model pointing at itself is
            # deleted as one set.
            continue
        if relation.on_delete not in (models.CASCADE, models.PROTECT, models.RESTRICT):
            continue
        related_model = cast(type[models.Model], relation.related_model)
        dependents = related_model._base_manager.filter(**{f"{relation.field.name}__in": rows})
        _delete_with_dependents(dependents, depth + 1)
    rows.delete()
