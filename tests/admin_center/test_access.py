"""Who may enter the Admin Center: account admins only; ids of other accounts are not found."""

from __future__ import annotations

import pytest

from seatwise.accounts.models import Person
from tests.admin_center.conftest import billing_contact_only, counts
from tests.factories import billing_contact, make_account, make_person, make_subscription
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin-center/",
    "/admin-center/users/",
    "/admin-center/users/add/",
    "/admin-center/licenses/",
    "/admin-center/admins/",
    "/admin-center/account/",
    "/admin-center/add-licenses/",
    "/admin-center/add-licenses/email/",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={url}"


@pytest.mark.parametrize("url", PAGES)
def test_a_plain_user_is_refused_without_learning_who_the_admins_are(client, account, url):
    admin = make_person(account, admin=True)
    user = make_person(account)
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 403
    page = response.content.decode()
    assert "The Admin Center is for account admins" in page
    assert "ask your account admin" in page
    assert admin.email not in page
    assert billing_contact(account).email not in page


def test_a_billing_contact_who_is_not_account_admin_cannot_enter(client, account):
    contact = billing_contact_only(account)
    client.force_login(contact)

    assert client.get("/admin-center/").status_code == 403
    assert client.get("/admin-center/account/").status_code == 403


def test_vendor_staff_cannot_enter(client):
    staff = Person.objects.create_user(
        "agent@seatwise.test", "x" * 12, first_name="A", last_name="Gent", is_staff=True
    )
    sign_in_as(client, staff)

    assert client.get("/admin-center/").status_code == 403


def test_a_plain_user_cannot_act_either(client, account):
    target = make_person(account)
    user = make_person(account)
    client.force_login(user)
    before = counts()

    responses = [
        client.post(f"/admin-center/users/{target.pk}/remove/"),
        client.post(f"/admin-center/users/{user.pk}/admin/grant/"),
        client.post("/admin-center/admins/", {"email": user.email}),
        client.post("/admin-center/add-licenses/email/", {"note": "hi"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert counts() == before


def test_the_side_navigation_has_the_labels_of_the_spec(signed_in):
    page = signed_in.get("/admin-center/").content.decode()

    for label in ["Add Users", "Manage Users", "Add licenses", "Licenses", "Admins", "Account"]:
        assert f">{label}</a>" in page


def test_another_accounts_people_and_subscriptions_are_not_found(signed_in, account, admin):
    other = make_account(language="en")
    stranger = make_person(other)
    other_admin = billing_contact(other)
    make_subscription(other, seats=5)
    ours = make_subscription(account, seats=5)
    before = counts()

    gets = [
        signed_in.get(f"/admin-center/users/{stranger.pk}/"),
        signed_in.get(f"/admin-center/users/{stranger.pk}/remove/"),
    ]
    posts = [
        signed_in.post(f"/admin-center/users/{stranger.pk}/", {"products": [str(ours.pk)]}),
        signed_in.post(f"/admin-center/users/{stranger.pk}/remove/"),
        signed_in.post(f"/admin-center/users/{stranger.pk}/admin/grant/"),
        signed_in.post(f"/admin-center/users/{other_admin.pk}/admin/revoke/"),
        signed_in.post(
            "/admin-center/licenses/",
            {"subscription": str(ours.pk), "people": [str(stranger.pk)], "action": "assign"},
        ),
    ]
    assert [r.status_code for r in gets + posts] == [404] * 7
    assert counts() == before
    stranger.refresh_from_db()
    assert (stranger.account_id, stranger.is_account_admin) == (other.pk, False)


def test_another_accounts_subscription_is_not_a_choice(signed_in, account):
    theirs = make_subscription(make_account(language="en"), seats=5)
    own_user = make_person(account)
    before = counts()

    response = signed_in.post(f"/admin-center/users/{own_user.pk}/", {"products": [str(theirs.pk)]})

    assert response.status_code == 200
    assert response.context["form"].errors["products"]
    assert counts() == before
