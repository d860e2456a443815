"""The Admin Center's audit trail: the account admin reads their own account's entries (who,
what, when, old → new, from which client) in their language, filters them, pages through
them and exports them as CSV; nobody else reads them, and no other account's entry shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor, Client
from seatwise.audit.models import AuditEntry
from seatwise.audit.services import audit_record
from tests.factories import SYSTEM, billing_contact, make_account, make_person
from tests.portals.audit_pages import csv_rows, table_rows
from tests.step_up import sign_in_as
from tests.support_console.conftest import make_agent

pytestmark = pytest.mark.django_db

ADMIN_BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MARCH = "?date_from=2026-03-01&date_to=2026-03-31"


def at(day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@dataclass
class World:
    account: Account
    admin: Person
    user: Person
    other: Account
    other_admin: Person


@pytest.fixture
def world(client, account, admin) -> World:
    """Account A's trail in March 2026: the admin makes a user account admin in the Admin
    Center (from a browser), customer service adds a note, the renewal job renews, the user
    does something whose code has no label; and one entry of another account."""
    user = make_person(account, language="en")
    other = make_account(language="en", name="Bravo Secret Ltd")
    agent = make_agent()
    with time_machine.travel(at(14, 9, 26, 53), tick=False):
        sign_in_as(client, admin)  # signing in is a fresh re-authentication (step-up)
        response = client.post(
            f"/admin-center/users/{user.pk}/admin/grant/",
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT=ADMIN_BROWSER,
        )
        assert response.status_code == 302
    with time_machine.travel(at(15, 16, 5, 9), tick=False):
        audit_record(
            by=Actor.for_person(agent, client=Client(address="198.51.100.9", agent="Agent/1")),
            action="support.case_note",
            obj=account,
            account_id=account.pk,
            new={"event": 7, "length": 12},
        )
    with time_machine.travel(at(16, 8, 0, 0), tick=False):
        audit_record(
            by=Actor.system("billing.renewals"),
            action="subscription.renew",
            obj=account,
            account_id=account.pk,
            old={"term_end": "2026-03-16"},
            new={"term_end": "2026-04-16"},
        )
        audit_record(
            by=SYSTEM,
            action="account.address_set",
            obj=other,
            account_id=other.pk,
            new={"city": "Secret City"},
        )
    with time_machine.travel(at(17, 10, 0, 0), tick=False):
        audit_record(
            by=Actor.for_person(user),
            action="custom.unlabelled",
            obj=account,
            account_id=account.pk,
            new={"note": "=1+2", "seats": -3},
        )
    return World(account, admin, user, other, billing_contact(other))


def expected_rows(world: World) -> list[list[str]]:
    account, admin, user = world.account, world.admin, world.user
    return [
        [
            "17 Mar 2026, 10:00:00 UTC",
            f"{user.full_name} | {user.email}",
            f"custom.unlabelled | custom.unlabelled · accounts.account {account.pk}",
            "note: =1+2 ; seats: -3",
            "—",
        ],
        [
            "16 Mar 2026, 08:00:00 UTC",
            "System",
            f"Subscription renewed | subscription.renew · accounts.account {account.pk}",
            "term_end: 2026-03-16 → 2026-04-16",
            "—",
        ],
        [
            "15 Mar 2026, 16:05:09 UTC",
            "Customer service",
            "Internal note added to support case | support.case_note · "
            f"accounts.account {account.pk}",
            "event: 7 ; length: 12",
            "—",
        ],
        [
            "14 Mar 2026, 09:26:53 UTC",
            f"{admin.full_name} | {admin.email}",
            f"Made account admin | person.account_admin_grant · accounts.person {user.pk}",
            "is_account_admin: no → yes",
            f"203.0.113.7 | {ADMIN_BROWSER}",
        ],
    ]


def test_the_account_admin_reads_who_what_when_old_new_and_client(client, world):
    sign_in_as(client, world.admin)

    response = client.get(f"/admin-center/audit/{MARCH}")

    assert response.status_code == 200
    assert table_rows(response.content.decode()) == expected_rows(world)
    page = response.content.decode()
    # Customer service is named as such: not the agent, their address or their browser.
    for hidden in ("helen.porter@seatwise.test", "Helen", "198.51.100.9", "Agent/1"):
        assert hidden not in page
    # Another account's entry is never shown.
    assert "Secret City" not in page
    assert "no-store" in response["Cache-Control"]


def test_an_admin_who_reads_german_reads_the_trail_in_german(client, world):
    Person.objects.filter(pk=world.admin.pk).update(language="de")
    sign_in_as(client, world.admin)

    response = client.get(f"/admin-center/audit/{MARCH}")

    rows = table_rows(response.content.decode())
    assert [row[0] for row in rows] == [
        "17.03.2026, 10:00:00 UTC",
        "16.03.2026, 08:00:00 UTC",
        "15.03.2026, 16:05:09 UTC",
        "14.03.2026, 09:26:53 UTC",
    ]
    assert [row[1] for row in rows][1:3] == ["System", "Kundendienst"]
    assert [row[2].split(" | ")[0] for row in rows] == [
        "custom.unlabelled",
        "Abonnement verlängert",
        "Interne Notiz zum Supportfall hinzugefügt",
        "Zum Kontoadministrator gemacht",
    ]
    assert rows[3][3] == "is_account_admin: nein → ja"


def test_filters_by_person_action_and_dates(client, world):
    sign_in_as(client, world.admin)

    def whats(query: str) -> list[str]:
        response = client.get(f"/admin-center/audit/{query}")
        assert response.status_code == 200
        return [
            row[2].split(" | ")[1].split(" · ")[0] for row in table_rows(response.content.decode())
        ]

    assert whats(f"{MARCH}&person={world.admin.email.upper()}") == ["person.account_admin_grant"]
    assert whats(f"{MARCH}&person={world.user.email}") == ["custom.unlabelled"]
    assert whats("?action=subscription.renew") == ["subscription.renew"]
    assert whats("?date_from=2026-03-15&date_to=2026-03-16") == [
        "subscription.renew",
        "support.case_note",
    ]
    assert whats("?date_from=2026-03-17&date_to=2026-03-17") == ["custom.unlabelled"]
    # Another account's person finds nothing of theirs here.
    assert whats(f"?person={world.other_admin.email}") == []


def test_dates_the_wrong_way_round_are_an_error_and_show_no_entry(client, world):
    sign_in_as(client, world.admin)

    response = client.get("/admin-center/audit/?date_from=2026-03-20&date_to=2026-03-10")

    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert table_rows(response.content.decode()) == []


def test_pages_follow_each_other_by_keyset_without_count_or_offset(client, world):
    # Given 60 more entries in the same second as one another
    with time_machine.travel(at(20, 12, 0, 0), tick=False):
        for n in range(60):
            audit_record(
                by=SYSTEM,
                action="account.address_set",
                obj=world.account,
                account_id=world.account.pk,
                new={"n": n},
            )
    sign_in_as(client, world.admin)
    query = "?action=account.address_set&date_from=2026-03-20"

    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"/admin-center/audit/{query}")
    rows = table_rows(first.content.decode())
    assert [row[3] for row in rows] == [f"n: {n}" for n in range(59, 9, -1)]
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql
    # The session, the admin with the account, the page of entries (its actors are no people:
    # no query for their names).
    assert len(queries.captured_queries) == 3

    next_link = first.context["next_query"]
    second = client.get(f"/admin-center/audit/{next_link}")
    assert [row[3] for row in table_rows(second.content.decode())] == [
        f"n: {n}" for n in range(9, -1, -1)
    ]
    assert second.context["next_query"] == ""
    # A forged cursor is the first page, not an error.
    assert client.get(f"/admin-center/audit/{query}&before=x.1").status_code == 200


def test_the_csv_export_holds_the_filtered_trail_exactly(client, world):
    sign_in_as(client, world.admin)

    response = client.get(f"/admin-center/audit/export.csv{MARCH}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-account-{world.account.pk}-{timezone.localdate()}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    text, rows = csv_rows(response)
    assert text.startswith("\ufeffTime (UTC),Who,")
    account, admin, user = world.account, world.admin, world.user
    a = str(account.pk)
    assert rows == [
        [
            "Time (UTC)",
            "Who",
            "E-mail address",
            "What",
            "Action code",
            "Object",
            "Old → new",
            "IP address",
            "User agent",
            "Account number",
        ],
        [
            "2026-03-17T10:00:00+00:00",
            user.full_name,
            user.email,
            "custom.unlabelled",
            "custom.unlabelled",
            f"accounts.account {a}",
            "note: =1+2; seats: -3",
            "",
            "",
            a,
        ],
        [
            "2026-03-16T08:00:00+00:00",
            "System",
            "",
            "Subscription renewed",
            "subscription.renew",
            f"accounts.account {a}",
            "term_end: 2026-03-16 → 2026-04-16",
            "",
            "",
            a,
        ],
        [
            "2026-03-15T16:05:09+00:00",
            "Customer service",
            "",
            "Internal note added to support case",
            "support.case_note",
            f"accounts.account {a}",
            "event: 7; length: 12",
            "",
            "",
            a,
        ],
        [
            "2026-03-14T09:26:53+00:00",
            admin.full_name,
            admin.email,
            "Made account admin",
            "person.account_admin_grant",
            f"accounts.person {user.pk}",
            "is_account_admin: no → yes",
            "203.0.113.7",
            ADMIN_BROWSER,
            a,
        ],
    ]


def test_cells_a_spreadsheet_would_run_as_formulas_are_prefixed(client, world):
    # Given a person whose name and an entry whose values start like formulas
    Person.objects.filter(pk=world.user.pk).update(first_name="=HYPERLINK(1)", last_name="x")
    with time_machine.travel(at(18, 7, 0, 0), tick=False):
        audit_record(
            by=Actor.system("tests", client=Client(address=None, agent="@agent +1")),
            action="-danger",
            obj=world.account,
            account_id=world.account.pk,
        )
    sign_in_as(client, world.admin)

    _text, rows = csv_rows(client.get(f"/admin-center/audit/export.csv{MARCH}"))

    assert rows[1][1:5] == ["System", "", "'-danger", "'-danger"]
    assert rows[1][8] == "'@agent +1"
    assert rows[2][1] == "'=HYPERLINK(1) x"
    assert rows[2][6] == "note: =1+2; seats: -3"  # starts with a letter: left as it is


def test_german_csv_has_german_headers_and_labels(client, world):
    Person.objects.filter(pk=world.admin.pk).update(language="de")
    sign_in_as(client, world.admin)

    _text, rows = csv_rows(client.get(f"/admin-center/audit/export.csv{MARCH}"))

    assert rows[0][:4] == ["Zeit (UTC)", "Wer", "E-Mail-Adresse", "Was"]
    assert [row[3] for row in rows[1:]] == [
        "custom.unlabelled",
        "Abonnement verlängert",
        "Interne Notiz zum Supportfall hinzugefügt",
        "Zum Kontoadministrator gemacht",
    ]


@pytest.mark.parametrize("path", ["/admin-center/audit/", "/admin-center/audit/export.csv"])
def test_only_the_account_admin_may_read_and_only_their_own_account(client, world, path):
    # Anonymous: to the sign-in
    client.logout()
    assert client.get(path)["Location"] == f"/signin/?next={path}"
    # A user who is not an account admin: 403, as every Admin Center page
    client.force_login(make_person(world.account, language="en"))
    assert client.get(path).status_code == 403
    # Vendor staff (signed in with both factors, as they must be): 403
    sign_in_as(client, make_agent("someone@seatwise.test"))
    assert client.get(path).status_code == 403
    # The admin of the other account reads only their own: A's entries never show
    client.force_login(world.other_admin)
    response = client.get(f"{path}?action=person.account_admin_grant&person={world.admin.email}")
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    # (The e-mail address they typed is shown back in the form; no entry of A's is found.)
    assert table_rows(body) == []
    assert len(body.splitlines()) == 1 or path.endswith("/audit/")  # the CSV: its header only
    assert world.account.name not in body
    everything = client.get(path)
    body = (
        b"".join(everything.streaming_content) if everything.streaming else everything.content
    ).decode()
    assert "Secret City" in body  # their own entry
    assert f"accounts.person {world.user.pk}" not in body


def test_no_page_or_form_writes_to_the_trail(client, world):
    sign_in_as(client, world.admin)
    before = list(AuditEntry.objects.order_by("pk").values())

    assert client.post("/admin-center/audit/").status_code == 405
    assert client.post("/admin-center/audit/export.csv").status_code == 405
    client.get(f"/admin-center/audit/{MARCH}")

    assert list(AuditEntry.objects.order_by("pk").values()) == before
