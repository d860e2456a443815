from __future__ import annotations

import pytest

from seatwise.accounts.models import Person
from seatwise.audit.models import AuditEntry
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from tests.api.conftest import detail, error, row_counts
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def person_json(person, **changes):
    expected = {
        "id": person.pk,
        "account_id": person.account_id,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language": person.language,
        "is_account_admin": person.is_account_admin,
        "is_billing_contact": person.is_billing_contact,
        "is_active": person.is_active,
    }
    expected.update(changes)
    return expected


def test_add_person_to_an_account(api):
    account = make_account(language="it")

    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {"email": "Ada@Example.com", "first_name": "Ada", "last_name": "Lovelace"},
    )

    assert response.status_code == 201
    person = Person.objects.get(email="ada@example.com")
    assert response.json() == {
        "id": person.pk,
        "account_id": account.pk,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "language": "it",  # the account's language, as none was given
        "is_account_admin": False,
        "is_billing_contact": False,
        "is_active": True,
    }
    assert not person.has_usable_password()
    assert AuditEntry.objects.filter(
        action="person.add", object_id=str(person.pk)
    ).get().actor_label == ("api:crm-sync")


def test_add_account_admin_with_password(api):
    account = make_account()

    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {
            "email": "admin@example.com",
            "first_name": "Adam",
            "last_name": "Admin",
            "language": "es",
            "password": "correct horse battery staple",
            "is_account_admin": True,
        },
    )

    assert response.status_code == 201
    person = Person.objects.get(email="admin@example.com")
    assert response.json() == person_json(person, language="es", is_account_admin=True)
    assert person.check_password("correct horse battery staple")


def test_a_second_billing_contact_cannot_be_added(api):
    # Given an account with its billing contact
    account = make_account()
    before = row_counts()

    # when the operator tries to add a person as billing contact
    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {
            "email": "second@example.com",
            "first_name": "Second",
            "last_name": "Contact",
            "is_billing_contact": True,
        },
    )

    # then the API has no such field, and nothing changed
    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "The request is not valid: see the details.",
            [detail("is_billing_contact", "unknown_field", "This field is not part of the API.")],
        ),
    )
    assert row_counts() == before
    assert Person.objects.filter(account=account, is_billing_contact=True).count() == 1


def test_add_person_with_taken_email_is_refused(api):
    account = make_account()
    taken = billing_contact(make_account()).email
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {"email": taken, "first_name": "Ada", "last_name": "Lovelace"},
    )

    assert (response.status_code, response.json()) == (
        409,
        error(
            "email_taken",
            "A person with this e-mail address already exists.",
            [detail("email", "email_taken", "A person with this e-mail address already exists.")],
        ),
    )
    assert row_counts() == before


def test_add_person_with_a_text_direction_character_in_the_name_is_refused(api):
    """Given a name with U+202E (RIGHT-TO-LEFT OVERRIDE), which would show reversed in pages,
    e-mails and invoices, when the API adds the person, then it answers 422 with the service's
    translated message next to the field, and nothing is written."""
    account = make_account()
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {"email": "ada@example.com", "first_name": "Ada\u202eecalevol", "last_name": "Lovelace"},
    )

    message = "Remove the invisible characters that change the direction of the text."
    assert (response.status_code, response.json()) == (
        422,
        error(
            "text_direction_characters",
            message,
            [detail("first_name", "text_direction_characters", message)],
        ),
    )
    assert row_counts() == before


def test_add_person_to_unknown_account_is_404(api):
    account = make_account()
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk + 1000}/people",
        {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
    )

    assert (response.status_code, response.json()) == (
        404,
        error("account_not_found", "There is no account with this id."),
    )
    assert row_counts() == before


def test_names_longer_than_32_characters_are_refused(api):
    account = make_account()
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk}/people",
        {"email": "ada@example.com", "first_name": "A" * 33, "last_name": "Lovelace"},
    )

    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "The request is not valid: see the details.",
            [detail("first_name", "too_long", "Use at most 32 characters.")],
        ),
    )
    assert row_counts() == before


def test_get_person(api):
    account = make_account()
    person = make_person(account, admin=True)

    response = api.get_json(f"/people/{person.pk}")

    assert (response.status_code, response.json()) == (200, person_json(person))


def test_vendor_staff_are_not_people_of_the_api(api):
    staff = Person.objects.create_user("agent@seatwise.test", "x", is_staff=True)

    response = api.get_json(f"/people/{staff.pk}")

    assert (response.status_code, response.json()) == (
        404,
        error("person_not_found", "There is no person with this id."),
    )


def test_list_people_of_an_account_pages_by_id(api):
    account = make_account()
    contact = billing_contact(account)
    people = [make_person(account) for _ in range(2)]
    make_person(make_account())  # someone of another account

    first = api.get_json(f"/accounts/{account.pk}/people", limit=2).json()
    second = api.get_json(
        f"/accounts/{account.pk}/people", limit=2, after=first["next_after"]
    ).json()

    assert first == {
        "items": [person_json(contact), person_json(people[0])],
        "next_after": people[0].pk,
    }
    assert second == {"items": [person_json(people[1])], "next_after": None}


def test_remove_person_frees_their_seats(api):
    # Given a person holding a seat
    account = make_account()
    person = make_person(account)
    subscription = make_subscription(account, seats=2)
    license_assign(subscription=subscription, person=person, by=SYSTEM)

    # when the operator removes them
    response = api.delete_json(f"/people/{person.pk}")

    # then they belong to no account, cannot sign in, and their seat is free again
    assert (response.status_code, response.content) == (204, b"")
    person.refresh_from_db()
    assert (person.account_id, person.is_active, person.has_usable_password()) == (
        None,
        False,
        False,
    )
    assert not LicenseAssignment.objects.filter(person=person).exists()
    assert Subscription.objects.get(pk=subscription.pk).seats_assigned == 0
    assert api.get_json(f"/people/{person.pk}").json() == person_json(
        person, account_id=None, is_active=False
    )


@pytest.mark.parametrize(
    ("who", "code", "message"),
    [
        (
            "billing_contact",
            "is_billing_contact",
            "The billing contact cannot be removed. Make someone else billing contact first.",
        ),
        ("removed", "not_a_member", "This person belongs to no account."),
    ],
)
def test_refused_removal_changes_nothing(api, who, code, message):
    account = make_account()
    person = billing_contact(account)
    if who == "removed":
        person = make_person(account)
        api.delete_json(f"/people/{person.pk}")
    before = row_counts()

    response = api.delete_json(f"/people/{person.pk}")

    assert (response.status_code, response.json()) == (409, error(code, message))
    assert row_counts() == before
