"""The support console's audit trails: an agent signed in with two factors reads every
account's entries as recorded (the agent who acted, the client, the job's name), one
account's from its page or all of them with an account filter, and exports them as CSV;
nobody else opens them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from seatwise.audit.actors import Actor, Client
from seatwise.audit.services import audit_record
from tests.factories import billing_contact, make_account, make_person
from tests.portals.audit_pages import csv_rows, table_rows
from tests.support_console.conftest import make_agent, sign_in_with_two_factors

pytestmark = pytest.mark.django_db

MARCH = "date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture
def world(fast_passwords):
    alpha = make_account(language="en", name="Alpha GmbH")
    bravo = make_account(language="en", name="Bravo Ltd")
    agent = make_agent()
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC), tick=False):
        audit_record(
            by=Actor.for_person(agent, client=Client(address="198.51.100.9", agent="Agent/1")),
            action="support.case_note",
            obj=alpha,
            account_id=alpha.pk,
            new={"event": 7, "length": 12},
        )
    with time_machine.travel(datetime(2026, 3, 11, 12, 0, 0, tzinfo=UTC), tick=False):
        audit_record(
            by=Actor.system("billing.renewals"),
            action="subscription.renew",
            obj=bravo,
            account_id=bravo.pk,
            new={"term_end": "2026-04-11"},
        )
    with time_machine.travel(datetime(2026, 3, 12, 12, 0, 0, tzinfo=UTC), tick=False):
        audit_record(
            by=Actor.operator("api:crm-sync", client=Client(address="192.0.2.1", agent="crm")),
            action="person.add",
            obj=bravo,
            account_id=bravo.pk,
        )
    return alpha, bravo, agent


def test_the_agent_reads_every_account_and_filters_by_account(client, world):
    alpha, bravo, agent = world
    sign_in_with_two_factors(client, agent)

    everything = client.get(f"/support/audit/?{MARCH}")
    only_alpha = client.get(f"/support/audit/?{MARCH}&account={alpha.pk}")

    assert everything.status_code == 200
    assert "no-store" in everything["Cache-Control"]
    assert table_rows(everything.content.decode()) == [
        [
            "12 Mar 2026, 12:00:00 UTC",
            str(bravo.pk),
            "Provisioning API: crm-sync",
            f"User added | person.add · accounts.account {bravo.pk}",
            "—",
            "192.0.2.1 | crm",
        ],
        [
            "11 Mar 2026, 12:00:00 UTC",
            str(bravo.pk),
            "System (billing.renewals)",
            f"Subscription renewed | subscription.renew · accounts.account {bravo.pk}",
            "term_end: 2026-04-11",
            "—",
        ],
        [
            "10 Mar 2026, 12:00:00 UTC",
            str(alpha.pk),
            "Helen Porter (customer service) | helen.porter@seatwise.test",
            "Internal note added to support case | support.case_note · "
            f"accounts.account {alpha.pk}",
            "event: 7 ; length: 12",
            "198.51.100.9 | Agent/1",
        ],
    ]
    assert [row[1] for row in table_rows(only_alpha.content.decode())] == [str(alpha.pk)]


def test_the_account_page_trail_and_its_filters(client, world):
    alpha, bravo, agent = world
    sign_in_with_two_factors(client, agent)

    def whats(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200
        return [
            row[-3].split(" | ")[1].split(" · ")[0] for row in table_rows(response.content.decode())
        ]

    assert whats(f"/support/accounts/{bravo.pk}/audit/?{MARCH}") == [
        "person.add",
        "subscription.renew",
    ]
    assert whats(f"/support/accounts/{bravo.pk}/audit/?{MARCH}&action=person.add") == ["person.add"]
    assert whats(f"/support/accounts/{bravo.pk}/audit/?person=api:crm-sync") == ["person.add"]
    assert whats(
        f"/support/accounts/{bravo.pk}/audit/?date_from=2026-03-11&date_to=2026-03-11"
    ) == ["subscription.renew"]
    assert whats(f"/support/accounts/{alpha.pk}/audit/?person={agent.email}") == [
        "support.case_note"
    ]
    assert whats(f"/support/audit/?person={agent.email}&account={bravo.pk}") == []


def test_the_agent_exports_every_account_with_its_number(client, world):
    alpha, bravo, agent = world
    sign_in_with_two_factors(client, agent)

    response = client.get(f"/support/audit/export.csv?{MARCH}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit-all-accounts-' in response["Content-Disposition"]
    _text, rows = csv_rows(response)
    assert [(row[1], row[2], row[7], row[8], row[9]) for row in rows[1:]] == [
        ("Provisioning API: crm-sync", "", "192.0.2.1", "crm", str(bravo.pk)),
        ("System (billing.renewals)", "", "", "", str(bravo.pk)),
        (
            "Helen Porter (customer service)",
            "helen.porter@seatwise.test",
            "198.51.100.9",
            "Agent/1",
            str(alpha.pk),
        ),
    ]
    one = client.get(f"/support/accounts/{alpha.pk}/audit/export.csv?{MARCH}")
    assert f'filename="audit-account-{alpha.pk}-' in one["Content-Disposition"]
    assert [row[9] for row in csv_rows(one)[1][1:]] == [str(alpha.pk)]


@pytest.mark.parametrize(
    "path",
    [
        "/support/audit/",
        "/support/audit/export.csv",
        "/support/accounts/{alpha}/audit/",
        "/support/accounts/{alpha}/audit/export.csv",
    ],
)
def test_nobody_but_an_agent_with_two_factors_opens_them(client, world, path):
    alpha, _bravo, _agent = world
    path = path.format(alpha=alpha.pk)

    assert client.get(path)["Location"] == f"/signin/?next={path}"
    client.force_login(billing_contact(alpha))  # the account's own admin
    assert client.get(path).status_code == 403
    client.force_login(make_person(alpha, admin=True, language="en"))
    assert client.get(path).status_code == 403
    client.force_login(make_agent("no.code@seatwise.test"))  # staff without the second factor
    assert client.get(path)["Location"] == "/support/two-factor/"


def test_an_account_that_does_not_exist_is_not_found(client, world):
    sign_in_with_two_factors(client, world[2])

    assert client.get("/support/accounts/999999999/audit/").status_code == 404
    assert client.get("/support/accounts/999999999/audit/export.csv").status_code == 404
