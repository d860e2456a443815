"""The portals' shared query parameters: an id is a positive 64-bit integer in ASCII digits,
anything else is no id at all, never an error page."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from seatwise.core.validation import ID_MAX
from seatwise.portals.shared import id_param, page_query, text_param
from tests.factories import billing_contact, make_account, make_person


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(ID_MAX), ID_MAX),
        ("0009", 9),
        (str(ID_MAX + 1), None),
        ("9" * 40, None),
        ("0", None),
        ("-1", None),
        ("", None),
        ("1.5", None),
        (" 1", None),
        ("abc", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("١٢", None),  # Arabic-Indic digits
    ],
)
def test_id_param(value, expected):
    request = RequestFactory().get("/", {"after": value})

    assert id_param(request, "after") == expected


def test_id_param_missing():
    assert id_param(RequestFactory().get("/"), "after") is None


def test_text_param_is_bounded_and_single_spaced():
    request = RequestFactory().get("/", {"q": "  Ada \t  Lovelace  " + "x" * 200})

    assert text_param(request, "q", 20) == "Ada Lovelace xxxxxxx"
    assert text_param(RequestFactory().get("/", {"q": " a  b "}), "q", 3) == "a b"
    assert text_param(RequestFactory().get("/"), "q", 20) == ""


def test_page_query_keeps_the_non_empty_parameters():
    assert page_query(q="", after=7, product=None) == "?after=7"
    assert page_query(q="", after=None) == ""


@pytest.mark.django_db
@pytest.mark.parametrize("after", [str(ID_MAX + 1), "²", "-3", "0"])
def test_lists_answer_a_crafted_after_with_their_first_page(client, after):
    """Given crafted ``after`` values, when each keyset list is asked for them, then it
    answers 200 with its first page (no "first page" link), never a server error."""
    online = make_account(kind="online", language="en")
    admin = make_person(online, admin=True)

    client.force_login(admin)
    users = client.get("/admin-center/users/", {"after": after})
    admins = client.get("/admin-center/admins/", {"after": after})
    licenses = client.get("/admin-center/licenses/", {"after": after, "product": after})
    client.force_login(billing_contact(online))
    invoices = client.get("/billing/invoices/", {"after": after})

    assert [users.status_code, admins.status_code, licenses.status_code] == [200, 200, 200]
    assert users.context["first_query"] is None
    assert invoices.status_code == 200
    assert invoices.context["first_page"] is False
