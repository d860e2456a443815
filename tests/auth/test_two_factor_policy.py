"""Two-factor sign-in: recovery codes at the code step, who must use it (vendor staff always,
admins when the vendor says so), and the reminder for those who may."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person, RecoveryCode
from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.two_factor import two_factor_begin, two_factor_confirm
from seatwise.audit.models import AuditEntry
from tests.factories import PASSWORD, SYSTEM, billing_contact, make_account, make_person
from tests.step_up import code_of, otp_verified, stepped_up

pytestmark = pytest.mark.django_db
WRONG_CODE_DE = (
    "Dieser Code ist ungültig. Warten Sie auf den nächsten Code und versuchen Sie es erneut."
)


def enrol(person: Person) -> tuple[TOTPDevice, list[str]]:
    device = two_factor_begin(owner=person, by=SYSTEM)
    enrolled = two_factor_confirm(owner=person, code=code_of(device.bin_key), by=SYSTEM)
    return enrolled.device, enrolled.recovery_codes


def password_step(client, person: Person, **extra):
    return client.post("/signin/", {"email": person.email, "password": PASSWORD, **extra})


def enrol_in_page(client, page_path: str, start: dict[str, str]) -> str:
    """Set up the app on a set-up page (start, then the first code); returns the answer."""
    client.post(page_path if start.get("start") else f"{page_path}start/", start)
    page = client.get(page_path).content.decode()
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    response = client.post(page_path, {"code": code_of(base64.b32decode(secret))})
    return response.content.decode()


class TestRecoveryCodes:
    def test_ten_codes_stored_as_digests_only(self):
        person = billing_contact(make_account())

        _device, codes = enrol(person)

        assert len(codes) == len(set(codes)) == 10
        assert all(re.fullmatch(r"([a-z2-7]{4}-){5}[a-z2-7]{4}", code) for code in codes)
        stored = list(RecoveryCode.objects.filter(person=person).values_list("digest", flat=True))
        assert len(stored) == 10
        assert not any(code.replace("-", "") in digest for code in codes for digest in stored)

    def test_a_recovery_code_signs_in_once(self, client):
        person = billing_contact(make_account(language="de"))
        person.language = "de"
        person.save(update_fields=["language"])
        _device, codes = enrol(person)
        assert password_step(client, person)["Location"] == "/signin/verify/"

        # Typed in capitals and without its hyphens: still the code.
        used = client.post(
            "/signin/verify/",
            {"code": codes[0].replace("-", "").upper()},
            HTTP_ACCEPT_LANGUAGE="de",
        )

        assert used["Location"] == "/"
        assert client.session["_auth_user_id"] == str(person.pk)
        assert recovery_codes_left(person) == 9
        assert AuditEntry.objects.filter(action="person.recovery_code_use").count() == 1
        notice = client.get("/my-account/").content.decode()
        assert (
            "Sie haben sich mit einem Wiederherstellungscode angemeldet. 9 "
            "Wiederherstellungscodes bleiben übrig" in notice
        )

        client.post("/signout/")
        password_step(client, person)
        again = client.post("/signin/verify/", {"code": codes[0]}, HTTP_ACCEPT_LANGUAGE="de")

        assert again.status_code == 200
        assert "_auth_user_id" not in client.session
        assert (
            "Dieser Wiederherstellungscode ist ungültig oder wurde bereits verwendet."
            in again.content.decode()
        )
        assert recovery_codes_left(person) == 9

    @pytest.mark.parametrize(
        ("language", "message"),
        [
            ("en", "This code is not valid. Wait for the next code and try again."),
            (
                "de",
                WRONG_CODE_DE,
            ),
        ],
    )
    def test_a_wrong_code_is_refused_with_its_message(self, client, language, message):
        person = billing_contact(make_account(language=language))
        enrol(person)
        password_step(client, person)

        wrong = client.post("/signin/verify/", {"code": "000000"}, HTTP_ACCEPT_LANGUAGE=language)

        assert wrong.status_code == 200
        assert message in wrong.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_wrong_recovery_code_is_refused_in_italian(self, client):
        person = billing_contact(make_account(language="it"))
        enrol(person)
        password_step(client, person)

        wrong = client.post(
            "/signin/verify/",
            {"code": "aaaa-bbbb-cccc-dddd-eeee-ffff"},
            HTTP_ACCEPT_LANGUAGE="it",
        )

        assert (
            "Questo codice di recupero non è valido o è già stato usato." in wrong.content.decode()
        )
        assert "_auth_user_id" not in client.session

    def test_new_codes_from_my_account_void_the_old_ones(self, client):
        person = billing_contact(make_account(language="en"))
        _device, old = enrol(person)
        client.force_login(person)
        # A fresh sign-in counts as the step-up: the page opens.
        stepped_up(client, person.pk)
        page = client.get("/my-account/two-factor/recovery-codes/")
        assert "10 recovery codes are left." in page.content.decode()

        made = client.post("/my-account/two-factor/recovery-codes/")

        new = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", made.content.decode())
        assert len(new) == 10
        assert not set(new) & set(old)
        assert recovery_codes_left(person) == 10
        client.logout()
        password_step(client, person)
        refused = client.post("/signin/verify/", {"code": old[1]})
        assert "_auth_user_id" not in client.session
        assert refused.status_code == 200
        accepted = client.post("/signin/verify/", {"code": new[1]})
        assert accepted["Location"] == "/"


class TestStaffMustUseTwoFactors:
    def staff(self) -> Person:
        return Person.objects.create_user(
            "new.agent@seatwise.test", PASSWORD, first_name="Nia", last_name="New", is_staff=True
        )

    def test_staff_without_an_app_are_sent_to_set_it_up_and_can_open_nothing(self, client):
        agent = self.staff()

        response = password_step(client, agent)

        assert response["Location"] == "/support/two-factor/"
        for path in ("/support/", "/support/cases/", "/my-account/", "/my-account/password/"):
            assert client.get(path)["Location"] == "/support/two-factor/", path

        page = enrol_in_page(client, "/support/two-factor/", {"start": "1"})

        assert len(re.findall(r"<li><code>[a-z2-7-]+</code></li>", page)) == 10
        assert client.get("/support/").status_code == 200
        assert client.get("/my-account/").status_code == 200

    def test_staff_cannot_turn_it_off(self, client):
        agent = self.staff()
        enrol(agent)
        client.force_login(agent)
        otp_verified(client, TOTPDevice.objects.get(user=agent))

        response = client.post(
            "/my-account/two-factor/", {"password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
        )

        assert "Two-factor sign-in is required for vendor staff." in response.content.decode()
        assert TOTPDevice.objects.filter(user=agent).exists()


class TestRequiredForAdmins:
    def test_the_vendors_setting_makes_an_admin_set_it_up(self, client, settings):
        settings.SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS = True
        admin = make_person(make_account(language="en"), admin=True, language="en")

        response = password_step(client, admin, next="/admin-center/")

        assert response["Location"] == "/my-account/two-factor/"
        assert client.get("/admin-center/")["Location"] == "/my-account/two-factor/"
        assert client.get("/billing/")["Location"] == "/my-account/two-factor/"
        page = client.get("/my-account/two-factor/").content.decode()
        assert "Two-factor sign-in is required for your role." in page

        enrolled = enrol_in_page(client, "/my-account/two-factor/", {})

        assert len(re.findall(r"<li><code>[a-z2-7-]+</code></li>", enrolled)) == 10
        assert client.get("/admin-center/").status_code == 200

    def test_a_plain_user_is_not_concerned(self, client, settings):
        settings.SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS = True
        user = make_person(make_account())

        assert password_step(client, user)["Location"] == "/"
        assert client.get("/my-account/").status_code == 200

    def test_by_default_admins_get_a_reminder_until_they_set_it_up(self, client):
        admin = make_person(make_account(language="en"), admin=True, language="en")
        reminder = "Protect your account with two-factor sign-in"

        assert password_step(client, admin)["Location"] == "/"
        assert reminder in client.get("/admin-center/").content.decode()
        assert reminder in client.get("/my-account/").content.decode()

        # Set up in this session: My Account's page passes the session's code step.
        enrol_in_page(client, "/my-account/two-factor/", {})

        assert reminder not in client.get("/admin-center/").content.decode()
