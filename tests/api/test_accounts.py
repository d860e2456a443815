from __future__ import annotations

import pytest

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.audit.models import AuditEntry
from tests.api.conftest import NOW_JSON, detail, error, row_counts
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def account_payload(**changes):
    payload = {
        "name": "Acme GmbH",
        "kind": "online",
        "country": "DE",
        "language": "de",
        "currency": "EUR",
        "vat_id": "DE 136 695 976",
        "address_line1": "Invalidenstraße 1",
        "postal_code": "10115",
        "city": "Berlin",
        "billing_contact": {
            "email": "Billing@Acme.example",
            "first_name": "Berta",
            "last_name": "Bauer",
            "language": "de",
            "password": "correct horse battery staple",
        },
    }
    payload.update(changes)
    return payload


def account_json(account_id, **changes):
    expected = {
        "id": account_id,
        "name": "Acme GmbH",
        "kind": "online",
        "country": "DE",
        "language": "de",
        "currency": "EUR",
        "vat_id": "DE136695976",
        "address_line1": "Invalidenstraße 1",
        "address_line2": "",
        "postal_code": "10115",
        "city": "Berlin",
        "region": "",
        "self_service_eligible": True,
        "corporate_user_id": None,
        "created_at": NOW_JSON,
    }
    expected.update(changes)
    return expected


def test_create_online_account_with_its_billing_contact(api, frozen_now):
    # Given nothing, when an operator creates an account
    response = api.post_json("/accounts", account_payload())

    # then it exists with its billing contact, who is also its first account admin
    assert response.status_code == 201
    account = Account.objects.get()
    assert response.json() == account_json(account.pk)
    contact = Person.objects.get(account=account)
    assert (contact.email, contact.is_billing_contact, contact.is_account_admin) == (
        "billing@acme.example",
        True,
        True,
    )
    assert contact.check_password("correct horse battery staple")
    # and the audit trail names the token that did it
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "actor_label")) == [
        ("account.create", "api:crm-sync"),
        ("person.add", "api:crm-sync"),
    ]


def test_create_corporate_account_gets_a_user_id(api, frozen_now):
    response = api.post_json(
        "/accounts", account_payload(kind="corporate", corporate_user_id="acme-billing")
    )

    assert response.status_code == 201
    account = Account.objects.get()
    assert response.json() == account_json(
        account.pk, kind="corporate", corporate_user_id="acme-billing"
    )
    assert CorporateCredential.objects.get(account=account).user_id == "acme-billing"


def test_corporate_user_id_defaults_to_the_billing_contacts_email(api):
    response = api.post_json("/accounts", account_payload(kind="corporate"))

    assert response.status_code == 201
    assert response.json()["corporate_user_id"] == "billing@acme.example"


@pytest.mark.parametrize(
    ("changes", "status", "expected"),
    [
        (
            {"vat_id": "DE123"},
            422,
            error(
                "invalid_vat_id",
                "This is not a valid VAT ID for the account's country.",
                [
                    detail(
                        "vat_id",
                        "invalid_vat_id",
                        "This is not a valid VAT ID for the account's country.",
                    )
                ],
            ),
        ),
        (
            {"country": "ZZ"},
            422,
            error(
                "invalid_country",
                "Enter a two-letter ISO country code.",
                [detail("country", "invalid_country", "Enter a two-letter ISO country code.")],
            ),
        ),
        (
            {"corporate_user_id": "acme"},
            422,
            error(
                "user_id_for_online_account",
                "Only corporate accounts have a Corporate Billing Portal User ID.",
                [
                    detail(
                        "corporate_user_id",
                        "user_id_for_online_account",
                        "Only corporate accounts have a Corporate Billing Portal User ID.",
                    )
                ],
            ),
        ),
        (
            {"kind": "reseller", "currency": "JPY"},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [
                    detail("kind", "invalid_choice", "Choose one of: 'online', 'corporate'."),
                    detail(
                        "currency",
                        "invalid_choice",
                        "Choose one of: 'EUR', 'USD', 'GBP', 'CHF'.",
                    ),
                ],
            ),
        ),
        (
            {"name": "x" * 201, "billing_contact": {"email": "a@b.example"}},
            422,
            error(
                "validation_error",
                "The request is not valid: see the details.",
                [
                    detail("name", "too_long", "Use at most 200 characters."),
                    detail("billing_contact.first_name", "required", "This field is required."),
                    detail("billing_contact.last_name", "required", "This field is required."),
                    detail("billing_contact.language", "required", "This field is required."),
                ],
            ),
        ),
    ],
    ids=["vat-id", "country", "user-id-online", "schema-choices", "schema-lengths"],
)
def test_refused_account_changes_nothing(api, changes, status, expected):
    before = row_counts()

    response = api.post_json("/accounts", account_payload(**changes))

    assert (response.status_code, response.json()) == (status, expected)
    assert row_counts() == before


def test_billing_contact_email_already_taken_is_refused(api):
    make_account()  # its billing contact is billing1@… — take the e-mail of an existing person
    taken = Person.objects.get().email
    payload = account_payload()
    payload["billing_contact"]["email"] = taken.upper()
    before = row_counts()

    response = api.post_json("/accounts", payload)

    assert response.status_code == 409
    assert response.json() == error(
        "email_taken",
        "A person with this e-mail address already exists.",
        [
            detail(
                "billing_contact.email",
                "email_taken",
                "A person with this e-mail address already exists.",
            )
        ],
    )
    assert row_counts() == before


def test_get_account(api, frozen_now):
    account_id = api.post_json("/accounts", account_payload()).json()["id"]

    response = api.get_json(f"/accounts/{account_id}")

    assert (response.status_code, response.json()) == (200, account_json(account_id))


def test_get_unknown_account_is_404(api):
    account = make_account()

    response = api.get_json(f"/accounts/{account.pk + 1000}")

    assert (response.status_code, response.json()) == (
        404,
        error("account_not_found", "There is no account with this id."),
    )


def test_list_accounts_pages_by_id(api):
    # Given three accounts
    ids = [make_account(name=f"Account {n}").pk for n in range(3)]

    # when the operator pages two at a time
    first = api.get_json("/accounts", limit=2).json()
    second = api.get_json("/accounts", limit=2, after=first["next_after"]).json()

    # then the pages follow each other by id, and the last one says so
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert first["next_after"] == ids[1]
    assert [item["id"] for item in second["items"]] == ids[2:]
    assert second["next_after"] is None
    assert [item["name"] for item in first["items"] + second["items"]] == [
        "Account 0",
        "Account 1",
        "Account 2",
    ]


def test_list_accounts_default_page_is_50(api):
    ids = sorted(make_account().pk for _ in range(51))

    page = api.get_json("/accounts").json()

    assert [item["id"] for item in page["items"]] == ids[:50]
    assert page["next_after"] == ids[49]


def test_list_accounts_costs_the_same_queries_whatever_the_page(api, django_assert_num_queries):
    make_account(kind="corporate")
    api.get_json("/accounts")  # the token's last use is written once a minute, not now
    for _ in range(4):
        make_account(kind="corporate")

    # one query for the token, one for its rate limit, one for the page with its User IDs
    with django_assert_num_queries(3):
        response = api.get_json("/accounts")

    assert len(response.json()["items"]) == 5


@pytest.mark.parametrize(
    ("query", "field", "code", "message"),
    [
        ({"limit": 0}, "limit", "out_of_range", "Enter a number of at least 1."),
        ({"limit": 101}, "limit", "out_of_range", "Enter a number of at most 100."),
        ({"after": "x"}, "after", "not_an_integer", "Enter a whole number."),
        (
            {"after": 2**70},
            "after",
            "out_of_range",
            "Enter a number of at most 9223372036854775807.",
        ),
    ],
)
def test_bad_paging_parameters_are_422(api, query, field, code, message):
    response = api.get_json("/accounts", **query)

    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "The request is not valid: see the details.",
            [detail(field, code, message)],
        ),
    )
