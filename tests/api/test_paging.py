"""Every list is a keyset page whose cost does not depend on its size (STYLE: query counts are
asserted on list pages)."""

from __future__ import annotations

import pytest

from seatwise.subscriptions.services import license_assign
from tests.factories import SYSTEM, make_account, make_card, make_person, make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_with_lists():
    account = make_account()
    people = [make_person(account) for _ in range(4)]
    subscription = make_subscription(account, seats=5)
    for person in people:
        license_assign(subscription=subscription, person=person, by=SYSTEM)
    for plan_code in ("goto-webinar-standard-monthly", "goto-training-standard-monthly"):
        make_subscription(account, plan_code=plan_code)
    for number in ("4242424242424242", "5555555555554444", "6011111111111117"):
        make_card(account, number=number)
    return account, subscription


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # token + its rate limit + account + page
        ("/accounts/{account}/people", 4),
        # token + its rate limit + account + page with products and plans
        ("/accounts/{account}/subscriptions", 4),
        # token + its rate limit + subscription + page
        ("/subscriptions/{subscription}/assignments", 4),
        # token + its rate limit + account + page
        ("/accounts/{account}/payment-methods", 4),
        # token + its rate limit + account + billing contact and admins
        ("/accounts/{account}/roles", 4),
    ],
)
def test_nested_lists_cost_the_same_queries_for_one_item_or_all(
    api, account_with_lists, django_assert_num_queries, path, queries
):
    account, subscription = account_with_lists
    url = path.format(account=account.pk, subscription=subscription.pk)
    api.get_json(url)  # the token's last use is written once a minute, not now

    with django_assert_num_queries(queries):
        one = api.get_json(url, limit=1)
    with django_assert_num_queries(queries):
        everything = api.get_json(url, limit=100)

    assert (one.status_code, everything.status_code) == (200, 200)
    if "items" in everything.json():
        assert len(one.json()["items"]) == 1
        assert len(everything.json()["items"]) >= 3
        assert everything.json()["next_after"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{account}/people",
        "/accounts/{account}/subscriptions",
        "/subscriptions/{subscription}/assignments",
        "/accounts/{account}/payment-methods",
    ],
)
def test_walking_the_pages_yields_every_item_once_in_id_order(api, account_with_lists, path):
    account, subscription = account_with_lists
    url = path.format(account=account.pk, subscription=subscription.pk)
    everything = [item["id"] for item in api.get_json(url).json()["items"]]

    seen, after = [], None
    while True:
        params = {"limit": 2} if after is None else {"limit": 2, "after": after}
        page = api.get_json(url, **params).json()
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break

    assert seen == sorted(everything)
    assert len(seen) == len(set(seen)) >= 3
