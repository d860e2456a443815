"""The contact options' form: a visitor's request waits for the e-mailed link, a signed-in
customer's is a case at once; the case number is shown to the browser that opened it."""

from __future__ import annotations

import re

import pytest

from seatwise.accounts.models import Person
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.support.models import Case
from tests.factories import PASSWORD, make_account, make_person

pytestmark = pytest.mark.django_db

CONTACT = "/help/contact/?topic=billing_contact_change&article=change-billing-contact"
VISITOR = {
    "name": "Anna Kessler",
    "email": "anna.private@example.net",
    "company_name": "Kessler Feinmechanik GmbH",
    "new_contact_first_name": "Lena",
    "new_contact_last_name": "Neumann",
    "new_contact_email": "lena@kessler.example",
    "message": "",
    "form_key": "form-key-0000000000001",
}


def form_key(page: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_topics_are_offered_first(client):
    page = client.get("/help/contact/").content.decode()
    assert "?topic=billing_contact_change" in page
    assert "?topic=other" in page


def test_a_visitor_confirms_by_the_emailed_link_and_then_sees_the_case_number(client):
    # Given the contact option of the article "Change the billing contact"
    page = client.get(CONTACT)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("name", "email", "company_name", "new_contact_email"):
        assert f'name="{name}"' in html
    assert 'name="subject"' not in html
    # When a visitor sends the request
    response = client.post(CONTACT, {**VISITOR, "form_key": form_key(html)})
    # Then they are asked to check their e-mail; the request has no number yet
    assert response.status_code == 302
    assert response["Location"] == "/help/contact/sent/"
    assert "anna.private@example.net" in client.get("/help/contact/sent/").content.decode()
    case = Case.objects.get()
    assert (case.status, case.number, case.account_id) == ("unconfirmed", None, None)
    assert case.source_article == "change-billing-contact"
    assert case.subject == "Change the billing contact to Lena Neumann"
    confirmation = OutgoingEmail.objects.get(kind="support_case_confirm")
    assert confirmation.to_address == "anna.private@example.net"
    link = re.search(r"http://\S+/help/contact/confirm/\d+/\S+/", confirmation.body_text)
    assert link is not None
    path = link.group(0).split("8000", 1)[1]
    # When they open the link: a page with a button (opening it confirms nothing)
    assert client.get(path).status_code == 200
    case.refresh_from_db()
    assert case.status == "unconfirmed"
    # And press it
    response = client.post(path)
    assert response["Location"] == "/help/cases/opened/"
    case.refresh_from_db()
    assert case.status == "open"
    assert case.number == f"CS-{case.pk:06d}"
    page = client.get("/help/cases/opened/").content.decode()
    assert case.number in page
    opened = OutgoingEmail.objects.get(kind="support_case_opened")
    assert opened.subject == f"[{case.number}] Change the billing contact to Lena Neumann"
    assert opened.headers == {"References": f"<case-{case.number}@seatwise.test>"}
    # Pressing it again shows the same case
    assert client.post(path)["Location"] == "/help/cases/opened/"
    assert Case.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="support_case_opened").count() == 1


def test_a_double_submitted_form_opens_one_request(client):
    html = client.get(CONTACT).content.decode()
    data = {**VISITOR, "form_key": form_key(html)}
    first = client.post(CONTACT, data)
    second = client.post(CONTACT, data)
    assert first["Location"] == second["Location"] == "/help/contact/sent/"
    assert Case.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="support_case_confirm").count() == 1


def test_a_signed_in_customer_gets_a_case_of_their_account_at_once(client):
    account = make_account(language="de")
    admin = make_person(account, admin=True, language="de")
    client.force_login(admin)
    html = client.get(CONTACT).content.decode()
    assert 'name="email"' not in html  # they ask as themselves
    response = client.post(
        CONTACT,
        {
            "new_contact_first_name": "Lena",
            "new_contact_last_name": "Neumann",
            "new_contact_email": "lena@kessler.example",
            "form_key": form_key(html),
        },
    )
    assert response["Location"] == "/help/cases/opened/"
    case = Case.objects.get()
    assert (case.status, case.account_id, case.requester_person_id) == (
        "open",
        account.pk,
        admin.pk,
    )
    assert (case.requester_email, case.requester_language) == (admin.email, "de")
    assert case.subject == "Abrechnungskontakt auf Lena Neumann ändern"
    page = client.get("/help/cases/opened/").content.decode()
    assert case.number in page
    assert AuditEntry.objects.filter(action="support.case_open", account_id=account.pk).count() == 1


def test_another_topic_needs_a_subject_and_a_message(client):
    url = "/help/contact/?topic=billing"
    html = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "Anna",
            "email": "anna@example.net",
            "subject": "",
            "message": "",
            "form_key": form_key(html),
        },
    )
    assert response.status_code == 422
    assert response.content.decode().count("This field is required.") == 2
    assert Case.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_bad_input_changes_nothing(client):
    html = client.get(CONTACT).content.decode()
    response = client.post(
        CONTACT,
        {**VISITOR, "new_contact_email": "not-an-address", "form_key": form_key(html)},
    )
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
    assert Case.objects.count() == 0


def test_a_client_sending_too_many_requests_is_refused(client):
    for n in range(5):
        html = client.get(CONTACT).content.decode()
        data = {**VISITOR, "email": f"anna{n}@example.net", "form_key": form_key(html)}
        assert client.post(CONTACT, data).status_code == 302
    html = client.get(CONTACT).content.decode()
    response = client.post(
        CONTACT, {**VISITOR, "email": "anna9@example.net", "form_key": form_key(html)}
    )
    assert response.status_code == 422
    assert "several requests" in response.content.decode()
    assert Case.objects.count() == 5


def test_vendor_staff_open_no_cases_as_customers(client):
    staff = Person.objects.create_user(
        "agent@seatwise.test", PASSWORD, first_name="A", last_name="B", is_staff=True
    )
    client.force_login(staff)
    assert client.get(CONTACT).status_code == 403
    assert client.post(CONTACT, VISITOR).status_code == 403
    assert Case.objects.count() == 0


def test_the_case_number_page_without_a_case_leads_to_the_help_center(client):
    assert client.get("/help/cases/opened/")["Location"] == "/help/"
    assert client.get("/help/contact/sent/")["Location"] == "/help/"


def test_a_wrong_link_is_not_found(client):
    html = client.get(CONTACT).content.decode()
    client.post(CONTACT, {**VISITOR, "form_key": form_key(html)})
    case = Case.objects.get()
    assert client.get(f"/help/contact/confirm/{case.pk}/1-abc/").status_code == 404
    assert client.post(f"/help/contact/confirm/{case.pk}/1-abc/").status_code == 404
    assert client.post("/help/contact/confirm/99999999999999999999/1-abc/").status_code == 404
    case.refresh_from_db()
    assert case.status == "unconfirmed"
