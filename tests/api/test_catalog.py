from __future__ import annotations

import pytest

from seatwise.catalog.models import Plan, Product

pytestmark = pytest.mark.django_db


def test_products_are_listed_by_id(api):
    products = list(Product.objects.order_by("pk"))

    page = api.get_json("/products", limit=2).json()

    assert page == {
        "items": [
            {
                "id": products[0].pk,
                "code": "goto-meeting",
                "name": "GoTo Meeting",
                "seat_expansion_supported": True,
                "is_active": True,
            },
            {
                "id": products[1].pk,
                "code": "goto-webinar",
                "name": "GoTo Webinar",
                "seat_expansion_supported": True,
                "is_active": True,
            },
        ],
        "next_after": products[1].pk,
    }


def test_plans_come_with_their_prices_as_money_strings(api):
    product = Product.objects.get(code="goto-meeting")
    plans = {plan.code: plan.pk for plan in Plan.objects.filter(product=product)}

    page = api.get_json("/plans", product_id=product.pk).json()

    assert page["next_after"] is None
    assert page["items"][0] == {
        "id": plans["goto-meeting-standard-monthly"],
        "code": "goto-meeting-standard-monthly",
        "product_id": product.pk,
        "product_code": "goto-meeting",
        "tier": "standard",
        "interval": "month",
        "is_active": True,
        "prices": [
            {"currency": "CHF", "unit_amount": "13.00"},
            {"currency": "EUR", "unit_amount": "14.00"},
            {"currency": "GBP", "unit_amount": "12.00"},
            {"currency": "USD", "unit_amount": "15.00"},
        ],
    }
    assert [(item["code"], item["prices"][1]) for item in page["items"][1:]] == [
        ("goto-meeting-standard-yearly", {"currency": "EUR", "unit_amount": "140.00"}),
        ("goto-meeting-business-monthly", {"currency": "EUR", "unit_amount": "19.00"}),
        ("goto-meeting-business-yearly", {"currency": "EUR", "unit_amount": "190.00"}),
    ]
    assert sorted(item["id"] for item in page["items"]) == [item["id"] for item in page["items"]]


def test_plan_pages_cost_the_same_queries_whatever_their_size(api, django_assert_num_queries):
    api.get_json("/plans", limit=1)  # the token's last use is written once a minute, not now

    # token, its rate limit, plans with products, prices of the page
    with django_assert_num_queries(4):
        small = api.get_json("/plans", limit=1).json()
    with django_assert_num_queries(4):
        large = api.get_json("/plans", limit=100).json()

    assert len(small["items"]) == 1
    assert len(large["items"]) == Plan.objects.count() == 24
    assert large["next_after"] is None
