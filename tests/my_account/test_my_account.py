from __future__ import annotations

import pytest

from seatwise.accounts.models import Person
from seatwise.audit.models import AuditEntry
from tests.factories import PASSWORD, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/my-account/")

    assert response["Location"] == "/signin/?next=/my-account/"


def test_plain_user_edits_name_and_language(client):
    person = make_person(make_account(language="de"))
    client.force_login(person)

    response = client.post(
        "/my-account/", {"first_name": "Paola", "last_name": "Rossi", "language": "it"}
    )

    assert response["Location"] == "/my-account/"
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.language) == ("Paola", "Rossi", "it")
    entry = AuditEntry.objects.get(action="person.profile_update")
    assert entry.new == {"first_name": "Paola", "last_name": "Rossi", "language": "it"}
    page = client.get("/my-account/")
    assert "Account personale" in page.content.decode()


def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(client):
    person = make_person(make_account(language="en"))
    client.force_login(person)
    before = AuditEntry.objects.count()

    response = client.post(
        "/my-account/", {"first_name": "A" * 33, "last_name": "Rossi", "language": "xx"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"first_name", "language"}
    assert Person.objects.get(pk=person.pk).first_name == "Pat"
    assert AuditEntry.objects.count() == before


def test_plain_user_does_not_see_the_billing_contact(client):
    account = make_account(language="en")
    person = make_person(account)
    client.force_login(person)

    page = client.get("/my-account/").content.decode()

    assert billing_contact(account).email not in page
    assert "Contact the Account Admin for access to the Billing Center." in page


def test_account_admin_sees_the_billing_contact(client):
    account = make_account(language="en")
    admin = make_person(account, admin=True)
    client.force_login(admin)

    page = client.get("/my-account/").content.decode()

    assert billing_contact(account).email in page


def test_password_change(client):
    person = make_person(make_account(language="en"))
    client.force_login(person)

    wrong = client.post(
        "/my-account/password/",
        {
            "current_password": "nope",
            "new_password1": "another fine secret 7",
            "new_password2": "another fine secret 7",
        },
    )
    assert "Your current password is not correct." in wrong.content.decode()

    done = client.post(
        "/my-account/password/",
        {
            "current_password": PASSWORD,
            "new_password1": "another fine secret 7",
            "new_password2": "another fine secret 7",
        },
    )
    assert done["Location"] == "/my-account/"
    person.refresh_from_db()
    assert person.check_password("another fine secret 7")
    assert client.get("/my-account/").status_code == 200  # still signed in


def test_go_to_billing_only_where_it_leads_somewhere(client):
    """No circle wrong place → My Account → Go to Billing → wrong place: on an online account
    only the billing admin gets the button; on a corporate account everyone gets the portal."""
    online = make_account(language="en")
    corporate = make_account(kind="corporate", language="en")

    client.force_login(make_person(online))
    assert "Go to Billing" not in client.get("/my-account/").content.decode()
    client.force_login(billing_contact(online))
    assert 'href="/billing/">Go to Billing' in client.get("/my-account/").content.decode()
    client.force_login(make_person(corporate))
    assert 'href="/corporate/signin/">Go to Billing' in client.get("/my-account/").content.decode()
