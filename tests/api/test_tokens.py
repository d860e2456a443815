"""API tokens: account restriction, expiry, revocation, rate limit, last use, and the
management commands that create, list and revoke them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from seatwise.accounts.models import Account
from seatwise.api.models import OperatorToken
from seatwise.api.scopes import ALL_SCOPES, Scope
from seatwise.audit.models import AuditEntry
from seatwise.core.models import RateLimitCounter
from seatwise.subscriptions.people import person_remove
from seatwise.subscriptions.services import license_assign
from tests.api.conftest import BASE, NOW, error, row_counts
from tests.factories import SYSTEM, make_account, make_card, make_person, make_subscription

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = error(
    "not_authenticated", "Send a valid API token in the header Authorization: Bearer <token>."
)
EXPIRED = error("token_expired", "This API token has expired. Ask the operator for a new one.")
RATE_LIMITED = error(
    "rate_limited",
    "Too many requests with this API token. Try again after the number of seconds in the "
    "Retry-After header.",
)
EVERY_SCOPE_BUT_ACCOUNTS_WRITE = [scope for scope in ALL_SCOPES if scope != Scope.ACCOUNTS_WRITE]


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


# --- Account restriction -------------------------------------------------------------------


@pytest.fixture
def two_accounts(db: None) -> dict[str, dict[str, int]]:
    """Two accounts, each with a member holding a seat, a card and an admin."""
    found = {}
    for name in ("mine", "other"):
        account = make_account()
        member = make_person(account)
        make_person(account, admin=True)
        subscription = make_subscription(account, seats=2)
        license_assign(subscription=subscription, person=member, by=SYSTEM)
        card = make_card(account)
        found[name] = {
            "account_id": account.pk,
            "person_id": member.pk,
            "subscription_id": subscription.pk,
            "payment_method_id": card.pk,
            "invoice_id": 1,
        }
    return found


def restricted_to(*account_ids: int) -> Client:
    _token, raw = OperatorToken.issue(
        "one-customer", scopes=EVERY_SCOPE_BUT_ACCOUNTS_WRITE, account_ids=account_ids
    )
    return bearer(raw)


# Every operation that names an account's object in its path, with a valid body for writes.
PATH_OPERATIONS = [
    ("get", "/accounts/{account_id}", None),
    (
        "post",
        "/accounts/{account_id}/people",
        {"email": "new@x.example", "first_name": "N", "last_name": "N"},
    ),
    ("get", "/accounts/{account_id}/people", None),
    ("get", "/people/{person_id}", None),
    ("delete", "/people/{person_id}", None),
    ("get", "/accounts/{account_id}/roles", None),
    ("put", "/accounts/{account_id}/billing-contact", {"person_id": "{person_id}"}),
    ("put", "/people/{person_id}/account-admin", None),
    ("delete", "/people/{person_id}/account-admin", None),
    (
        "post",
        "/accounts/{account_id}/subscriptions",
        {"plan_code": "goto-meeting-standard-monthly", "seats": 1},
    ),
    ("get", "/accounts/{account_id}/subscriptions", None),
    ("get", "/subscriptions/{subscription_id}", None),
    ("post", "/subscriptions/{subscription_id}/assignments", {"person_id": "{person_id}"}),
    ("get", "/subscriptions/{subscription_id}/assignments", None),
    ("delete", "/subscriptions/{subscription_id}/assignments/{person_id}", None),
    ("post", "/accounts/{account_id}/payment-methods", {"token": "tok_visa"}),
    ("get", "/accounts/{account_id}/payment-methods", None),
    ("get", "/payment-methods/{payment_method_id}", None),
    ("get", "/accounts/{account_id}/invoices", None),
    ("get", "/accounts/{account_id}/invoices/{invoice_id}/document", None),
]


def _call(client: Client, method: str, path: str, body: dict | None, ids: dict[str, int]):
    url = BASE + path.format(**ids)
    if body is None:
        return getattr(client, method)(url)
    data = {
        key: int(value.format(**ids)) if value == "{person_id}" else value
        for key, value in body.items()
    }
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.mark.parametrize(("method", "path", "body"), PATH_OPERATIONS, ids=lambda v: str(v)[:40])
def test_another_accounts_objects_are_not_found_as_if_they_did_not_exist(
    two_accounts, method, path, body
):
    # Given a token limited to one account
    client = restricted_to(two_accounts["mine"]["account_id"])
    missing = dict.fromkeys(two_accounts["other"], 2**62)
    before = row_counts()

    # when it names the other account's objects, or objects that do not exist
    other = _call(client, method, path, body, two_accounts["other"])
    nonexistent = _call(client, method, path, body, missing)

    # then both get the same 404, and nothing changed
    assert other.status_code == 404
    assert (other.status_code, other.json()) == (nonexistent.status_code, nonexistent.json())
    assert row_counts() == before


def test_a_restricted_token_reaches_its_own_accounts(two_accounts):
    client = restricted_to(two_accounts["mine"]["account_id"])
    mine = two_accounts["mine"]

    statuses = [
        _call(client, "get", path, None, mine).status_code
        for _m, path, _b in PATH_OPERATIONS
        if _m == "get"
    ]

    # (the invoice 1 of the document is not the account's: the one 404)
    assert statuses == [200] * 10 + [404]


def test_a_restricted_token_lists_only_its_accounts(two_accounts):
    make_account()
    mine = two_accounts["mine"]["account_id"]
    other = two_accounts["other"]["account_id"]

    only_mine = restricted_to(mine).get(f"{BASE}/accounts").json()
    both = restricted_to(mine, other).get(f"{BASE}/accounts", {"limit": 1}).json()

    assert ([item["id"] for item in only_mine["items"]], only_mine["next_after"]) == ([mine], None)
    assert ([item["id"] for item in both["items"]], both["next_after"]) == ([mine], mine)
    second = restricted_to(mine, other).get(f"{BASE}/accounts", {"after": mine}).json()
    assert ([item["id"] for item in second["items"]], second["next_after"]) == ([other], None)


def test_a_person_of_another_account_in_the_body_is_unknown(two_accounts):
    client = restricted_to(two_accounts["mine"]["account_id"])
    mine, other = two_accounts["mine"], two_accounts["other"]

    answers = [
        client.put(
            f"{BASE}/accounts/{mine['account_id']}/billing-contact",
            {"person_id": person_id},
            content_type="application/json",
        )
        for person_id in (other["person_id"], 2**62)
    ]

    unknown = error(
        "unknown_person",
        "There is no person with this id.",
        [
            {
                "field": "person_id",
                "code": "unknown_person",
                "message": "There is no person with this id.",
            }
        ],
    )
    assert [(answer.status_code, answer.json()) for answer in answers] == [(422, unknown)] * 2


def test_a_person_removed_from_their_account_is_not_found_by_a_restricted_token(two_accounts):
    mine = two_accounts["mine"]
    person = make_person(Account.objects.get(pk=mine["account_id"]))
    person_remove(person=person, by=SYSTEM)

    response = restricted_to(mine["account_id"]).get(f"{BASE}/people/{person.pk}")

    assert response.status_code == 404


def test_a_restricted_token_cannot_create_accounts(two_accounts):
    _token, raw = OperatorToken.issue(
        "one-customer", scopes=ALL_SCOPES, account_ids=[two_accounts["mine"]["account_id"]]
    )
    before = row_counts()

    response = bearer(raw).post(
        f"{BASE}/accounts",
        {
            "name": "Acme",
            "kind": "online",
            "country": "DE",
            "language": "de",
            "currency": "EUR",
            "billing_contact": {
                "email": "bill@acme.example",
                "first_name": "Bill",
                "last_name": "Payer",
                "language": "de",
            },
        },
        content_type="application/json",
    )

    assert (response.status_code, response.json()) == (
        403,
        error(
            "account_restricted",
            "This API token is limited to some accounts: it cannot create accounts.",
        ),
    )
    assert row_counts() == before


# --- Expiry and revocation -----------------------------------------------------------------


def test_an_expired_token_is_refused_with_401():
    _token, raw = OperatorToken.issue("temp", scopes=ALL_SCOPES, expires_at=NOW)
    client = bearer(raw)

    with time_machine.travel(NOW - timedelta(seconds=1), tick=False):
        before = client.get(f"{BASE}/products")
    with time_machine.travel(NOW, tick=False):
        at_expiry = client.get(f"{BASE}/products")

    assert before.status_code == 200
    assert (at_expiry.status_code, at_expiry.json()) == (401, EXPIRED)
    assert at_expiry["WWW-Authenticate"] == (
        'Bearer error="invalid_token", error_description="The token has expired"'
    )


def test_a_revoked_token_is_refused_with_401(token):
    _operator_token, raw = token
    call_command("revoke_api_token", "crm-sync", stdout=io.StringIO())

    response = bearer(raw).get(f"{BASE}/products")

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_a_token_revoked_after_its_use_is_refused_from_the_next_request(token):
    # Given a token this process has authenticated (and remembers)
    _operator_token, raw = token
    client = bearer(raw)
    assert client.get(f"{BASE}/products").status_code == 200

    # when it is revoked
    call_command("revoke_api_token", "crm-sync", stdout=io.StringIO())

    # then its next request is refused, and so is every one after it
    for _ in range(2):
        response = client.get(f"{BASE}/products")
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_a_known_token_is_checked_by_one_statement_on_its_key(token):
    # Given a token that made a request in this process
    operator_token, raw = token
    client = bearer(raw)
    client.get(f"{BASE}/products")

    # when it makes another one
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{BASE}/products")

    # then one statement on its key checks that it is still live (its id, its hash, not
    # revoked), and nothing else reads the token table
    table = OperatorToken._meta.db_table
    on_tokens = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    assert len(on_tokens) == 1
    where = on_tokens[0].split(" WHERE ")[1]
    assert where == (
        f'("{table}"."id" = {operator_token.pk} '
        f'AND "{table}"."revoked_at" IS NULL '
        f'AND "{table}"."token_hash" = \'{operator_token.token_hash}\')'
    )


# --- Rate limit ----------------------------------------------------------------------------


def test_the_61st_request_in_a_minute_gets_429_and_another_token_is_unaffected(settings):
    settings.SEATWISE_API_RATE_LIMIT = 60
    _first, first_raw = OperatorToken.issue("busy", scopes=ALL_SCOPES)
    _second, second_raw = OperatorToken.issue("quiet", scopes=ALL_SCOPES)
    busy, quiet = bearer(first_raw), bearer(second_raw)

    with time_machine.travel(NOW + timedelta(seconds=15), tick=False):
        statuses = [busy.get(f"{BASE}/products", {"limit": 1}).status_code for _ in range(60)]
        refused = busy.get(f"{BASE}/products", {"limit": 1})
        other = quiet.get(f"{BASE}/products", {"limit": 1})
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        next_minute = busy.get(f"{BASE}/products", {"limit": 1})

    assert statuses == [200] * 60
    assert (refused.status_code, refused.json()) == (429, RATE_LIMITED)
    assert refused["Retry-After"] == "45"
    assert other.status_code == 200
    assert next_minute.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_busy_tokens_requests_are_counted_in_blocks_within_the_limit(settings):
    # Given a limit of 600 a minute: a process counts 6 requests at once (a hundredth)
    settings.SEATWISE_API_RATE_LIMIT = 600
    operator_token, raw = OperatorToken.issue("busy", scopes=ALL_SCOPES)
    client = bearer(raw)
    counter = RateLimitCounter._meta.db_table

    # when the token makes 12 requests in a minute
    with (
        time_machine.travel(NOW + timedelta(seconds=15), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        statuses = [client.get(f"{BASE}/products", {"limit": 1}).status_code for _ in range(12)]

    # then all are answered, the count was written twice, and it holds the 12 uses
    assert statuses == [200] * 12
    assert len([q for q in queries.captured_queries if f'"{counter}"' in q["sql"]]) == 2
    assert RateLimitCounter.objects.get(key=f"api.token:{operator_token.pk}").hits == 12


def test_a_refused_scope_counts_against_the_limit(settings):
    settings.SEATWISE_API_RATE_LIMIT = 1
    _token, raw = OperatorToken.issue("catalog-only", scopes=[Scope.CATALOG_READ])
    client = bearer(raw)

    with time_machine.travel(NOW, tick=False):
        statuses = [client.get(f"{BASE}/accounts").status_code for _ in range(2)]

    assert statuses == [403, 429]


# --- Last use ------------------------------------------------------------------------------


def _token_updates(queries: CaptureQueriesContext) -> list[str]:
    table = OperatorToken._meta.db_table
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


def test_last_use_is_written_once_a_minute_not_per_request(token):
    operator_token, raw = token
    client = bearer(raw)

    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as first:
        client.get(f"{BASE}/products")
    with (
        time_machine.travel(NOW + timedelta(seconds=59), tick=False),
        CaptureQueriesContext(connection) as within_the_minute,
    ):
        for _ in range(5):
            client.get(f"{BASE}/products")

    assert len(_token_updates(first)) == 1
    assert _token_updates(within_the_minute) == []
    operator_token.refresh_from_db()
    assert operator_token.last_used_at == NOW


def test_last_use_is_a_conditional_update_that_racing_requests_write_once(token):
    # Given two requests that both read the token before either recorded its use
    from seatwise.api.auth import token_last_used_record

    operator_token, _raw = token
    racing = OperatorToken.objects.get(pk=operator_token.pk)

    # when both record it, a second apart
    token_last_used_record(token=operator_token, now=NOW)
    token_last_used_record(token=racing, now=NOW + timedelta(seconds=1))

    # then the first write stands, and the late request's token knows of it (it does not try
    # again before that use is a minute old)
    assert OperatorToken.objects.get(pk=operator_token.pk).last_used_at == NOW
    assert racing.last_used_at == NOW


# --- Management commands -------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_create_api_token_with_scopes_accounts_and_expiry(frozen, capsys):
    account = make_account()

    call_command(
        "create_api_token",
        "crm-sync",
        "--scope=accounts:read",
        "--scope=people:*",
        f"--account={account.pk}",
        "--expires=30",
    )

    out, err = capsys.readouterr()
    token = OperatorToken.objects.get()
    assert out.startswith("swop_")
    assert len(out) == len("swop_") + 43 + len("\n")
    assert err == f"Token 'crm-sync' created (id {token.pk}). It is shown only this once.\n"
    assert (token.name, token.scopes, token.account_ids, token.expires_at) == (
        "crm-sync",
        ["accounts:read", "people:read", "people:write"],
        [account.pk],
        NOW + timedelta(days=30),
    )
    assert out.strip() not in str(token.__dict__)
    # the printed token works, within its scopes and account
    client = bearer(out.strip())
    assert client.get(f"{BASE}/accounts/{account.pk}").status_code == 200
    assert client.get(f"{BASE}/products").status_code == 403


def test_creating_a_token_is_audited(frozen, capsys):
    call_command("create_api_token", "billing-sync", "--scope=*", "--expires=2027-01-31")

    token = OperatorToken.objects.get()
    entry = AuditEntry.objects.get()
    assert (
        entry.actor_kind,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.account_id,
        entry.new,
    ) == (
        "system",
        "create_api_token",
        "api_token.create",
        "api.operatortoken",
        str(token.pk),
        None,
        {
            "name": "billing-sync",
            "scopes": [str(scope) for scope in ALL_SCOPES],
            "account_ids": None,
            "expires_at": "2027-01-31T00:00:00+00:00",
        },
    )
    assert token.expires_at == datetime(2027, 1, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "Give the token at least one scope."),
        (
            ["--scope=accounts:delete"],
            "Unknown scope accounts:delete. Scopes: " + ", ".join(ALL_SCOPES) + ".",
        ),
        (
            ["--scope=accounts:*", "--account=1"],
            "A token limited to some accounts cannot have the scope accounts:write.",
        ),
        (["--scope=people:read", "--account=999999"], "There is no account with the id 999999."),
        (["--scope=people:read", "--expires=2020-01-01"], "The expiry must lie in the future."),
        (
            ["--scope=people:read", "--expires=soon"],
            "--expires takes a number of days or a date YYYY-MM-DD, not 'soon'.",
        ),
    ],
)
def test_create_api_token_refuses_what_would_be_a_wrong_token(frozen, arguments, message):
    make_account()  # account 1 may exist or not: the scope is refused first either way

    with pytest.raises(CommandError) as refused:
        call_command("create_api_token", "crm-sync", *arguments)

    assert str(refused.value) == message
    assert (
        OperatorToken.objects.count(),
        AuditEntry.objects.filter(action="api_token.create").count(),
    ) == (0, 0)


def table(rows: list[tuple[object, ...]]) -> list[str]:
    """Rows as columns two spaces apart, each as wide as its widest cell."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def test_list_api_tokens_shows_everything_but_the_secret(frozen, capsys):
    account = make_account()
    full, full_raw = OperatorToken.issue("crm-sync", scopes=ALL_SCOPES)
    narrow, narrow_raw = OperatorToken.issue(
        "one-customer",
        scopes=[Scope.ACCOUNTS_READ, Scope.INVOICES_READ],
        account_ids=[account.pk],
        expires_at=NOW + timedelta(days=30),
    )
    old, _old_raw = OperatorToken.issue("old", scopes=[Scope.CATALOG_READ], expires_at=NOW)
    gone, _gone_raw = OperatorToken.issue("gone", scopes=[Scope.CATALOG_READ])
    OperatorToken.objects.filter(pk=gone.pk).update(revoked_at=NOW)
    bearer(narrow_raw).get(f"{BASE}/accounts")

    call_command("list_api_tokens")
    live = capsys.readouterr().out
    call_command("list_api_tokens", "--all")
    everything = capsys.readouterr().out

    header = ("ID", "NAME", "STATUS", "SCOPES", "ACCOUNTS", "EXPIRES", "LAST USED")
    rows = [
        (full.pk, "crm-sync", "live", ",".join(ALL_SCOPES), "all", "never", "never"),
        (
            narrow.pk,
            "one-customer",
            "live",
            "accounts:read,invoices:read",
            str(account.pk),
            "2026-04-01 09:30 UTC",
            "2026-03-02 09:30 UTC",
        ),
        (old.pk, "old", "expired", "catalog:read", "all", "2026-03-02 09:30 UTC", "never"),
    ]
    revoked = (gone.pk, "gone", "revoked", "catalog:read", "all", "never", "never")
    assert live.splitlines() == table([header, *rows])
    assert everything.splitlines() == table([header, *rows, revoked])
    for raw in (full_raw, narrow_raw):
        assert raw not in everything


def test_revoke_api_token_revokes_every_live_token_of_the_name_and_audits_it(frozen, capsys):
    first, first_raw = OperatorToken.issue("crm-sync", scopes=ALL_SCOPES)
    second, _raw = OperatorToken.issue("crm-sync", scopes=ALL_SCOPES)
    _other, other_raw = OperatorToken.issue("other", scopes=ALL_SCOPES)

    call_command("revoke_api_token", "crm-sync")

    assert capsys.readouterr().out == "2 token(s) revoked.\n"
    assert bearer(first_raw).get(f"{BASE}/products").status_code == 401
    assert bearer(other_raw).get(f"{BASE}/products").status_code == 200
    assert list(
        AuditEntry.objects.order_by("pk").values_list("action", "object_id", "actor_label", "new")
    ) == [
        (
            "api_token.revoke",
            str(token.pk),
            "revoke_api_token",
            {"name": "crm-sync", "revoked_at": "2026-03-02T09:30:00+00:00"},
        )
        for token in (first, second)
    ]
