from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp

from seatwise.accounts.two_factor import two_factor_begin, two_factor_confirm
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from tests.factories import PASSWORD, SYSTEM, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db
SIGNIN = "/signin/"


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(SIGNIN, {"email": email, "password": password, **extra})


class TestSignIn:
    def test_success_redirects_to_next_and_speaks_the_persons_language(self, client):
        person = make_person(make_account(language="it"))

        response = sign_in(client, person.email.upper(), next="/my-account/")

        assert (response.status_code, response["Location"]) == (302, "/my-account/")
        page = client.get("/my-account/", HTTP_ACCEPT_LANGUAGE="en")
        assert page["Content-Language"] == "it"

    def test_foreign_next_url_is_ignored(self, client):
        person = make_person(make_account())

        response = sign_in(client, person.email, next="https://evil.example/")

        assert response["Location"] == "/"

    def test_wrong_password_is_refused_with_a_clear_message(self, client):
        person = make_person(make_account(language="en"))

        response = sign_in(client, person.email, "wrong password!")

        assert response.status_code == 200
        assert "The e-mail address and password do not match." in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_lockout_after_five_failures_even_with_the_right_password(self, client):
        person = make_person(make_account())
        for _ in range(5):
            sign_in(client, person.email, "wrong password!")

        response = sign_in(client, person.email, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 429
        assert "Sign-in locked" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_signout(self, client):
        person = make_person(make_account())
        client.force_login(person)

        response = client.post("/signout/")

        assert response["Location"] == SIGNIN
        assert "_auth_user_id" not in client.session

    def test_signout_needs_post(self, client):
        client.force_login(make_person(make_account()))

        assert client.get("/signout/").status_code == 405
        assert "_auth_user_id" in client.session


class TestTwoFactor:
    def enable(self, person):
        device = two_factor_begin(owner=person, by=SYSTEM)
        two_factor_confirm(owner=person, code=f"{totp(device.bin_key):06d}", by=SYSTEM)
        device.refresh_from_db()
        return device

    def test_sign_in_asks_for_the_code_after_the_password(self, client):
        person = billing_contact(make_account())
        device = self.enable(person)

        response = sign_in(client, person.email, next="/my-account/")
        assert response["Location"] == "/signin/verify/"
        assert "_auth_user_id" not in client.session

        wrong = client.post("/signin/verify/", {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="en")
        assert "_auth_user_id" not in client.session
        assert wrong.status_code == 200

        device.refresh_from_db()
        device.last_t = -1  # the code of this time step may not have been used yet
        device.save()
        right = client.post("/signin/verify/", {"code": f"{totp(device.bin_key):06d}"})
        assert right["Location"] == "/my-account/"
        assert client.session["_auth_user_id"] == str(person.pk)

    def test_plain_users_cannot_turn_it_on(self, client):
        person = make_person(make_account())
        client.force_login(person)

        assert client.get("/my-account/two-factor/").status_code == 403

    def test_setup_through_my_account(self, client):
        person = billing_contact(make_account())
        client.force_login(person)

        client.post("/my-account/two-factor/start/")
        page = client.get("/my-account/two-factor/", HTTP_ACCEPT_LANGUAGE="en")
        secret = re.search(r"<code>([A-Z2-7]+)</code>", page.content.decode()).group(1)
        import base64

        code = f"{totp(base64.b32decode(secret)):06d}"
        response = client.post("/my-account/two-factor/", {"code": code})

        # The ten recovery codes are shown once, on the answer to the confirmation.
        assert response.status_code == 200
        shown = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.content.decode())
        assert len(shown) == 10
        assert AuditEntry.objects.filter(action="person.two_factor_enable").count() == 1


class TestPasswordReset:
    def test_reset_link_sets_a_new_password_once(self, client):
        person = make_person(make_account(language="de"))

        page = client.post("/password/reset/", {"email": person.email})

        assert page.status_code == 200
        email = OutgoingEmail.objects.get(kind="password_reset")
        assert (email.to_address, email.language) == (person.email, "de")
        link = re.search(r"http://[^\s]+/password/set/[^\s]+/", email.body_text).group(0)
        path = link.split("8000", 1)[1]
        form_page = client.get(path, follow=True)
        set_url = form_page.redirect_chain[-1][0]
        done = client.post(
            set_url,
            {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
        )
        assert done["Location"] == reverse("auth:signin")
        assert sign_in(client, person.email, "a brand new secret 42")["Location"] == "/"
        client.post("/signout/")
        reused = client.get(path, follow=True)
        assert reused.context["validlink"] is False
        assert AuditEntry.objects.filter(action="person.password_set").count() == 1

    def test_unknown_address_gets_the_same_page_and_no_email(self, client):
        response = client.post("/password/reset/", {"email": "nobody@example.com"})

        assert response.status_code == 200
        assert not OutgoingEmail.objects.exists()

    def test_known_and_unknown_addresses_get_exactly_the_same_answer(self):
        """Given an address of a person of some account, a removed person's, vendor staff's and
        one Seatwise does not know, when each asks for a reset link from a fresh browser, then
        every answer is the same page (the typed address aside): nobody learns from it whether
        an address is a customer's."""
        from django.test import Client

        from seatwise.accounts.models import Person
        from seatwise.subscriptions.people import person_remove

        account = make_account(language="en", name="Ferraro Logistica S.p.A.")
        former = make_person(account)
        person_remove(person=former, by=SYSTEM)
        staff = Person.objects.create_user(
            "helen.porter@seatwise.test", "x", first_name="H", last_name="P", is_staff=True
        )
        addresses = [
            make_person(account).email,
            billing_contact(account).email,
            former.email,
            staff.email,
            "nobody@example.com",
        ]

        answers = set()
        for email in addresses:
            response = Client().post(
                "/password/reset/", {"email": email}, HTTP_ACCEPT_LANGUAGE="en"
            )
            page = re.sub(
                r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
            )
            answers.add(
                (
                    response.status_code,
                    response["Content-Type"],
                    tuple(sorted(response.cookies)),
                    page.replace(email, "<address>"),
                )
            )

        assert len(answers) == 1
        [(status, _type, _cookies, page)] = answers
        assert status == 200
        assert "If <address> belongs to a Seatwise sign-in" in page
        assert "Ferraro" not in page

    def test_at_most_three_links_an_hour(self, client):
        person = make_person(make_account())
        for _ in range(5):
            client.post("/password/reset/", {"email": person.email})

        assert OutgoingEmail.objects.filter(kind="password_reset").count() == 3
