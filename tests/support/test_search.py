"""The support console's search (seatwise.support.search): each kind found by a prefix,
case-insensitively, exact matches first, each row once, in a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from seatwise.accounts.models import Account, Person
from seatwise.accounts.services import NewPerson, account_create, person_add
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue
from seatwise.support.models import Case
from seatwise.support.search import SearchHit, console_search
from tests.factories import SYSTEM
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

CORPORATE = "Corporate · DE"
ONLINE = "Online · DE"


def account(
    name: str, *, contact: tuple[str, str, str], kind: str = "online", user_id: str | None = None
) -> Account:
    first, last, email = contact
    return account_create(
        name=name,
        kind=kind,
        country="DE",
        language="en",
        currency="EUR",
        billing_contact=NewPerson(email=email, first_name=first, last_name=last),
        corporate_user_id=user_id,
        by=SYSTEM,
    )


def person(of: Account, first: str, last: str, email: str) -> Person:
    return person_add(account=of, email=email, first_name=first, last_name=last, by=SYSTEM)


def case(of: Account | None, number: str, subject: str) -> Case:
    return Case.objects.create(
        number=number,
        topic=Case.Topic.BILLING,
        status=Case.Status.OPEN,
        account=of,
        requester_name="Anna Schmidt",
        requester_email="anna.schmidt@acme.example",
        requester_language="en",
        subject=subject,
    )


def hit(kind, of: Account | None, title: str, detail: str, object_id: int) -> SearchHit:
    return SearchHit(
        kind=kind,
        account_id=of.pk if of else None,
        account_name=of.name if of else "",
        title=title,
        detail=detail,
        object_id=object_id,
    )


@pytest.fixture
def world():
    class World:
        acme = account(
            "Acme",
            kind="corporate",
            user_id="acme.finance",
            contact=("Anna", "Schmidt", "anna.schmidt@acme.example"),
        )
        labs = account("Acme Labs", contact=("Lea", "Wolf", "acme.labs@example.com"))
        nordwind = account(
            "Nordwind Logistik GmbH", contact=("Mia", "Hansen", "mia@hansen.example")
        )
        tom = person(acme, "Tom", "Acmeson", "tom@acmeson.example")
        anna = Person.objects.get(email="anna.schmidt@acme.example")
        lea = Person.objects.get(email="acme.labs@example.com")
        mia = Person.objects.get(email="mia@hansen.example")
        credential = acme.corporate_credential

    return World


def test_a_company_name_prefix_finds_accounts_people_and_user_ids_exact_match_first(world):
    w = world
    assert console_search(query="acme") == [
        hit("account", w.acme, "Acme", CORPORATE, w.acme.pk),
        hit("account", w.labs, "Acme Labs", ONLINE, w.labs.pk),
        hit(
            "person",
            w.labs,
            "Lea Wolf",
            "acme.labs@example.com · Billing contact, Account admin",
            w.lea.pk,
        ),
        hit("person", w.acme, "Tom Acmeson", "tom@acmeson.example · User", w.tom.pk),
        hit("user_id", w.acme, "acme.finance", "Corporate Billing Portal", w.credential.pk),
    ]


def test_the_search_ignores_case_and_surrounding_spaces(world):
    assert console_search(query="  ACME LA ") == [
        hit("account", world.labs, "Acme Labs", ONLINE, world.labs.pk)
    ]


def test_a_person_is_found_by_first_name_last_name_both_orders_and_e_mail(world):
    w = world
    anna = hit(
        "person",
        w.acme,
        "Anna Schmidt",
        "anna.schmidt@acme.example · Billing contact, Account admin",
        w.anna.pk,
    )
    assert console_search(query="ann") == [anna]
    assert console_search(query="schm") == [anna]
    assert console_search(query="anna sch") == [anna]
    assert console_search(query="Schmidt  Anna") == [anna]
    assert console_search(query="anna.sch") == [anna]
    assert console_search(query="anna wolf") == []


def test_a_person_found_by_name_and_by_e_mail_is_listed_once(world):
    assert console_search(query="mia") == [
        hit(
            "person",
            world.nordwind,
            "Mia Hansen",
            "mia@hansen.example · Billing contact, Account admin",
            world.mia.pk,
        )
    ]


def test_an_exact_person_name_comes_before_other_matches(world):
    w = world
    other = person(w.acme, "Tommy", "Acmeson", "tommy@acmeson.example")
    assert [h.title for h in console_search(query="tommy acmeson")] == ["Tommy Acmeson"]
    assert [(h.title, h.object_id) for h in console_search(query="acmeson tom")] == [
        ("Tom Acmeson", w.tom.pk),
        ("Tommy Acmeson", other.pk),
    ]
    # "Tom Acmeson" is exact in the "first last" order
    assert [h.title for h in console_search(query="Tom Acmeson")] == ["Tom Acmeson"]


def test_vendor_staff_are_not_found(world):
    Person.objects.create_user("anna.staff@seatwise.test", first_name="Anna", last_name="Staff")
    Person.objects.filter(email="anna.staff@seatwise.test").update(is_staff=True)
    assert [h.title for h in console_search(query="anna")] == ["Anna Schmidt"]


def test_a_user_id_prefix_is_found_in_any_case(world):
    assert console_search(query="ACME.F") == [
        hit("user_id", world.acme, "acme.finance", "Corporate Billing Portal", world.credential.pk)
    ]


def test_invoice_and_credit_note_numbers_are_found_typed_in_lower_case(world):
    # Given an invoice of 83.30 and a credit note of 10.00 net (11.90 gross) on it
    ensure_eu_vat_rates()
    invoice = invoice_issue(
        account=world.acme,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=Invoice.Source.PURCHASE,
        by=SYSTEM,
        issue_date=date(2026, 3, 1),
    )
    note = credit_note_issue(
        invoice=invoice,
        reason="Goodwill",
        settlement="none",
        amount_net=Decimal("10.00"),
        by=SYSTEM,
    )
    # Then
    assert invoice.number == "INV-2026-000001"
    assert console_search(query="inv-2026-0000") == [
        hit("invoice", world.acme, "INV-2026-000001", "Invoice · €83.30", invoice.pk)
    ]
    assert console_search(query="cn-") == [
        hit("invoice", world.acme, note.number, "Credit note · €11.90", note.pk)
    ]
    assert console_search(query="INV-2026-000001") == console_search(query="inv-2026-0000")
    assert console_search(query="inv-2027") == []


def test_a_case_number_prefix_finds_the_case_and_its_account(world):
    linked = case(world.acme, "CS-000042", "Invoice question")
    unlinked = case(None, "CS-000043", "Who is our billing contact?")
    assert console_search(query="cs-00004") == [
        hit("case", world.acme, "CS-000042", "Invoice question · Open", linked.pk),
        hit("case", None, "CS-000043", "Who is our billing contact? · Open", unlinked.pk),
    ]
    assert console_search(query="CS-000043") == [
        hit("case", None, "CS-000043", "Who is our billing contact? · Open", unlinked.pk)
    ]


def test_another_account_is_not_found_by_a_prefix_it_does_not_have(world):
    assert console_search(query="Nordx") == []
    assert console_search(query="acmf") == []
    assert [h.title for h in console_search(query="nord")] == ["Nordwind Logistik GmbH"]


@pytest.mark.parametrize("query", ["", " ", "   \t ", "a", " A ", "ñ"])
def test_a_query_under_two_characters_finds_nothing(world, query, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert console_search(query=query) == []


def test_the_limit_is_respected_in_alphabetical_order():
    for n in (5, 2, 4, 1, 3):
        account(f"Zeta {n}", contact=("Zed", f"Z{n}", f"z{n}@zeta.example"))
    assert [h.title for h in console_search(query="zeta", limit=3)] == [
        "Zeta 1",
        "Zeta 2",
        "Zeta 3",
    ]
    with pytest.raises(ValueError, match="limit"):
        console_search(query="zeta", limit=0)


def test_percent_underscore_and_backslash_are_literal():
    names = ("100% Cotton", "1000 Cotton", "100_Yarn", "100X Yarn", "Back\\slash", "Backs")
    for n, name in enumerate(names):
        account(name, contact=("Kim", "Lee", f"kim{n}@cotton.example"))
    assert [h.title for h in console_search(query="100%")] == ["100% Cotton"]
    assert [h.title for h in console_search(query="100_")] == ["100_Yarn"]
    assert [h.title for h in console_search(query="back\\")] == ["Back\\slash"]
    assert console_search(query="%%") == []
    assert console_search(query="__") == []


def test_non_ascii_names_fold_as_documented_in_seatwise_core_prefix():
    account("Müller Bau GmbH", contact=("Jürgen", "Weiß", "juergen@mueller.example"))
    account("MÜLLER HANDEL AG", contact=("Ñuño", "Núñez", "nuno@handel.example"))
    if connection.vendor == "sqlite":
        # ASCII letters fold; others match as typed.
        assert [h.title for h in console_search(query="mü")] == ["Müller Bau GmbH"]
        assert [h.title for h in console_search(query="MÜ")] == ["MÜLLER HANDEL AG"]
        assert [h.title for h in console_search(query="ñuñ")] == []
        assert [h.title for h in console_search(query="Ñuñ")] == ["Ñuño Núñez"]
    else:
        assert [h.title for h in console_search(query="mü")] == [
            "Müller Bau GmbH",
            "MÜLLER HANDEL AG",
        ]
        assert [h.title for h in console_search(query="MÜ")] == [
            "Müller Bau GmbH",
            "MÜLLER HANDEL AG",
        ]
        assert [h.title for h in console_search(query="ñuñ")] == ["Ñuño Núñez"]
        assert [h.title for h in console_search(query="ÑUÑ")] == ["Ñuño Núñez"]
    assert [h.title for h in console_search(query="weiß")] == ["Jürgen Weiß"]


def test_the_number_of_queries_depends_on_the_query_only(world, django_assert_num_queries):
    # Every kind: accounts, "first last", "last first", e-mail, User ID, invoice, case.
    with django_assert_num_queries(7):
        console_search(query="acme")
    # A space: no e-mail, User ID, invoice or case number holds one.
    with django_assert_num_queries(3):
        console_search(query="anna schmidt")
    # An "@": no invoice or case number holds one.
    with django_assert_num_queries(6):
        console_search(query="anna@acme")
