"""Manage Users, Add Users, User Details and Remove user."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatwise.accounts.models import Person
from seatwise.accounts.services import account_admin_revoke
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.subscriptions.models import LicenseAssignment
from seatwise.subscriptions.services import license_assign
from tests.admin_center.conftest import counts
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription
from tests.step_up import sign_in_as

pytestmark = pytest.mark.django_db


# --- Manage Users -------------------------------------------------------------------------------


def test_manage_users_lists_name_email_role_products_and_status(signed_in, account, admin):
    meeting = make_subscription(account, seats=5, plan_code="goto-meeting-standard-monthly")
    webinar = make_subscription(account, seats=5, plan_code="goto-webinar-standard-monthly")
    holder = make_person(account)
    license_assign(subscription=meeting, person=holder, by=SYSTEM)
    license_assign(subscription=webinar, person=holder, by=SYSTEM)
    idle = make_person(account)

    response = signed_in.get("/admin-center/users/")

    assert response.status_code == 200
    rows = {
        p.email: (
            p.full_name,
            [a.subscription.product.name for a in p.live_licenses],
        )
        for p in response.context["people"]
    }
    assert rows == {
        billing_contact(account).email: (billing_contact(account).full_name, []),
        admin.email: (admin.full_name, []),
        holder.email: (holder.full_name, ["GoTo Meeting", "GoTo Webinar"]),
        idle.email: (idle.full_name, []),
    }
    page = response.content.decode()
    contact = billing_contact(account)
    assert _cells(page, holder.email) == [
        holder.full_name,
        holder.email,
        "User",
        "GoTo Meeting, GoTo Webinar",
        "Active",
    ]
    assert _cells(page, idle.email) == [idle.full_name, idle.email, "User", "—", "Suspended"]
    assert _cells(page, contact.email) == [
        contact.full_name,
        contact.email,
        "Billing admin Account admin",
        "—",
        "Suspended",
    ]
    assert _cells(page, admin.email)[2] == "Account admin"
    assert f'href="/admin-center/users/{idle.pk}/"' in _row(page, idle.email)


def _cells(page: str, email: str) -> list[str]:
    """The text of each cell of the user's row."""
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", _row(page, email), flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def _row(page: str, email: str) -> str:
    """The table row of the user with this e-mail address."""
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S):
        if f"<td>{email}</td>" in row:
            return row
    raise AssertionError(f"no row for {email}")


def test_search_by_name_or_email(signed_in, account):
    anna = make_person(account)
    Person.objects.filter(pk=anna.pk).update(first_name="Anna", last_name="Kessler")
    make_person(account)

    by_name = signed_in.get("/admin-center/users/", {"q": "anna kess"})
    by_email = signed_in.get("/admin-center/users/", {"q": anna.email.upper()})
    nothing = signed_in.get("/admin-center/users/", {"q": "zzz-nobody"})

    assert [p.pk for p in by_name.context["people"]] == [anna.pk]
    assert [p.pk for p in by_email.context["people"]] == [anna.pk]
    assert list(nothing.context["people"]) == []
    assert "No user matches “zzz-nobody”." in nothing.content.decode()


def test_search_text_is_bounded(signed_in):
    response = signed_in.get("/admin-center/users/", {"q": "a " * 500})

    assert response.status_code == 200
    assert len(response.context["q"]) <= 100


def test_keyset_pages_of_fifty(signed_in, account):
    for _ in range(53):
        make_person(account)
    ids = list(Person.objects.filter(account=account).order_by("pk").values_list("pk", flat=True))

    first = signed_in.get("/admin-center/users/")
    second = signed_in.get(f"/admin-center/users/?after={ids[49]}")

    assert [p.pk for p in first.context["people"]] == ids[:50]
    assert first.context["next_query"] == f"?after={ids[49]}"
    assert f'href="/admin-center/users/?after={ids[49]}"' in first.content.decode()
    assert [p.pk for p in second.context["people"]] == ids[50:]
    assert second.context["next_query"] is None


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/admin-center/users/", "/admin-center/licenses/"])
def test_query_count_does_not_grow_with_the_number_of_users(signed_in, account, url):
    meeting = make_subscription(account, seats=40)
    webinar = make_subscription(account, seats=40, plan_code="goto-webinar-standard-monthly")

    def add_users(n: int) -> None:
        for _ in range(n):
            person = make_person(account)
            license_assign(subscription=meeting, person=person, by=SYSTEM)
            license_assign(subscription=webinar, person=person, by=SYSTEM)

    add_users(3)  # 5 people with the billing contact and the admin
    with_five = _queries(signed_in, url)
    add_users(25)  # 30 people
    with_thirty = _queries(signed_in, url)

    assert Person.objects.filter(account=account).count() == 30
    assert with_thirty == with_five


# --- Add Users ----------------------------------------------------------------------------------


def test_add_users_form_offers_only_live_subscriptions_with_their_free_seats(signed_in, account):
    meeting = make_subscription(account, seats=5)
    license_assign(subscription=meeting, person=billing_contact(account), by=SYSTEM)

    response = signed_in.get("/admin-center/users/add/")

    assert response.context["form"].fields["products"].choices == [
        (str(meeting.pk), "GoTo Meeting (4 of 5 seats free)")
    ]
    page = response.content.decode()
    assert "Do not notify users about this change" in page
    assert response.context["form"]["language"].value() == "en"


def test_add_user_creates_them_with_seats_and_invites_them_in_their_language(
    signed_in, account, admin
):
    meeting = make_subscription(account, seats=5)
    webinar = make_subscription(account, seats=5, plan_code="goto-webinar-standard-monthly")

    response = signed_in.post(
        "/admin-center/users/add/",
        {
            "first_name": "Paola",
            "last_name": "Rossi",
            "email": "Paola.Rossi@Example.com",
            "language": "it",
            "products": [str(meeting.pk), str(webinar.pk)],
        },
    )

    person = Person.objects.get(email="paola.rossi@example.com")
    assert response["Location"] == f"/admin-center/users/{person.pk}/"
    assert (person.account_id, person.first_name, person.last_name, person.language) == (
        account.pk,
        "Paola",
        "Rossi",
        "it",
    )
    assert not person.has_usable_password()
    assert not person.is_account_admin
    assert set(
        LicenseAssignment.objects.filter(person=person).values_list("subscription_id", flat=True)
    ) == {meeting.pk, webinar.pk}
    meeting.refresh_from_db()
    assert meeting.seats_assigned == 1
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.to_address, email.to_person_id, email.language) == (
        "invitation",
        "paola.rossi@example.com",
        person.pk,
        "it",
    )
    assert email.sender_person_id == admin.pk
    assert "/password/set/" in email.body_text
    assert "GoTo Meeting" in email.body_text
    assert "GoTo Webinar" in email.body_text
    assert admin.full_name in email.body_text
    assert "Acme Online" in email.subject
    assert list(
        AuditEntry.objects.filter(actor_person_id=admin.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["person.add", "license.assign", "license.assign", "person.invite"]
    invite = AuditEntry.objects.get(action="person.invite")
    assert invite.new == {
        "subscriptions": [meeting.pk, webinar.pk],
        "notify": True,
        "email": email.pk,
    }
    page = signed_in.get(response["Location"]).content.decode()
    assert "Paola Rossi was added. An invitation to set a password was e-mailed to" in page
    assert "Invitation pending" in page


def test_the_invitation_link_lets_the_new_user_set_a_password_and_sign_in(
    client, signed_in, account
):
    signed_in.post(
        "/admin-center/users/add/",
        {"first_name": "Neu", "last_name": "Ling", "email": "neu@example.com", "language": "de"},
    )
    link = re.search(r"http://\S+/password/set/\S+/", OutgoingEmail.objects.get().body_text)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    client.logout()

    form_page = client.get(f"/{path}", follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
    )

    assert done.status_code == 302
    person = Person.objects.get(email="neu@example.com")
    assert person.check_password("a brand new secret 42")


def test_add_user_without_notification_still_sends_the_invitation(signed_in, account):
    meeting = make_subscription(account, seats=5)

    signed_in.post(
        "/admin-center/users/add/",
        {
            "first_name": "Quiet",
            "last_name": "User",
            "email": "quiet@example.com",
            "language": "en",
            "products": [str(meeting.pk)],
            "do_not_notify": "on",
        },
    )

    assert list(OutgoingEmail.objects.values_list("kind", "to_address")) == [
        ("invitation", "quiet@example.com")
    ]
    assert AuditEntry.objects.get(action="person.invite").new["notify"] is False


def test_add_user_refused_when_a_product_has_no_free_seat_creates_nothing(signed_in, account):
    meeting = make_subscription(account, seats=5)
    full = make_subscription(account, seats=1, plan_code="goto-webinar-standard-monthly")
    license_assign(subscription=full, person=billing_contact(account), by=SYSTEM)
    before = counts()

    response = signed_in.post(
        "/admin-center/users/add/",
        {
            "first_name": "Too",
            "last_name": "Many",
            "email": "too.many@example.com",
            "language": "en",
            "products": [str(meeting.pk), str(full.pk)],
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Not enough free seats of GoTo Webinar: 0 of 1 free, 1 needed. Nothing was changed. "
        "Buy more seats, or remove seats from other users first."
    ]
    assert counts() == before
    assert not Person.objects.filter(email="too.many@example.com").exists()


def test_add_user_twice_is_refused_the_second_time(signed_in, account):
    data = {
        "first_name": "Once",
        "last_name": "Only",
        "email": "once@example.com",
        "language": "en",
    }
    first = signed_in.post("/admin-center/users/add/", data)
    before = counts()

    second = signed_in.post("/admin-center/users/add/", data)

    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].errors["email"] == [
        "once@example.com is already a user of your account."
    ]
    assert counts() == before


NEUTRAL = {
    "en": "This e-mail address cannot be added to your account. Use another address, or contact "
    "customer service if it must be this one.",
    "de": "Diese E-Mail-Adresse kann Ihrem Konto nicht hinzugefügt werden. Verwenden Sie eine "
    "andere Adresse oder wenden Sie sich an den Kundendienst, wenn es genau diese sein muss.",
}


def _someone_elses_addresses() -> dict[str, str]:
    """An address of each kind of person outside the account: another customer's, vendor
    staff's, a former member's (of another account)."""
    from seatwise.subscriptions.people import person_remove

    other = make_account(language="it", name="Ferraro Logistica S.p.A.")
    former = make_person(other)
    person_remove(person=former, by=SYSTEM)
    staff = Person.objects.create_user(
        "helen.porter@seatwise.test", "x", first_name="Helen", last_name="Porter", is_staff=True
    )
    return {
        "another account's person": make_person(other).email,
        "another account's billing contact": billing_contact(other).email,
        "vendor staff": staff.email,
        "a former member": former.email,
    }


@pytest.mark.parametrize("language", ["en", "de"])
def test_add_user_with_someone_elses_address_gets_one_neutral_answer(client, account, language):
    """Given addresses of people outside the account (another customer's, vendor staff, a
    former member), when an account admin tries to add each, then each is refused with the
    same neutral sentence in the admin's language, which says nothing about another account,
    and nothing changes."""
    admin = make_person(account, admin=True, language=language)
    client.force_login(admin)
    addresses = _someone_elses_addresses()
    before = counts()

    answers = {}
    for kind, email in addresses.items():
        response = client.post(
            "/admin-center/users/add/",
            {"first_name": "New", "last_name": "User", "email": email, "language": "en"},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Ferraro" not in page
        answers[kind] = response.context["form"].errors["email"]

    assert answers == {kind: [NEUTRAL[language]] for kind in addresses}
    assert counts() == before


def test_add_user_checks_the_lengths_of_the_vendor(signed_in):
    before = counts()

    response = signed_in.post(
        "/admin-center/users/add/",
        {
            "first_name": "A" * 33,
            "last_name": "B" * 32,
            "email": ("x" * 120) + "@example.com",
            "language": "en",
        },
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"first_name", "email"}
    assert counts() == before


# --- User Details -------------------------------------------------------------------------------


def test_user_details_show_name_email_role_status_and_products(signed_in, account):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)
    license_assign(subscription=meeting, person=person, by=SYSTEM)

    response = signed_in.get(f"/admin-center/users/{person.pk}/")

    page = response.content.decode()
    assert person.full_name in page
    assert person.email in page
    assert "User Details" in page
    assert "Active" in page
    assert response.context["form"]["products"].value() == [str(meeting.pk)]
    assert 'value="' + str(meeting.pk) + '"' in page
    assert "GoTo Meeting (4 of 5 seats free)" in page


def test_the_ticked_products_replace_the_users_and_one_email_lists_the_change(
    signed_in, account, admin
):
    meeting = make_subscription(account, seats=5)
    webinar = make_subscription(account, seats=5, plan_code="goto-webinar-standard-monthly")
    training = make_subscription(account, seats=5, plan_code="goto-training-standard-monthly")
    person = make_person(account, language="de")
    license_assign(subscription=meeting, person=person, by=SYSTEM)
    license_assign(subscription=webinar, person=person, by=SYSTEM)

    response = signed_in.post(
        f"/admin-center/users/{person.pk}/", {"products": [str(webinar.pk), str(training.pk)]}
    )

    assert response["Location"] == f"/admin-center/users/{person.pk}/"
    assert set(
        LicenseAssignment.objects.filter(person=person).values_list("subscription_id", flat=True)
    ) == {webinar.pk, training.pk}
    meeting.refresh_from_db()
    training.refresh_from_db()
    assert (meeting.seats_assigned, training.seats_assigned) == (0, 1)
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.to_address, email.language) == (
        "license_change",
        person.email,
        "de",
    )
    added, removed = email.body_text.split("Entfernt:")  # the e-mail speaks German
    assert "GoTo Training" in added
    assert "GoTo Meeting" not in added
    assert "GoTo Meeting" in removed
    assert "GoTo Training" not in removed
    assert list(
        AuditEntry.objects.filter(actor_person_id=admin.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["license.unassign", "license.assign"]
    page = signed_in.get(response["Location"]).content.decode()
    assert f"The products of {person.full_name} are saved." in page


def test_saving_the_same_products_again_changes_nothing_and_sends_nothing(signed_in, account):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)
    license_assign(subscription=meeting, person=person, by=SYSTEM)
    before = counts()

    response = signed_in.post(f"/admin-center/users/{person.pk}/", {"products": [str(meeting.pk)]})

    assert response.status_code == 302
    assert counts() == before
    page = signed_in.get(response["Location"]).content.decode()
    assert f"Nothing changed: {person.full_name} already holds exactly these products." in page


def test_do_not_notify_changes_the_products_without_an_email(signed_in, account):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)

    signed_in.post(
        f"/admin-center/users/{person.pk}/",
        {"products": [str(meeting.pk)], "do_not_notify": "on"},
    )

    assert LicenseAssignment.objects.filter(person=person, subscription=meeting).exists()
    assert OutgoingEmail.objects.count() == 0


def test_unticking_every_product_suspends_the_user(signed_in, account):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)
    license_assign(subscription=meeting, person=person, by=SYSTEM)

    signed_in.post(f"/admin-center/users/{person.pk}/", {})

    assert not LicenseAssignment.objects.filter(person=person).exists()
    page = signed_in.get(f"/admin-center/users/{person.pk}/").content.decode()
    assert "Suspended" in page
    listing = signed_in.get("/admin-center/users/").content.decode()
    assert _cells(listing, person.email)[3:] == ["—", "Suspended"]


def test_a_product_without_free_seat_is_refused_naming_it_and_nothing_changes(signed_in, account):
    meeting = make_subscription(account, seats=5)
    full = make_subscription(account, seats=2, plan_code="goto-webinar-standard-monthly")
    license_assign(subscription=full, person=billing_contact(account), by=SYSTEM)
    license_assign(subscription=full, person=make_person(account), by=SYSTEM)
    person = make_person(account)
    license_assign(subscription=meeting, person=person, by=SYSTEM)
    before = counts()

    response = signed_in.post(f"/admin-center/users/{person.pk}/", {"products": [str(full.pk)]})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Not enough free seats of GoTo Webinar: 0 of 2 free, 1 needed. Nothing was changed. "
        "Buy more seats, or remove seats from other users first."
    ]
    assert counts() == before


# --- Remove user --------------------------------------------------------------------------------


def test_remove_user_asks_for_confirmation_then_frees_their_seats(signed_in, account, admin):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)
    license_assign(subscription=meeting, person=person, by=SYSTEM)

    confirm = signed_in.get(f"/admin-center/users/{person.pk}/remove/")
    assert f"Remove {person.full_name}?" in confirm.content.decode()
    assert Person.objects.get(pk=person.pk).account_id == account.pk

    response = signed_in.post(f"/admin-center/users/{person.pk}/remove/")

    assert response["Location"] == "/admin-center/users/"
    person.refresh_from_db()
    assert (person.account_id, person.is_active) == (None, False)
    meeting.refresh_from_db()
    assert meeting.seats_assigned == 0
    assert list(
        AuditEntry.objects.filter(actor_person_id=admin.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["license.unassign", "person.remove"]
    listing = signed_in.get("/admin-center/users/")
    assert f"{person.full_name} was removed from the account." in listing.content.decode()
    assert person.pk not in [p.pk for p in listing.context["people"]]


def test_removing_an_already_removed_user_says_so(signed_in, account):
    person = make_person(account)
    signed_in.post(f"/admin-center/users/{person.pk}/remove/")
    before = counts()

    again = signed_in.post(f"/admin-center/users/{person.pk}/remove/")

    assert again["Location"] == "/admin-center/users/"
    assert counts() == before
    page = signed_in.get("/admin-center/users/").content.decode()
    assert f"{person.full_name} was already removed from the account." in page


def test_the_billing_contact_cannot_be_removed(signed_in, account):
    contact = billing_contact(account)
    before = counts()

    response = signed_in.post(f"/admin-center/users/{contact.pk}/remove/")

    assert response["Location"] == f"/admin-center/users/{contact.pk}/"
    assert counts() == before
    page = signed_in.get(response["Location"]).content.decode()
    assert "The billing contact cannot be removed." in page


def test_the_last_account_admin_cannot_be_removed(client):
    account = make_account(language="en")
    lone = make_person(account, admin=True)
    account_admin_revoke(person=billing_contact(account), by=SYSTEM)
    sign_in_as(client, lone)
    before = counts()

    response = client.post(f"/admin-center/users/{lone.pk}/remove/")

    assert response["Location"] == f"/admin-center/users/{lone.pk}/"
    assert counts() == before
    page = client.get(response["Location"]).content.decode()
    assert "An account keeps at least one account admin." in page
