"""Admins: list, grant, revoke; an account never loses its last account admin."""

from __future__ import annotations

import pytest

from seatwise.accounts.models import Person
from seatwise.audit.models import AuditEntry
from tests.admin_center.conftest import counts
from tests.factories import billing_contact, make_account, make_person
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db


def test_admins_lists_the_account_admins_only(signed_in, account, admin):
    make_person(account)

    response = signed_in.get("/admin-center/admins/")

    assert [p.pk for p in response.context["admins"]] == [billing_contact(account).pk, admin.pk]


def test_grant_by_email(signed_in, account, admin):
    user = make_person(account)

    response = signed_in.post("/admin-center/admins/", {"email": user.email.upper()})

    assert response["Location"] == "/admin-center/admins/"
    assert Person.objects.get(pk=user.pk).is_account_admin
    entry = AuditEntry.objects.get(action="person.account_admin_grant")
    assert (entry.actor_person_id, entry.object_id) == (admin.pk, str(user.pk))
    page = signed_in.get("/admin-center/admins/").content.decode()
    assert f"{user.full_name} is now an account admin." in page


def test_grant_twice_says_already(signed_in, account):
    user = make_person(account)
    signed_in.post(f"/admin-center/users/{user.pk}/admin/grant/")
    before = counts()

    again = signed_in.post(f"/admin-center/users/{user.pk}/admin/grant/")

    assert again["Location"] == f"/admin-center/users/{user.pk}/"
    assert counts() == before
    page = signed_in.get(again["Location"]).content.decode()
    assert f"{user.full_name} is already an account admin." in page


def test_grant_to_an_unknown_or_foreign_email_is_refused(signed_in):
    stranger = make_person(make_account(language="en"))
    before = counts()

    unknown = signed_in.post("/admin-center/admins/", {"email": "nobody@example.com"})
    foreign = signed_in.post("/admin-center/admins/", {"email": stranger.email})

    for response in (unknown, foreign):
        assert response.status_code == 200
        assert response.context["form"].errors["email"] == [
            "No user of your account has this e-mail address."
        ]
    assert counts() == before
    assert not Person.objects.get(pk=stranger.pk).is_account_admin


def test_revoke_from_the_admins_page(signed_in, account, admin):
    other = make_person(account, admin=True)

    response = signed_in.post(f"/admin-center/users/{other.pk}/admin/revoke/", {"next": "admins"})

    assert response["Location"] == "/admin-center/admins/"
    assert not Person.objects.get(pk=other.pk).is_account_admin
    page = signed_in.get("/admin-center/admins/").content.decode()
    assert f"{other.full_name} is no longer an account admin." in page


def test_revoking_oneself_leaves_the_admin_center(signed_in, account, admin):
    response = signed_in.post(f"/admin-center/users/{admin.pk}/admin/revoke/")

    assert response["Location"] == "/my-account/"
    assert not Person.objects.get(pk=admin.pk).is_account_admin
    assert signed_in.get("/admin-center/").status_code == 403


def test_the_last_account_admin_cannot_be_revoked(client):
    account = make_account(language="en")
    contact = billing_contact(account)  # the only account admin
    sign_in_as(client, contact)
    before = counts()

    response = client.post(f"/admin-center/users/{contact.pk}/admin/revoke/", {"next": "admins"})

    assert response["Location"] == "/admin-center/admins/"
    assert counts() == before
    assert Person.objects.get(pk=contact.pk).is_account_admin
    page = client.get("/admin-center/admins/").content.decode()
    assert "An account keeps at least one account admin." in page
