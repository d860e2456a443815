from __future__ import annotations

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.catalog.models import Plan
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from tests.api.conftest import NOW_JSON, detail, error, row_counts
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def subscription_json(subscription: Subscription, **changes):
    plan = subscription.plan
    expected = {
        "id": subscription.pk,
        "account_id": subscription.account_id,
        "product": {
            "id": plan.product_id,
            "code": plan.product.code,
            "name": plan.product.name,
        },
        "plan": {"id": plan.pk, "code": plan.code, "tier": plan.tier, "interval": plan.interval},
        "seats": subscription.seats,
        "seats_assigned": subscription.seats_assigned,
        "seats_free": subscription.seats - subscription.seats_assigned,
        "term_start": subscription.term_start.isoformat(),
        "term_end": subscription.term_end.isoformat(),
        "status": subscription.status,
        "auto_renew": subscription.auto_renew,
        "trial_end": subscription.trial_end.isoformat() if subscription.trial_end else None,
        "created_at": subscription.created_at.isoformat().replace("+00:00", "Z"),
    }
    expected.update(changes)
    return expected


def test_subscribe_by_plan_code(api, frozen_now):
    account = make_account()
    plan = Plan.objects.select_related("product").get(code="goto-webinar-business-yearly")

    response = api.post_json(
        f"/accounts/{account.pk}/subscriptions",
        {"plan_code": "goto-webinar-business-yearly", "seats": 3, "auto_renew": False},
    )

    assert response.status_code == 201
    subscription = Subscription.objects.get()
    assert response.json() == {
        "id": subscription.pk,
        "account_id": account.pk,
        "product": {"id": plan.product_id, "code": "goto-webinar", "name": "GoTo Webinar"},
        "plan": {
            "id": plan.pk,
            "code": "goto-webinar-business-yearly",
            "tier": "business",
            "interval": "year",
        },
        "seats": 3,
        "seats_assigned": 0,
        "seats_free": 3,
        "term_start": "2026-03-02",
        "term_end": "2027-03-02",
        "status": "active",
        "auto_renew": False,
        "trial_end": None,
        "created_at": NOW_JSON,
    }
    assert AuditEntry.objects.filter(action="subscription.add").get().actor_label == "api:crm-sync"


def test_subscribe_by_plan_id_with_a_term_start(api):
    account = make_account()
    plan = Plan.objects.get(code="goto-meeting-standard-monthly")

    response = api.post_json(
        f"/accounts/{account.pk}/subscriptions",
        {"plan_id": plan.pk, "seats": 1, "term_start": "2026-01-31"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["plan"]["code"], body["term_start"], body["term_end"], body["auto_renew"]) == (
        "goto-meeting-standard-monthly",
        "2026-01-31",
        "2026-02-28",
        True,
    )


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        (
            {"seats": 1},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [detail(None, "plan_code_or_plan_id", "Give either plan_code or plan_id.")],
            ),
        ),
        (
            {"plan_code": "goto-meeting-standard-monthly", "plan_id": 1, "seats": 1},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [detail(None, "plan_code_or_plan_id", "Give either plan_code or plan_id.")],
            ),
        ),
        (
            {"plan_code": "no-such-plan", "seats": 1},
            422,
            error(
                "unknown_plan",
                "There is no plan with this code or id.",
                [detail("plan_code", "unknown_plan", "There is no plan with this code or id.")],
            ),
        ),
        (
            {"plan_code": "goto-meeting-standard-monthly", "seats": 0},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [detail("seats", "out_of_range", "Enter a number of at least 1.")],
            ),
        ),
        (
            {"plan_code": "goto-meeting-standard-monthly", "seats": 1, "term_start": "9999-12-31"},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [
                    detail(
                        "term_start",
                        "term_start_out_of_range",
                        "The term starts between 2000-01-01 and 2099-12-31.",
                    )
                ],
            ),
        ),
        (
            {"plan_code": "goto-meeting-standard-monthly", "seats": 1, "term_start": "31.01.2026"},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [detail("term_start", "invalid_date", "Enter a date as YYYY-MM-DD.")],
            ),
        ),
    ],
    ids=["no-plan", "two-plans", "unknown-plan", "no-seats", "term-too-late", "bad-date"],
)
def test_refused_subscription_changes_nothing(api, payload, status, expected):
    account = make_account()
    before = row_counts()

    response = api.post_json(f"/accounts/{account.pk}/subscriptions", payload)

    assert (response.status_code, response.json()) == (status, expected)
    assert row_counts() == before


def test_second_live_subscription_of_a_product_is_refused(api):
    account = make_account()
    make_subscription(account, plan_code="goto-meeting-standard-monthly")
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk}/subscriptions",
        {"plan_code": "goto-meeting-business-yearly", "seats": 2},
    )

    message = "The account already has a subscription to this product."
    assert (response.status_code, response.json()) == (
        409,
        error(
            "product_already_subscribed",
            message,
            [detail("plan_id", "product_already_subscribed", message)],
        ),
    )
    assert row_counts() == before


def test_get_and_list_subscriptions(api, frozen_now):
    account = make_account()
    first = make_subscription(account, plan_code="goto-meeting-standard-monthly")
    second = make_subscription(account, plan_code="goto-training-standard-monthly")
    make_subscription(make_account())  # another account's

    got = api.get_json(f"/subscriptions/{first.pk}")
    page_one = api.get_json(f"/accounts/{account.pk}/subscriptions", limit=1).json()
    page_two = api.get_json(
        f"/accounts/{account.pk}/subscriptions", limit=1, after=page_one["next_after"]
    ).json()

    assert (got.status_code, got.json()) == (200, subscription_json(first))
    assert page_one == {"items": [subscription_json(first)], "next_after": first.pk}
    assert page_two == {"items": [subscription_json(second)], "next_after": None}


def test_list_subscriptions_of_unknown_account_is_404(api):
    account = make_account()

    response = api.get_json(f"/accounts/{account.pk + 1000}/subscriptions")

    assert (response.status_code, response.json()) == (
        404,
        error("account_not_found", "There is no account with this id."),
    )


# --- License assignments -------------------------------------------------------------------


def test_assign_license(api, frozen_now):
    account = make_account()
    person = make_person(account)
    subscription = make_subscription(account, seats=2)

    response = api.post_json(
        f"/subscriptions/{subscription.pk}/assignments", {"person_id": person.pk}
    )

    assert response.status_code == 201
    assignment = LicenseAssignment.objects.get()
    assert response.json() == {
        "id": assignment.pk,
        "subscription_id": subscription.pk,
        "person_id": person.pk,
        "assigned_at": NOW_JSON,
    }
    assert api.get_json(f"/subscriptions/{subscription.pk}").json()["seats_free"] == 1


def test_assigning_beyond_the_seats_bought_is_refused(api):
    # Given a subscription of two seats, both assigned
    account = make_account()
    subscription = make_subscription(account, seats=2)
    for person in (billing_contact(account), make_person(account)):
        license_assign(subscription=subscription, person=person, by=SYSTEM)
    third = make_person(account)
    before = row_counts()

    # when the operator assigns a third seat
    response = api.post_json(
        f"/subscriptions/{subscription.pk}/assignments", {"person_id": third.pk}
    )

    # then it is refused and nothing changed
    assert (response.status_code, response.json()) == (
        409,
        error("no_free_seat", "All seats of GoTo Meeting are assigned. Buy more seats first."),
    )
    assert row_counts() == before
    assert Subscription.objects.get(pk=subscription.pk).seats_assigned == 2


@pytest.mark.parametrize("who", ["stranger", "unknown"])
def test_assign_to_someone_not_in_the_account_is_refused(api, who):
    account = make_account()
    subscription = make_subscription(account)
    stranger = make_person(make_account())
    person_id = stranger.pk if who == "stranger" else stranger.pk + 1000
    before = row_counts()

    response = api.post_json(
        f"/subscriptions/{subscription.pk}/assignments", {"person_id": person_id}
    )

    if who == "stranger":
        message = "Licenses can only be assigned to members of the account."
        expected = (
            409,
            error("not_a_member", message, [detail("person_id", "not_a_member", message)]),
        )
    else:
        message = "There is no person with this id."
        expected = (
            422,
            error("unknown_person", message, [detail("person_id", "unknown_person", message)]),
        )
    assert (response.status_code, response.json()) == expected
    assert row_counts() == before


def test_list_assignments_and_unassign(api):
    account = make_account()
    subscription = make_subscription(account, seats=3)
    people = [billing_contact(account), make_person(account)]
    assignments = [
        license_assign(subscription=subscription, person=person, by=SYSTEM) for person in people
    ]

    listed = api.get_json(f"/subscriptions/{subscription.pk}/assignments").json()
    removed = api.delete_json(f"/subscriptions/{subscription.pk}/assignments/{people[0].pk}")
    after = api.get_json(f"/subscriptions/{subscription.pk}/assignments").json()

    assert [(item["id"], item["person_id"]) for item in listed["items"]] == [
        (assignments[0].pk, people[0].pk),
        (assignments[1].pk, people[1].pk),
    ]
    assert listed["next_after"] is None
    assert (removed.status_code, removed.content) == (204, b"")
    assert [item["person_id"] for item in after["items"]] == [people[1].pk]
    assert Subscription.objects.get(pk=subscription.pk).seats_assigned == 1
    assert AuditEntry.objects.filter(action="license.unassign").get().actor_label == "api:crm-sync"


def test_unassign_a_seat_that_is_not_held_is_refused(api):
    account = make_account()
    subscription = make_subscription(account)
    person = make_person(account)
    before = row_counts()

    response = api.delete_json(f"/subscriptions/{subscription.pk}/assignments/{person.pk}")

    message = f"{person.full_name} holds no seat of GoTo Meeting."
    assert (response.status_code, response.json()) == (
        409,
        error("not_assigned", message, [detail("person_id", "not_assigned", message)]),
    )
    assert row_counts() == before


def test_assignments_of_unknown_subscription_is_404(api):
    subscription = make_subscription(make_account())

    response = api.get_json(f"/subscriptions/{subscription.pk + 1000}/assignments")

    assert (response.status_code, response.json()) == (
        404,
        error("subscription_not_found", "There is no subscription with this id."),
    )


# --- free trials -----------------------------------------------------------------------------


@pytest.fixture
def webinar_trials(db):
    from seatwise.catalog.models import Product
    from seatwise.catalog.services import product_trial_set

    return product_trial_set(
        product=Product.objects.get(code="goto-webinar"),
        trial_days=14,
        trial_seat_limit=5,
        by=SYSTEM,
    )


def test_start_a_trial_and_read_it(api, frozen_now, webinar_trials):
    account = make_account(kind="online")

    response = api.post_json(
        f"/accounts/{account.pk}/trials",
        {"plan_code": "goto-webinar-business-monthly", "seats": 2},
    )

    assert response.status_code == 201
    trial = Subscription.objects.get()
    body = response.json()
    assert body == subscription_json(trial)
    assert (body["status"], body["term_start"], body["term_end"], body["trial_end"]) == (
        "trial",
        "2026-03-02",
        "2026-03-16",
        "2026-03-16",
    )
    assert (body["seats"], body["auto_renew"]) == (2, False)
    # Shown with the account's subscriptions, and on its own.
    listed = api.get_json(f"/accounts/{account.pk}/subscriptions").json()["items"]
    assert listed == [subscription_json(trial)]
    assert api.get_json(f"/subscriptions/{trial.pk}").json() == subscription_json(trial)
    entry = AuditEntry.objects.filter(action="subscription.trial_start").get()
    assert entry.actor_label == "api:crm-sync"


@pytest.mark.parametrize(
    ("kind", "plan_code", "seats", "code"),
    [
        ("online", "goto-webinar-standard-monthly", 6, "trial_seat_limit"),
        ("online", "goto-training-standard-monthly", 1, "trial_not_offered"),
        ("corporate", "goto-webinar-standard-monthly", 1, "corporate_account"),
    ],
)
def test_trial_refusals_change_nothing(api, webinar_trials, kind, plan_code, seats, code):
    account = make_account(kind=kind)
    before = row_counts()

    response = api.post_json(
        f"/accounts/{account.pk}/trials", {"plan_code": plan_code, "seats": seats}
    )

    assert (response.status_code, response.json()["error"]["code"]) == (409, code)
    assert row_counts() == before


def test_one_trial_per_product(api, webinar_trials):
    account = make_account(kind="online")
    path = f"/accounts/{account.pk}/trials"
    assert (
        api.post_json(path, {"plan_code": "goto-webinar-standard-monthly", "seats": 1}).status_code
        == 201
    )

    again = api.post_json(path, {"plan_code": "goto-webinar-standard-yearly", "seats": 1})

    assert (again.status_code, again.json()["error"]["code"]) == (409, "product_already_subscribed")
