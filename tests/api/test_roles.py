from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from seatwise.accounts.models import CorporateCredential, Person
from seatwise.accounts.services import corporate_password_set
from seatwise.audit.models import AuditEntry
from tests.api.conftest import detail, error, row_counts
from tests.api.test_people import person_json
from tests.factories import SYSTEM, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def test_roles_name_the_billing_contact_and_the_account_admins(api):
    account = make_account()
    contact = billing_contact(account)
    admin = make_person(account, admin=True)
    make_person(account)  # a user with no role

    response = api.get_json(f"/accounts/{account.pk}/roles")

    assert (response.status_code, response.json()) == (
        200,
        {
            "billing_contact": person_json(contact),
            "account_admins": [person_json(contact), person_json(admin)],
        },
    )


def test_set_billing_contact_moves_the_role(api):
    # Given a corporate account whose billing contact set a portal password
    account = make_account(kind="corporate")
    corporate_password_set(account=account, password="portal secret 2026!", by=SYSTEM)
    previous = billing_contact(account)
    successor = make_person(account)

    # when the operator makes another member billing contact
    response = api.put_json(f"/accounts/{account.pk}/billing-contact", {"person_id": successor.pk})

    # then the account still has exactly one billing contact: the new one
    assert response.status_code == 200
    assert response.json() == {
        "billing_contact": person_json(fresh(successor)),
        "account_admins": [person_json(fresh(previous))],
    }
    assert list(
        Person.objects.filter(account=account, is_billing_contact=True).values_list("pk", flat=True)
    ) == [successor.pk]
    # and the portal password is cleared for the new holder
    credential = CorporateCredential.objects.get(account=account)
    assert credential.password_changed_at is None
    assert not check_password("portal secret 2026!", credential.password)
    assert AuditEntry.objects.filter(action="account.billing_contact_set").get().new == {
        "billing_contact": successor.pk
    }


def test_billing_contact_from_another_account_is_refused(api):
    account = make_account()
    contact = billing_contact(account)
    stranger = make_person(make_account())
    before = row_counts()

    response = api.put_json(f"/accounts/{account.pk}/billing-contact", {"person_id": stranger.pk})

    message = "The billing contact must be an active member of the account."
    assert (response.status_code, response.json()) == (
        409,
        error("not_a_member", message, [detail("person_id", "not_a_member", message)]),
    )
    assert row_counts() == before
    assert fresh(contact).is_billing_contact
    assert not fresh(stranger).is_billing_contact


def test_billing_contact_unknown_person_is_422(api):
    account = make_account()
    before = row_counts()

    response = api.put_json(
        f"/accounts/{account.pk}/billing-contact", {"person_id": billing_contact(account).pk + 1000}
    )

    message = "There is no person with this id."
    assert (response.status_code, response.json()) == (
        422,
        error("unknown_person", message, [detail("person_id", "unknown_person", message)]),
    )
    assert row_counts() == before


def test_grant_and_revoke_account_admin(api):
    account = make_account()
    person = make_person(account)

    granted = api.put_json(f"/people/{person.pk}/account-admin")
    again = api.put_json(f"/people/{person.pk}/account-admin")
    revoked = api.delete_json(f"/people/{person.pk}/account-admin")

    assert (granted.status_code, granted.json()) == (
        200,
        person_json(person, is_account_admin=True),
    )
    assert again.json() == person_json(person, is_account_admin=True)  # idempotent
    assert (revoked.status_code, revoked.json()) == (200, person_json(person))
    assert list(
        AuditEntry.objects.filter(object_id=str(person.pk))
        .exclude(action="person.add")
        .values_list("action", "actor_label")
    ) == [
        ("person.account_admin_grant", "api:crm-sync"),
        ("person.account_admin_revoke", "api:crm-sync"),
    ]


def test_last_account_admin_cannot_be_revoked(api):
    account = make_account()
    contact = billing_contact(account)
    before = row_counts()

    response = api.delete_json(f"/people/{contact.pk}/account-admin")

    assert (response.status_code, response.json()) == (
        409,
        error("last_account_admin", "An account keeps at least one account admin."),
    )
    assert row_counts() == before
    assert fresh(contact).is_account_admin


def test_grant_to_unknown_person_is_404(api):
    person = billing_contact(make_account())

    response = api.put_json(f"/people/{person.pk + 1000}/account-admin")

    assert (response.status_code, response.json()) == (
        404,
        error("person_not_found", "There is no person with this id."),
    )
