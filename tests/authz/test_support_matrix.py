"""Who may do what in the support console and the help center: every route of ``/support/`` and
``/help/`` (as their urls.py files list them), GET and POST, for each kind of visitor, with the
exact answer.

The visitors: anonymous; a user, an account admin and the billing admin of account A; the
billing admin of account B; a Corporate Billing Portal session (which signs in no person);
vendor staff without an authenticator app; vendor staff signed in with two factors.

Every answer that is not an allowed write changes nothing (people, cases and their timelines,
two-factor devices, the audit trail, the outbox). No response of the console holds a card
number or a gateway token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.http import QueryDict
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.support.cases import CaseRequest, Visitor, case_open, case_request
from seatwise.support.models import Case, CaseEvent
from tests.authz.answers import FORBIDDEN, NOT_ALLOWED, NOT_FOUND, OK, Answer, fill, to
from tests.authz.answers import Case as Row
from tests.corporate.helpers import corporate_account, issue_invoice, portal_sign_in
from tests.factories import SYSTEM, billing_contact, make_account, make_card, make_person
from tests.support_console.conftest import make_agent, sign_in_with_two_factors
from tests.worlds import module_world

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "user",
    "account_admin",
    "billing_admin",
    "other_billing_admin",
    "corporate_portal",
    "staff_without_two_factor",
    "staff",
]
SIGN_IN = "<sign-in>"
TO_SIGN_IN = to(SIGN_IN)
TWO_FACTOR = to("/support/two-factor/")


def console(staff: Answer, **others: Answer) -> dict[str, Answer]:
    """A console route: sign-in for whoever is no person, 403 for customers, the two-factor
    page for staff without it, ``staff`` for an agent signed in with two factors."""
    return {
        "anonymous": TO_SIGN_IN,
        "corporate_portal": TO_SIGN_IN,
        "user": FORBIDDEN,
        "account_admin": FORBIDDEN,
        "billing_admin": FORBIDDEN,
        "other_billing_admin": FORBIDDEN,
        "staff_without_two_factor": TWO_FACTOR,
        "staff": staff,
        **others,
    }


def everyone(answer: Answer, **others: Answer) -> dict[str, Answer]:
    return {**dict.fromkeys(ROLES, answer), **others}


CASE_URL = "/support/cases/{case}/"
STAFF_ONLY_OUT = {"staff": FORBIDDEN, "staff_without_two_factor": FORBIDDEN}
CONTACT = "/help/contact/?topic=other"
CONTACT_FORM = {
    "name": "Visiting Person",
    "email": "visitor@example.net",
    "subject": "A question",
    "message": "Hello",
    "form_key": "matrix-form-key-000001",
}

ROWS: list[Row] = [
    Row("console home", "GET", "/support/", console(OK)),
    Row("console home POST", "POST", "/support/", everyone(NOT_ALLOWED)),
    Row(
        "two-factor page",
        "GET",
        "/support/two-factor/",
        console(
            to("/support/"),
            staff_without_two_factor=OK,
            anonymous=to("/signin/?next=/support/two-factor/"),
            corporate_portal=to("/signin/?next=/support/two-factor/"),
        ),
    ),
    Row(
        "two-factor POST, set up",
        "POST",
        "/support/two-factor/",
        console(
            to("/support/"),
            staff_without_two_factor=to("/support/two-factor/", writes=True),
            anonymous=to("/signin/?next=/support/two-factor/"),
            corporate_portal=to("/signin/?next=/support/two-factor/"),
        ),
        {"start": "1"},
    ),
    Row(
        "two-factor POST, wrong code",
        "POST",
        "/support/two-factor/",
        console(
            to("/support/"),
            staff_without_two_factor=OK,
            anonymous=to("/signin/?next=/support/two-factor/"),
            corporate_portal=to("/signin/?next=/support/two-factor/"),
        ),
        {"code": "000000"},
    ),
    Row("search", "GET", "/support/search/?q=Alpha", console(OK)),
    Row("search POST", "POST", "/support/search/", everyone(NOT_ALLOWED)),
    Row("account", "GET", "/support/accounts/{account_a}/", console(OK)),
    Row("account of no id", "GET", "/support/accounts/999999999/", console(NOT_FOUND)),
    Row("account POST", "POST", "/support/accounts/{account_a}/", everyone(NOT_ALLOWED)),
    Row("account people", "GET", "/support/accounts/{account_a}/people/", console(OK)),
    Row(
        "account people POST",
        "POST",
        "/support/accounts/{account_a}/people/",
        everyone(NOT_ALLOWED),
    ),
    Row(
        "account audit",
        "GET",
        "/support/accounts/{account_a}/audit/?action=person.add",
        console(OK),
    ),
    Row(
        "account audit POST", "POST", "/support/accounts/{account_a}/audit/", everyone(NOT_ALLOWED)
    ),
    Row("account audit CSV", "GET", "/support/accounts/{account_a}/audit/export.csv", console(OK)),
    Row(
        "account audit CSV of no id",
        "GET",
        "/support/accounts/999999999/audit/export.csv",
        console(NOT_FOUND),
    ),
    Row(
        "account audit CSV POST",
        "POST",
        "/support/accounts/{account_a}/audit/export.csv",
        everyone(NOT_ALLOWED),
    ),
    Row("audit of every account", "GET", "/support/audit/?account={account_a}", console(OK)),
    Row("audit of every account POST", "POST", "/support/audit/", everyone(NOT_ALLOWED)),
    Row("audit CSV of every account", "GET", "/support/audit/export.csv", console(OK)),
    Row(
        "audit CSV of every account POST",
        "POST",
        "/support/audit/export.csv",
        everyone(NOT_ALLOWED),
    ),
    Row(
        "credit form",
        "GET",
        "/support/accounts/{account_a}/invoices/{invoice_a}/credit/",
        console(OK),
    ),
    Row(
        "credit form of another account's invoice",
        "GET",
        "/support/accounts/{account_a}/invoices/{invoice_b}/credit/",
        console(NOT_FOUND),
    ),
    Row(
        "credit",
        "POST",
        "/support/accounts/{account_a}/invoices/{invoice_a}/credit/",
        console(to("/support/accounts/{account_a}/", writes=True)),
        {"reason": "Matrix", "give_back": "refund", "key": "matrix-credit-key-000001"},
    ),
    Row("case queue", "GET", "/support/cases/?view=unassigned", console(OK)),
    Row("case queue POST", "POST", "/support/cases/", everyone(NOT_ALLOWED)),
    Row("case", "GET", CASE_URL, console(OK)),
    Row("unconfirmed request", "GET", "/support/cases/{unconfirmed}/", console(NOT_FOUND)),
    Row("case POST", "POST", CASE_URL, everyone(NOT_ALLOWED)),
    Row("assign GET", "GET", CASE_URL + "assign/", everyone(NOT_ALLOWED)),
    Row("assign", "POST", CASE_URL + "assign/", console(to(CASE_URL, writes=True))),
    Row("note GET", "GET", CASE_URL + "note/", everyone(NOT_ALLOWED)),
    Row(
        "note",
        "POST",
        CASE_URL + "note/",
        console(to(CASE_URL, writes=True)),
        {"note-text": "Called the customer."},
    ),
    Row("note, empty", "POST", CASE_URL + "note/", console(Answer(422)), {"note-text": ""}),
    Row("reply GET", "GET", CASE_URL + "reply/", everyone(NOT_ALLOWED)),
    Row(
        "reply",
        "POST",
        CASE_URL + "reply/",
        console(to(CASE_URL, writes=True)),
        {"reply-text": "We are on it."},
    ),
    Row("link account GET", "GET", CASE_URL + "account/", everyone(NOT_ALLOWED)),
    Row(
        # A signed-in customer's case concerns their own account: refused, nothing changed.
        "link another account",
        "POST",
        CASE_URL + "account/",
        console(to(CASE_URL)),
        {"account_id": "{account_b}"},
    ),
    Row("verify GET", "GET", CASE_URL + "verify/", everyone(NOT_ALLOWED)),
    Row(
        # A failed attempt is recorded (timeline and audit): a write, even refused.
        "verify, wrong card",
        "POST",
        CASE_URL + "verify/",
        console(to(CASE_URL, writes=True)),
        {"last4": "0000", "exp_month": "12", "exp_year": "2040", "holder_name": "Nobody"},
    ),
    Row(
        "verify, malformed",
        "POST",
        CASE_URL + "verify/",
        console(Answer(422)),
        {"last4": "12", "exp_month": "13", "exp_year": "x", "holder_name": ""},
    ),
    Row("billing contact GET", "GET", CASE_URL + "billing-contact/", everyone(NOT_ALLOWED)),
    Row(
        # Not verified: refused, and the refusal is recorded.
        "billing contact change, unverified",
        "POST",
        CASE_URL + "billing-contact/",
        console(to(CASE_URL, writes=True)),
    ),
    Row("close GET", "GET", CASE_URL + "close/", everyone(NOT_ALLOWED)),
    Row(
        "close",
        "POST",
        CASE_URL + "close/",
        console(to(CASE_URL, writes=True)),
        {"resolution": "answered", "note": ""},
    ),
    Row(
        "close, unknown resolution",
        "POST",
        CASE_URL + "close/",
        console(Answer(422)),
        {"resolution": "billing_contact_changed", "note": ""},
    ),
    # --- the help center: public, in the reader's language ---
    Row("help index", "GET", "/help/", everyone(OK)),
    Row("help index POST", "POST", "/help/", everyone(NOT_ALLOWED)),
    Row("help search", "GET", "/help/search/?q=billing", everyone(OK)),
    Row("help search POST", "POST", "/help/search/", everyone(NOT_ALLOWED)),
    Row("help article", "GET", "/help/change-billing-contact/", everyone(OK)),
    Row("help article unknown", "GET", "/help/no-such-article/", everyone(NOT_FOUND)),
    Row("help article POST", "POST", "/help/change-billing-contact/", everyone(NOT_ALLOWED)),
    Row("contact topics", "GET", "/help/contact/", everyone(OK, **STAFF_ONLY_OUT)),
    Row("contact form", "GET", CONTACT, everyone(OK, **STAFF_ONLY_OUT)),
    Row(
        "contact POST",
        "POST",
        CONTACT,
        everyone(
            to("/help/contact/sent/", writes=True),
            user=to("/help/cases/opened/", writes=True),
            account_admin=to("/help/cases/opened/", writes=True),
            billing_admin=to("/help/cases/opened/", writes=True),
            other_billing_admin=to("/help/cases/opened/", writes=True),
            **STAFF_ONLY_OUT,
        ),
        CONTACT_FORM,
    ),
    Row(
        "contact POST, invalid",
        "POST",
        CONTACT,
        everyone(Answer(422), **STAFF_ONLY_OUT),
        {**CONTACT_FORM, "email": "not-an-address", "subject": ""},
    ),
    Row("contact sent", "GET", "/help/contact/sent/", everyone(to("/help/"))),
    Row("contact sent POST", "POST", "/help/contact/sent/", everyone(NOT_ALLOWED)),
    Row(
        "confirm, bad link",
        "GET",
        "/help/contact/confirm/{unconfirmed}/1-bad/",
        everyone(NOT_FOUND),
    ),
    Row(
        "confirm POST, bad link",
        "POST",
        "/help/contact/confirm/{unconfirmed}/1-bad/",
        everyone(NOT_FOUND),
    ),
    Row("case opened", "GET", "/help/cases/opened/", everyone(to("/help/"))),
    Row("case opened POST", "POST", "/help/cases/opened/", everyone(NOT_ALLOWED)),
]

PARAMS = [
    pytest.param(row, role, id=f"{row.method} {row.name} · {role}")
    for row in ROWS
    for role in ROLES
]


@dataclass
class World:
    people: dict[str, Person | None]
    ids: dict[str, object]
    corporate: object


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Made once for the module (``tests.worlds.module_world``)."""
    with module_world(django_db_blocker):
        yield _world()


def _world() -> World:
    a = make_account(language="en", name="Alpha Werkzeuge GmbH")
    make_card(a)
    account_admin = make_person(a, admin=True, language="en")
    user = make_person(a, language="en")
    b = make_account(language="en", name="Bravo Analytics Ltd")
    case = case_open(
        person=account_admin,
        request=CaseRequest(
            topic=Case.Topic.BILLING_CONTACT_CHANGE,
            new_contact=NewContact(first_name="Lena", last_name="Neu", email="lena@alpha.example"),
        ),
        client="192.0.2.1",
        by=Actor.for_person(account_admin),
    )
    unconfirmed = case_request(
        visitor=Visitor(name="V", email="v@example.net", language="en"),
        request=CaseRequest(topic="other", subject="s", message="m"),
        client="192.0.2.2",
        by=SYSTEM,
    )
    staff = make_agent()
    TOTPDevice.objects.create(user=staff, name="Seatwise", confirmed=True)
    bare_staff = make_agent("new.agent@seatwise.test")
    corporate = corporate_account(name="Charlie Corporate SpA")
    return World(
        people={
            "anonymous": None,
            "user": user,
            "account_admin": account_admin,
            "billing_admin": billing_contact(a),
            "other_billing_admin": billing_contact(b),
            "corporate_portal": None,
            "staff_without_two_factor": bare_staff,
            "staff": staff,
        },
        ids={
            "account_a": a.pk,
            "account_b": b.pk,
            "invoice_a": issue_invoice(a)[0].pk,
            "invoice_b": issue_invoice(b)[0].pk,
            "case": case.pk,
            "unconfirmed": unconfirmed.pk,
        },
        corporate=corporate,
    )


def snapshot() -> dict[str, object]:
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "cases": list(Case.objects.order_by("pk").values()),
        "events": CaseEvent.objects.count(),
        "devices": list(TOTPDevice.objects.order_by("pk").values("pk", "user_id", "confirmed")),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def sign_in_url(path: str) -> str:
    query = QueryDict(mutable=True)
    query["next"] = path
    return f"/signin/?{query.urlencode(safe='/')}"


CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){13,19}\b")


@pytest.mark.parametrize(("row", "role"), PARAMS)
def test_matrix(client, world: World, row: Row, role: str) -> None:
    expected = row.answers[role]
    person = world.people[role]
    if role == "staff":
        assert person is not None
        sign_in_with_two_factors(client, person)
    elif role == "corporate_portal":
        portal_sign_in(client, world.corporate)
    elif person is not None:
        client.force_login(person)
    path = fill(row.path, world.ids)
    data = {key: fill(value, world.ids) for key, value in row.data.items()}
    before = snapshot()

    response = client.get(path) if row.method == "GET" else client.post(path, data)

    page = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert response.status_code == expected.status, page[:2000]
    if expected.status == 302:
        location = response["Location"]
        if expected.location == SIGN_IN:
            assert location == sign_in_url(path)
        else:
            assert location == fill(expected.location, world.ids)
    after = snapshot()
    if expected.writes:
        assert after != before, "an allowed action changed nothing"
    else:
        assert after == before, "a refused request (or a page) changed something"
    assert not CARD_NUMBER.search(page.replace("\n", " ")), "a card number on a page"
    assert "tok_" not in page


def test_every_route_of_the_console_and_the_help_center_is_in_the_matrix() -> None:
    """A route added to either urls.py without rows here (GET and POST) fails this test."""
    from django.urls import URLResolver, get_resolver, resolve

    covered: set[tuple[str, str]] = set()
    for row in ROWS:
        match = resolve(re.sub(r"\{\w+\}", "1", row.path.split("?")[0]))
        covered.add((f"{match.namespace}:{match.url_name}", row.method))
    found: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in {"support", "help"}:
            found.update(f"{entry.namespace}:{p.name}" for p in entry.url_patterns)
    assert len(found) == 26
    for name in found:
        assert {(name, "GET"), (name, "POST")} <= covered, name
