"""Every portal form whose text ends up in pages, e-mails or PDFs refuses the invisible characters
that change the direction of the text (``core.validation.check_characters``): the service that
stores the text refuses it, the form shows the translated message next to the field, and nothing
is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client

from seatwise.accounts.models import Account, InvoiceContact, Person
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import PaymentMethod
from seatwise.support.cases import CaseRequest, case_open
from seatwise.support.models import Case, CaseEvent
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import billing_contact, make_account, make_person
from tests.step_up import sign_in_as
from tests.support_console.conftest import make_agent, sign_in_with_two_factors

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Invoice \u202efdp.exe" shows as "Invoice exe.pdf"
MESSAGES = {
    "en": "Remove the invisible characters that change the direction of the text.",
    "de": "Entfernen Sie die unsichtbaren Zeichen, die die Schreibrichtung des Textes ändern.",
}
FORM_KEY = "text-direction-form-key-0001"


@dataclass(frozen=True)
class Form:
    """A form of a portal: who sends it (set up on the client), where, what, and the field
    (its HTML id) the text-direction character is in."""

    url: str
    data: dict[str, str]
    field_id: str


def _admin_center_add_user(client: Client) -> Form:
    client.force_login(make_person(make_account(language="en"), admin=True, language="en"))
    return Form(
        "/admin-center/users/add/",
        {
            "first_name": f"Ann{RLO}",
            "last_name": "Lee",
            "email": "ann.lee@example.com",
            "language": "en",
        },
        "id_first_name",
    )


def _my_account_profile(client: Client) -> Form:
    client.force_login(make_person(make_account(language="en"), language="en"))
    return Form(
        "/my-account/",
        {"first_name": "Pat", "last_name": f"{RLO}nosreP", "language": "en"},
        "id_last_name",
    )


def _billing_center_card(client: Client) -> Form:
    sign_in_as(client, billing_contact(make_account(language="en")))
    return Form(
        "/billing/payment-method/",
        {
            "card_number": "4242 4242 4242 4242",
            "exp_month": "12",
            "exp_year": str(date.today().year + 2),
            "cvc": "123",
            "holder_name": f"Card {RLO}redloH",
        },
        "id_holder_name",
    )


def _corporate_bill_to(client: Client) -> Form:
    account = corporate_account()
    portal_sign_in(client, account)
    contact = billing_contact(account)
    return Form(
        "/corporate/account/bill-to/",
        {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "address_line1": f"Via Roma 1{RLO}",
            "address_line2": "",
            "postal_code": "10115",
            "city": "Berlin",
            "region": "",
            "country": "DE",
            "vat_id": "",
        },
        "id_address_line1",
    )


def _corporate_purchase_order(client: Client) -> Form:
    portal_sign_in(client, corporate_account())
    return Form(
        "/corporate/account/purchase-order/",
        {"purchase_order_number": f"PO-{RLO}1234"},
        "id_purchase_order_number",
    )


def _corporate_invoice_contact(client: Client) -> Form:
    portal_sign_in(client, corporate_account())
    return Form(
        "/corporate/account/invoice-contacts/",
        {"name": f"Accounts {RLO}elbayaP", "email": "ap@example.com"},
        "id_name",
    )


def _help_center_contact(client: Client) -> Form:
    client.force_login(make_person(make_account(language="en"), language="en"))
    return Form(
        "/help/contact/?topic=billing",
        {
            "subject": "My invoice",
            "message": "Please see \u2066the invoice\u2069.",
            "form_key": FORM_KEY,
        },
        "id_message",
    )


def _support_console_note(client: Client) -> Form:
    person = make_person(make_account(language="en"))
    case = case_open(
        person=person,
        request=CaseRequest(topic=Case.Topic.BILLING, subject="Invoice", message="Where is it?"),
        client="192.0.2.1",
        by=Actor.for_person(person),
    )
    sign_in_with_two_factors(client, make_agent())
    return Form(
        f"/support/cases/{case.pk}/note/", {"note-text": f"Called {RLO}back"}, "id_note-text"
    )


FORMS: dict[str, Callable[[Client], Form]] = {
    "Admin Center, Add Users": _admin_center_add_user,
    "My Account, profile": _my_account_profile,
    "Billing Center, card holder": _billing_center_card,
    "Corporate Billing Portal, Bill To": _corporate_bill_to,
    "Corporate Billing Portal, purchase order": _corporate_purchase_order,
    "Corporate Billing Portal, invoice contact": _corporate_invoice_contact,
    "help center, contact": _help_center_contact,
    "support console, internal note": _support_console_note,
}


def everything() -> dict[str, object]:
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "cards": PaymentMethod.objects.count(),
        "invoice contacts": InvoiceContact.objects.count(),
        "cases": list(Case.objects.order_by("pk").values()),
        "case events": CaseEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def field_errors(html: str, field_id: str) -> list[str]:
    block = re.search(rf'id="{re.escape(field_id)}_error">(.*?)</div>', html, re.S)
    return re.findall(r'class="form-field__error">([^<]*)<', block.group(1)) if block else []


@pytest.mark.parametrize("form_of", FORMS.values(), ids=FORMS.keys())
def test_a_text_direction_character_is_refused_next_to_its_field(client, settings, form_of):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    form = form_of(client)
    before = everything()

    response = client.post(form.url, form.data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code in {200, 422}
    assert field_errors(response.content.decode(), form.field_id) == [MESSAGES["en"]]
    assert everything() == before


def test_the_message_is_in_the_persons_language(client):
    """Given a German-speaking person, the refusal is in German."""
    client.force_login(make_person(make_account(language="de"), language="de"))

    response = client.post(
        "/my-account/", {"first_name": f"Jonas{RLO}", "last_name": "Weber", "language": "de"}
    )

    assert field_errors(response.content.decode(), "id_first_name") == [MESSAGES["de"]]
