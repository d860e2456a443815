"""Licenses: seats per product, and Assign / Unassign for several users at once."""

from __future__ import annotations

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from tests.admin_center.conftest import counts
from tests.factories import SYSTEM, billing_contact, make_person, make_subscription

pytestmark = pytest.mark.django_db


def _holders(subscription: Subscription) -> set[int]:
    return set(
        LicenseAssignment.objects.filter(subscription=subscription).values_list(
            "person_id", flat=True
        )
    )


def test_seats_bought_assigned_and_free_per_product(signed_in, account):
    meeting = make_subscription(account, seats=5)
    webinar = make_subscription(account, seats=2, plan_code="goto-webinar-standard-monthly")
    license_assign(subscription=meeting, person=billing_contact(account), by=SYSTEM)
    license_assign(subscription=webinar, person=billing_contact(account), by=SYSTEM)
    license_assign(subscription=webinar, person=make_person(account), by=SYSTEM)

    response = signed_in.get("/admin-center/licenses/")

    assert [
        (s.product.name, s.seats, s.seats_assigned, s.seats_free)
        for s in response.context["subscriptions"]
    ] == [("GoTo Meeting", 5, 1, 4), ("GoTo Webinar", 2, 2, 0)]
    page = response.content.decode()
    assert "Seats bought" in page
    assert "Assigned" in page
    assert "Free" in page
    assert 'name="people"' in page
    assert "Do not notify users about this change" in page


def test_bulk_assign_gives_each_selected_user_a_seat_and_tells_them(signed_in, account, admin):
    meeting = make_subscription(account, seats=5)
    a, b = make_person(account, language="it"), make_person(account, language="es")

    response = signed_in.post(
        "/admin-center/licenses/?q=&after=",
        {"subscription": str(meeting.pk), "people": [str(a.pk), str(b.pk)], "action": "assign"},
    )

    assert response["Location"] == f"/admin-center/licenses/?product={meeting.pk}"
    assert _holders(meeting) == {a.pk, b.pk}
    meeting.refresh_from_db()
    assert meeting.seats_assigned == 2
    assert sorted(OutgoingEmail.objects.values_list("kind", "to_address", "language")) == sorted(
        [("license_change", a.email, "it"), ("license_change", b.email, "es")]
    )
    assert list(
        AuditEntry.objects.filter(actor_person_id=admin.pk).values_list("action", flat=True)
    ) == ["license.assign", "license.assign"]
    page = signed_in.get(response["Location"]).content.decode()
    assert "2 users now hold a seat of GoTo Meeting." in page


def test_bulk_assign_twice_is_harmless(signed_in, account):
    meeting = make_subscription(account, seats=5)
    a, b = make_person(account), make_person(account)
    license_assign(subscription=meeting, person=a, by=SYSTEM)
    data = {"subscription": str(meeting.pk), "people": [str(a.pk), str(b.pk)], "action": "assign"}

    first = signed_in.post("/admin-center/licenses/", data)
    assert (
        "1 user now holds a seat of GoTo Meeting. 1 of the selected users already held one."
        in signed_in.get(first["Location"]).content.decode()
    )
    before = counts()
    again = signed_in.post("/admin-center/licenses/", data)

    assert _holders(meeting) == {a.pk, b.pk}
    assert counts() == before
    page = signed_in.get(again["Location"]).content.decode()
    assert "Nothing changed: the selected users already held a seat of GoTo Meeting." in page


def test_bulk_assign_beyond_the_seats_bought_is_refused_as_a_whole(signed_in, account):
    meeting = make_subscription(account, seats=3)
    license_assign(subscription=meeting, person=billing_contact(account), by=SYSTEM)
    people = [make_person(account) for _ in range(3)]
    before = counts()

    response = signed_in.post(
        "/admin-center/licenses/",
        {
            "subscription": str(meeting.pk),
            "people": [str(p.pk) for p in people],
            "action": "assign",
            "do_not_notify": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Not enough free seats of GoTo Meeting: 2 of 3 free, 3 needed. Nothing was changed. "
        "Buy more seats, or remove seats from other users first."
    ]
    assert counts() == before
    # The selection is shown back, ticked.
    assert response.context["selected"] == {p.pk for p in people}
    assert f'value="{people[0].pk}" id="bulk-person-{people[0].pk}" checked' in (
        response.content.decode()
    )


def test_bulk_unassign_without_notification(signed_in, account):
    meeting = make_subscription(account, seats=5)
    a, b, c = make_person(account), make_person(account), make_person(account)
    for person in (a, b):
        license_assign(subscription=meeting, person=person, by=SYSTEM)

    response = signed_in.post(
        "/admin-center/licenses/",
        {
            "subscription": str(meeting.pk),
            "people": [str(a.pk), str(c.pk)],
            "action": "unassign",
            "do_not_notify": "on",
        },
    )

    assert _holders(meeting) == {b.pk}
    assert OutgoingEmail.objects.count() == 0
    page = signed_in.get(response["Location"]).content.decode()
    assert "1 user no longer holds a seat of GoTo Meeting. 1 of the selected users held none." in (
        page
    )


def test_bulk_without_users_is_refused(signed_in, account):
    meeting = make_subscription(account, seats=5)
    before = counts()

    response = signed_in.post(
        "/admin-center/licenses/", {"subscription": str(meeting.pk), "action": "assign"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["people"] == ["Select at least one user."]
    assert counts() == before


@pytest.mark.parametrize(
    "crafted",
    [
        "x",
        # Beyond a 64-bit integer: handed to the database, the query overflows (a server error).
        "99999999999999999999",
        str(2**63),
        "9" * 5000,
        "0",
        "-1",
        "+1",
        "1_0",
        "١٢",
    ],
)
def test_bulk_with_malformed_ids_is_refused(signed_in, account, crafted):
    meeting = make_subscription(account, seats=5)
    person = make_person(account)
    before = counts()

    response = signed_in.post(
        "/admin-center/licenses/",
        {"subscription": str(meeting.pk), "people": [str(person.pk), crafted], "action": "assign"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["people"] == ["The selection of users is not valid."]
    assert counts() == before


def test_an_account_without_subscription_sees_no_bulk_form(signed_in):
    page = signed_in.get("/admin-center/licenses/").content.decode()

    assert "Your account has no current subscription." in page
    assert 'name="people"' not in page
