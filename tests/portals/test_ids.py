"""Ids that come from outside (a URL, a form, a query string) are checked against what an id can
be (1 to ``core.validation.ID_MAX``, a signed 64-bit integer) before they reach the database,
where a larger number overflows the query: the answer is the form's own error or "not found",
never a server error, and nothing changes."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from seatwise.audit.models import AuditEntry
from seatwise.core.validation import ID_MAX, parse_id
from seatwise.notifications.models import OutgoingEmail
from seatwise.portals.forms import IdField, IdsField
from seatwise.support.cases import CaseRequest, case_open
from seatwise.support.models import Case
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import SYSTEM, billing_contact, make_account, make_subscription
from tests.support_console.conftest import make_agent, sign_in_with_two_factors

pytestmark = pytest.mark.django_db

# Numbers no id can be: 0, and one beyond a 64-bit integer.
NO_IDS = ["0", str(ID_MAX + 1)]
ID_IN_ROUTE = re.compile(r"<(?:int|id):\w+>")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    routes: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            routes.append(prefix + str(pattern.pattern))
    return routes


def portal_routes_with_ids() -> list[str]:
    """Every route of the portals (config/urls.py, the API aside) with an id in its path."""
    return sorted(
        route
        for route in _routes(get_resolver("config.urls").url_patterns)
        if ID_IN_ROUTE.search(route) and not route.startswith("api/")
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        ("9" * 5000, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_0", None),
        ("١٢", None),
        (7, None),  # only text is parsed
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_the_portals_have_routes_with_ids_and_every_one_uses_the_bounded_converter():
    routes = portal_routes_with_ids()

    assert len(routes) >= 30
    assert [route for route in routes if "<int:" in route] == []


def test_an_id_up_to_the_largest_is_a_route():
    url = reverse("admin_center:user", kwargs={"person_id": ID_MAX})

    assert url == f"/admin-center/users/{ID_MAX}/"
    assert resolve(url).kwargs == {"person_id": ID_MAX}


def test_every_portal_url_answers_a_number_that_is_no_id_with_404_whoever_asks(client, settings):
    """Given each kind of visitor (anonymous, the billing admin of an online account, an agent
    signed in with two factors, a Corporate Billing Portal session), when every portal URL with
    an id is asked, GET and POST, with a number that is no id, then each answer is 404 before
    any view runs, and nothing was written."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    online = make_account(language="en")
    make_subscription(online)
    corporate = corporate_account()
    agent = make_agent()
    routes = portal_routes_with_ids()
    before = (AuditEntry.objects.count(), OutgoingEmail.objects.count(), Case.objects.count())

    answers: dict[tuple[str, str, str], int] = {}
    for visitor in ("anonymous", "billing admin", "agent", "corporate"):
        client.logout()
        if visitor == "billing admin":
            client.force_login(billing_contact(online))
        elif visitor == "agent":
            sign_in_with_two_factors(client, agent)
        elif visitor == "corporate":
            portal_sign_in(client, corporate)
        for route in routes:
            for number in NO_IDS:
                url = "/" + ID_IN_ROUTE.sub(number, route)
                answers[(visitor, "GET", url)] = client.get(url).status_code
                answers[(visitor, "POST", url)] = client.post(url).status_code

    assert {key: status for key, status in answers.items() if status != 404} == {}
    assert (
        AuditEntry.objects.count(),
        OutgoingEmail.objects.count(),
        Case.objects.count(),
    ) == before


class TestFields:
    def test_id_field(self):
        field = IdField(required=False)

        assert field.clean(str(ID_MAX)) == ID_MAX
        assert field.clean("") is None
        for crafted in ["0", str(ID_MAX + 1), "1.0", "+1", "١"]:
            with pytest.raises(Exception, match="This choice is not valid"):
                field.clean(crafted)

    def test_ids_field_sorts_and_bounds(self):
        field = IdsField(max_count=2)

        assert field.clean(["7", "3", "7"]) == [3, 7]
        with pytest.raises(Exception, match="This choice is not valid"):
            field.clean(["3", str(ID_MAX + 1)])
        with pytest.raises(Exception, match="Select at most 2 at a time"):
            field.clean(["1", "2", "3"])


class TestSupportConsole:
    """The support console's lists and forms take ids from query strings and hidden fields."""

    @pytest.fixture
    def agent_client(self, client, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        sign_in_with_two_factors(client, make_agent())
        return client

    @pytest.mark.parametrize("crafted", [str(ID_MAX + 1), "99999999999999999999", "-1", "x"])
    def test_lists_answer_a_crafted_cursor_with_their_first_page(self, agent_client, crafted):
        account = make_account(language="en")

        queue = agent_client.get("/support/cases/", {"after": crafted})
        people = agent_client.get(f"/support/accounts/{account.pk}/people/", {"after": crafted})
        audit = agent_client.get(f"/support/accounts/{account.pk}/audit/", {"before": crafted})

        assert [queue.status_code, people.status_code, audit.status_code] == [200, 200, 200]

    def test_linking_a_case_to_a_number_that_is_no_account_links_nothing(self, agent_client):
        case = case_open(
            person=billing_contact(make_account(language="en")),
            request=CaseRequest(topic=Case.Topic.BILLING, subject="Hello", message="A question"),
            client="192.0.2.1",
            by=SYSTEM,
        )
        Case.objects.filter(pk=case.pk).update(account=None)

        response = agent_client.post(
            f"/support/cases/{case.pk}/account/", {"account_id": str(2**64)}, follow=True
        )

        assert response.status_code == 200
        assert "This account does not exist." in response.content.decode()
        case.refresh_from_db()
        assert case.account_id is None
