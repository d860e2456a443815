"""The support console's case pages: the queue, a case, and the agent's actions on it, through
the pages as an agent uses them; and the two-factor gate in front of all of it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.notifications.models import OutgoingEmail
from seatwise.support.cases import CaseRequest, Visitor, case_confirm, case_open, case_request
from seatwise.support.models import Case, CaseEvent
from seatwise.support.tokens import case_confirmation_token_make
from tests.factories import SYSTEM, billing_contact, make_account, make_card, make_person
from tests.support_console.conftest import make_agent, sign_in_with_two_factors, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

NEXT_YEAR = date.today().year + 2


def member_case(person: Person, topic: str = Case.Topic.BILLING_CONTACT_CHANGE) -> Case:
    return case_open(
        person=person,
        request=CaseRequest(
            topic=topic,
            subject="Invoice question",
            message="Where is my invoice?",
            new_contact=NewContact(first_name="Lena", last_name="Neumann", email="lena@k.example")
            if topic == Case.Topic.BILLING_CONTACT_CHANGE
            else None,
        ),
        client="192.0.2.1",
        by=Actor.for_person(person),
    )


def visitor_case(company: str) -> Case:
    case = case_request(
        visitor=Visitor(name="Bill Contact", email="bill@private.example", language="it"),
        request=CaseRequest(
            topic=Case.Topic.BILLING_CONTACT_CHANGE,
            company_name=company,
            new_contact=NewContact(first_name="Lena", last_name="Neumann", email="lena@k.example"),
        ),
        client="192.0.2.2",
        by=SYSTEM,
    )
    return case_confirm(case_id=case.pk, token=case_confirmation_token_make(case), by=SYSTEM)


class TestTwoFactorGate:
    def test_staff_without_an_app_set_one_up_before_anything_else(self, client):
        agent = make_agent()
        client.force_login(agent)
        for path in ("/support/", "/support/cases/", "/support/search/?q=ab"):
            assert client.get(path)["Location"] == "/support/two-factor/"
        assert 'name="start"' in client.get("/support/two-factor/").content.decode()
        assert not TOTPDevice.objects.filter(user=agent).exists()  # opening the page makes none
        assert client.post("/support/two-factor/", {"start": "1"})["Location"] == (
            "/support/two-factor/"
        )
        page = client.get("/support/two-factor/").content.decode()
        assert 'src="data:image/svg+xml;base64,' in page
        device = TOTPDevice.objects.get(user=agent, confirmed=False)
        response = client.post("/support/two-factor/", {"code": totp_code(device)})
        # The ten recovery codes, shown once, then on to the console.
        assert len(re.findall(r"<li><code>[a-z2-7-]+</code></li>", response.content.decode())) == 10
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/support/").status_code == 200

    def test_a_session_without_the_code_asks_for_it(self, client):
        agent = make_agent()
        device = TOTPDevice.objects.create(user=agent, name="Seatwise", confirmed=True)
        client.force_login(agent)
        assert client.get("/support/")["Location"] == "/support/two-factor/"
        page = client.get("/support/two-factor/").content.decode()
        assert "data:image/svg+xml" not in page  # no new secret for a confirmed app
        wrong = client.post("/support/two-factor/", {"code": "000000"})
        assert wrong.status_code == 200
        assert "This code is not valid." in wrong.content.decode()
        # django-otp slows down guessing: the next try waits a moment
        with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
            response = client.post("/support/two-factor/", {"code": totp_code(device)})
            assert response["Location"] == "/support/"
            assert client.get("/support/").status_code == 200

    def test_staff_cannot_turn_two_factor_off(self, client):
        from seatwise.accounts.two_factor import two_factor_disable
        from seatwise.core.errors import Refused
        from tests.factories import PASSWORD

        agent = make_agent()
        TOTPDevice.objects.create(user=agent, name="Seatwise", confirmed=True)
        with pytest.raises(Refused):
            two_factor_disable(owner=agent, password=PASSWORD, by=SYSTEM)
        assert TOTPDevice.objects.filter(user=agent).count() == 1

    def test_customers_are_refused_and_visitors_sent_to_sign_in(self, client):
        account = make_account()
        assert client.get("/support/")["Location"] == "/signin/?next=/support/"
        client.force_login(billing_contact(account))
        assert client.get("/support/").status_code == 403
        assert client.get("/support/two-factor/").status_code == 403

    def test_a_signed_in_agent_lands_on_the_console(self, client):
        from tests.factories import PASSWORD

        make_agent()
        response = client.post(
            "/signin/", {"email": "helen.porter@seatwise.test", "password": PASSWORD}
        )
        # Vendor staff without an authenticator app: its set-up, right after the password.
        assert response["Location"] == "/support/two-factor/"


class TestCasePage:
    def test_the_queue_lists_open_cases_and_never_unconfirmed_requests(self, client):
        account = make_account(name="Kessler Feinmechanik GmbH")
        admin = make_person(account, admin=True)
        opened = member_case(admin)
        case_request(
            visitor=Visitor(name="X", email="x@example.net", language="en"),
            request=CaseRequest(topic="other", subject="Hidden", message="m"),
            client="192.0.2.3",
            by=SYSTEM,
        )
        sign_in_with_two_factors(client, make_agent())
        page = client.get("/support/cases/").content.decode()
        assert opened.number in page
        assert "Hidden" not in page
        home = client.get("/support/").content.decode()
        assert opened.number in home

    def test_assign_note_reply_and_close(self, client):
        account = make_account(language="de")
        admin = make_person(account, admin=True, language="it")
        case = member_case(admin, topic=Case.Topic.BILLING)
        agent = make_agent()
        sign_in_with_two_factors(client, agent)
        url = f"/support/cases/{case.pk}/"
        # Assign to me
        assert client.post(url + "assign/")["Location"] == url
        case.refresh_from_db()
        assert case.assignee_id == agent.pk
        # An internal note: never sent
        emails = OutgoingEmail.objects.count()
        assert client.post(url + "note/", {"note-text": "Called back."})["Location"] == url
        assert OutgoingEmail.objects.count() == emails
        # A reply: to the requester, in their language, threaded by the case number
        assert client.post(url + "reply/", {"reply-text": "Ecco la fattura."})["Location"] == url
        reply = OutgoingEmail.objects.get(kind="support_case_reply")
        assert (reply.to_address, reply.language, reply.reply_to) == (
            admin.email,
            "it",
            "support@seatwise.test",
        )
        assert reply.subject.startswith(f"[{case.number}] Re: ")
        assert "Ecco la fattura." in reply.body_text
        assert reply.headers == {
            "In-Reply-To": f"<case-{case.number}@seatwise.test>",
            "References": f"<case-{case.number}@seatwise.test>",
        }
        # Close with a resolution
        response = client.post(url + "close/", {"resolution": "answered", "note": "Sent."})
        assert response["Location"] == url
        case.refresh_from_db()
        assert (case.status, case.resolution, case.resolution_note) == (
            "closed",
            "answered",
            "Sent.",
        )
        assert list(
            CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True)
        ) == ["opened", "assigned", "note", "reply", "closed"]
        page = client.get(url).content.decode()
        assert "Called back." in page
        # A closed case takes no reply
        client.post(url + "reply/", {"reply-text": "Late"})
        assert OutgoingEmail.objects.filter(kind="support_case_reply").count() == 1

    def test_an_empty_reply_is_refused_with_a_message(self, client):
        account = make_account()
        case = member_case(make_person(account, admin=True), topic=Case.Topic.BILLING)
        sign_in_with_two_factors(client, make_agent())
        response = client.post(f"/support/cases/{case.pk}/reply/", {"reply-text": ""})
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        assert not OutgoingEmail.objects.filter(kind="support_case_reply").exists()

    def test_a_visitors_case_is_linked_to_the_account_found_by_its_company_name(self, client):
        account = make_account(name="Ferraro Logistica S.p.A.", language="it")
        make_card(account)
        case = visitor_case("Ferraro")
        sign_in_with_two_factors(client, make_agent())
        url = f"/support/cases/{case.pk}/"
        page = client.get(url).content.decode()
        assert "Ferraro Logistica S.p.A." in page
        assert f'name="account_id" value="{account.pk}"' in page
        assert client.post(url + "account/", {"account_id": account.pk})["Location"] == url
        case.refresh_from_db()
        assert case.account_id == account.pk
        # A number that is no account links nothing
        other = visitor_case("Nobody")
        client.post(f"/support/cases/{other.pk}/account/", {"account_id": 99999999999999999999})
        other.refresh_from_db()
        assert other.account_id is None

    def test_verify_then_change_through_the_pages(self, client):
        account = make_account(language="de")
        old = billing_contact(account)
        make_card(account)  # holder "Bill Contact"
        admin = make_person(account, admin=True)
        case = member_case(admin)
        sign_in_with_two_factors(client, make_agent())
        url = f"/support/cases/{case.pk}/"
        # Wrong last four: "does not match", nothing else said
        response = client.post(
            url + "verify/",
            {"last4": "1111", "exp_month": "12", "exp_year": NEXT_YEAR, "holder_name": "Bill"},
            follow=True,
        )
        page = response.content.decode()
        assert "Does not match: the card details are not those of the card on file." in page
        assert "Make Lena Neumann the billing contact" not in page
        # Right answers: "matches", and the change button appears
        response = client.post(
            url + "verify/",
            {
                "last4": "4242",
                "exp_month": "12",
                "exp_year": str(NEXT_YEAR % 100),
                "holder_name": "bill contact",
            },
            follow=True,
        )
        page = response.content.decode()
        assert "Matches." in page
        assert "Make Lena Neumann the billing contact" in page
        response = client.post(url + "billing-contact/", follow=True)
        assert "Lena Neumann (lena@k.example) is now the billing contact." in (
            response.content.decode()
        )
        new = Person.objects.get(email="lena@k.example")
        assert new.is_billing_contact
        old.refresh_from_db()
        assert not old.is_billing_contact

    def test_the_change_without_verification_is_refused_on_the_page(self, client):
        account = make_account()
        make_card(account)
        case = member_case(make_person(account, admin=True))
        sign_in_with_two_factors(client, make_agent())
        response = client.post(f"/support/cases/{case.pk}/billing-contact/", follow=True)
        assert "Verify the requester first" in response.content.decode()
        assert not Person.objects.filter(email="lena@k.example").exists()

    def test_no_page_of_the_console_shows_a_card_number(self, client):
        account = make_account(name="Kessler")
        make_card(account)
        case = member_case(make_person(account, admin=True))
        sign_in_with_two_factors(client, make_agent())
        for path in (
            "/support/",
            f"/support/cases/{case.pk}/",
            "/support/cases/",
            f"/support/accounts/{account.pk}/",
            f"/support/accounts/{account.pk}/audit/",
            "/support/search/?q=Kessler",
        ):
            page = client.get(path).content.decode()
            assert not re.search(r"4242\s*4242\s*4242\s*4242", page), path
            assert "tok_" not in page, path

    def test_an_unknown_or_unconfirmed_case_is_not_found(self, client):
        hidden = case_request(
            visitor=Visitor(name="X", email="x@example.net", language="en"),
            request=CaseRequest(topic="other", subject="s", message="m"),
            client="192.0.2.3",
            by=SYSTEM,
        )
        sign_in_with_two_factors(client, make_agent())
        assert client.get(f"/support/cases/{hidden.pk}/").status_code == 404
        assert client.get("/support/cases/99999999999999999999/").status_code == 404
