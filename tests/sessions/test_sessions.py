"""Sessions: the list in My Account and the portal's Account tab, Sign out and Sign out
everywhere, the idle and absolute timeouts, and the sessions that end when rights change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.sessions.data import PORTAL_KEY, SEEN_KEY, SIGNIN_KEY
from seatwise.sessions.devices import device_label
from seatwise.sessions.models import SignInSession
from seatwise.sessions.services import sessions_prune
from seatwise.sessions.store import key_hash
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import PASSWORD, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in(person, *, user_agent=FIREFOX, client_address="203.0.113.7") -> Client:
    """A browser signed in through the sign-in page."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=client_address)
    response = browser.post("/signin/", {"email": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    return browser


def session_id(browser: Client) -> str:
    return key_hash(browser.session.session_key)


def is_signed_in(browser: Client) -> bool:
    return SESSION_KEY in browser.session


def age(browser: Client, key: str, seconds: float) -> None:
    """Move a time the session keeps ``seconds`` into the past."""
    session = browser.session
    if key == PORTAL_KEY:
        session[PORTAL_KEY] = {**session[PORTAL_KEY], "at": session[PORTAL_KEY]["at"] - seconds}
    else:
        session[key] -= seconds
    session.save()


class TestTheList:
    def test_two_browsers_of_one_person_are_both_listed_with_device_and_client(self):
        person = make_person(make_account(language="en"))
        laptop = signed_in(person)
        phone = signed_in(person, user_agent=SAFARI, client_address="198.51.100.20")

        page = laptop.get("/my-account/sessions/")

        assert page.status_code == 200
        rows = page.context["sessions"]
        assert [(r.device, r.client, r.current) for r in rows] == [
            ("Firefox 128 · Windows", "203.0.113.7", True),
            ("Safari 17 · iOS", "198.51.100.20", False),
        ]
        assert {r.id for r in rows} == {session_id(laptop), session_id(phone)}
        assert all(r.signed_in_at is not None and r.last_seen_at is not None for r in rows)
        html = page.content.decode()
        assert "This device" in html
        assert "Sign out everywhere (other sessions)" in html
        assert phone.session.session_key not in html

    def test_another_persons_sessions_are_not_listed(self):
        account = make_account(language="en")
        person, other = make_person(account), make_person(account)
        browser = signed_in(person)
        signed_in(other)

        rows = browser.get("/my-account/sessions/").context["sessions"]

        assert [r.id for r in rows] == [session_id(browser)]

    def test_an_unknown_browser_is_shown_by_its_own_words(self):
        person = make_person(make_account(language="en"))
        browser = signed_in(person, user_agent="curl/8.5.0")

        rows = browser.get("/my-account/sessions/").context["sessions"]

        assert rows[0].device == "curl/8.5.0"


class TestSignOut:
    def test_sign_out_ends_that_session_only(self):
        person = make_person(make_account(language="en"))
        laptop, phone, tablet = signed_in(person), signed_in(person), signed_in(person)
        phone_id = session_id(phone)

        response = laptop.post(f"/my-account/sessions/{phone_id}/signout/")

        assert response["Location"] == "/my-account/sessions/"
        assert phone.get("/billing/")["Location"] == "/signin/?next=/billing/"
        assert not SignInSession.objects.filter(key_hash=phone_id).exists()
        assert is_signed_in(laptop)
        assert is_signed_in(tablet)
        entry = AuditEntry.objects.get(action="person.session_end")
        assert (entry.actor_person_id, entry.object_id, entry.account_id) == (
            person.pk,
            str(person.pk),
            person.account_id,
        )
        assert entry.new == {
            "session": phone_id[:12],
            "device": "Firefox 128 · Windows",
            "client": "203.0.113.7",
        }

    def test_sign_out_everywhere_ends_the_others_and_keeps_this_one(self):
        person = make_person(make_account(language="en"))
        laptop, phone, tablet = signed_in(person), signed_in(person), signed_in(person)
        key_before = laptop.session.session_key

        response = laptop.post("/my-account/sessions/others/signout/")

        assert response["Location"] == "/my-account/sessions/"
        page = laptop.get("/my-account/sessions/")
        assert "2 other sessions are signed out." in page.content.decode()
        assert [r.id for r in page.context["sessions"]] == [key_hash(key_before)]
        assert not is_signed_in(phone)
        assert not is_signed_in(tablet)
        assert phone.get("/my-account/")["Location"] == "/signin/?next=/my-account/"
        entry = AuditEntry.objects.get(action="person.sessions_end_others")
        assert (entry.actor_person_id, entry.object_id, entry.new) == (
            person.pk,
            str(person.pk),
            {"sessions": 2},
        )

    def test_another_persons_session_cannot_be_signed_out(self):
        account = make_account(language="en")
        person, other = make_person(account), make_person(account)
        browser, others_browser = signed_in(person), signed_in(other)
        before = AuditEntry.objects.count()

        response = browser.post(f"/my-account/sessions/{session_id(others_browser)}/signout/")

        assert response.status_code == 404
        assert is_signed_in(others_browser)
        assert SignInSession.objects.filter(person_id=other.pk).count() == 1
        assert AuditEntry.objects.count() == before

    def test_sign_out_needs_a_post(self):
        person = make_person(make_account(language="en"))
        browser, phone = signed_in(person), signed_in(person)

        assert browser.get(f"/my-account/sessions/{session_id(phone)}/signout/").status_code == 405
        assert browser.get("/my-account/sessions/others/signout/").status_code == 405
        assert is_signed_in(phone)

    def test_sign_out_checks_the_csrf_token(self):
        person = make_person(make_account(language="en"))
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(person)
        phone = signed_in(person)

        response = browser.post(f"/my-account/sessions/{session_id(phone)}/signout/")

        assert response.status_code == 403
        assert is_signed_in(phone)


class TestTimeouts:
    @pytest.mark.parametrize(
        ("language", "notice"),
        [
            ("en", "You were signed out after 30 minutes without activity. Please sign in again."),
            (
                "de",
                "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich "
                "erneut an.",
            ),
        ],
    )
    def test_idle_in_an_admin_area_signs_out_with_a_notice_and_keeps_the_page(
        self, language, notice
    ):
        admin = make_person(make_account(language=language), admin=True, language=language)
        browser = signed_in(admin)
        age(browser, SEEN_KEY, 30 * 60)

        response = browser.get("/admin-center/users/?after=5")

        assert response["Location"] == "/signin/?next=/admin-center/users/%3Fafter%3D5"
        assert not is_signed_in(browser)
        assert notice in browser.get(response["Location"]).content.decode()

    def test_activity_within_the_idle_time_keeps_the_session(self):
        admin = make_person(make_account(language="en"), admin=True)
        browser = signed_in(admin)
        age(browser, SEEN_KEY, 29 * 60)

        assert browser.get("/admin-center/").status_code == 200
        assert browser.session[SEEN_KEY] > browser.session[SIGNIN_KEY]

    def test_idle_time_does_not_end_a_session_outside_the_admin_areas(self):
        person = make_person(make_account(language="en"))
        browser = signed_in(person)
        age(browser, SEEN_KEY, 60 * 60)

        assert browser.get("/my-account/").status_code == 200

    @pytest.mark.parametrize(
        ("language", "notice"),
        [
            (
                "en",
                "You were signed out because you signed in more than 12 hours ago. Please "
                "sign in again.",
            ),
            (
                "de",
                "Sie wurden abgemeldet, weil Ihre Anmeldung mehr als 12 Stunden zurückliegt. "
                "Bitte melden Sie sich erneut an.",
            ),
        ],
    )
    def test_absolute_timeout_signs_out_however_busy(self, language, notice):
        person = make_person(make_account(language=language), language=language)
        browser = signed_in(person)
        age(browser, SIGNIN_KEY, 12 * 3600)

        response = browser.get("/my-account/")

        assert response["Location"] == "/signin/?next=/my-account/"
        assert not is_signed_in(browser)
        assert notice in browser.get(response["Location"]).content.decode()

    def test_the_portal_times_out_on_its_own(self):
        account = corporate_account(language="en")
        browser = Client(HTTP_ACCEPT_LANGUAGE="en")
        portal_sign_in(browser, account)
        age(browser, SEEN_KEY, 30 * 60)

        response = browser.get("/corporate/invoices/")

        assert response["Location"] == "/corporate/signin/?next=%2Fcorporate%2Finvoices%2F"
        assert PORTAL_KEY not in browser.session
        page = browser.get(response["Location"]).content.decode()
        assert "You were signed out after 30 minutes without activity." in page


class TestRightsChanged:
    def test_account_admin_granted_ends_the_persons_sessions_and_cycles_the_key(self):
        account = make_account(language="en")
        admin = make_person(account, admin=True)
        person = make_person(account)
        admins_laptop, admins_phone = signed_in(admin), signed_in(admin)
        persons_laptop, persons_phone = signed_in(person), signed_in(person)
        key_before = admins_laptop.session.session_key

        response = admins_laptop.post(f"/admin-center/users/{person.pk}/admin/grant/")

        assert response.status_code == 302
        assert not is_signed_in(persons_laptop)
        assert not is_signed_in(persons_phone)
        assert admins_laptop.session.session_key != key_before
        assert is_signed_in(admins_laptop)
        assert is_signed_in(admins_phone)
        assert admins_laptop.get("/admin-center/").status_code == 200
        entry = AuditEntry.objects.get(action="person.sessions_end")
        assert (entry.actor_person_id, entry.object_id, entry.new) == (
            admin.pk,
            str(person.pk),
            {"reason": "account_admin_grant", "sessions": 2},
        )

    def test_a_new_password_ends_the_other_sessions_and_keeps_this_one_with_a_new_key(self):
        person = make_person(make_account(language="en"))
        laptop, phone = signed_in(person), signed_in(person)
        key_before = laptop.session.session_key

        laptop.post(
            "/my-account/password/",
            {
                "current_password": PASSWORD,
                "new_password1": "another fine secret 7",
                "new_password2": "another fine secret 7",
            },
        )

        assert laptop.session.session_key != key_before
        assert laptop.get("/my-account/").status_code == 200
        assert not is_signed_in(phone)
        entry = AuditEntry.objects.get(action="person.sessions_end")
        assert entry.new == {"reason": "password_change", "sessions": 1}


class TestPortalSessions:
    def test_the_account_tab_lists_the_portal_sessions_and_signs_out_the_others(self):
        account = corporate_account(language="en")
        office = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.7")
        home = Client(HTTP_USER_AGENT=SAFARI, REMOTE_ADDR="198.51.100.20")
        portal_sign_in(office, account)
        portal_sign_in(home, account)

        page = office.get("/corporate/account/sessions/")

        assert [(r.device, r.client, r.current) for r in page.context["sessions"]] == [
            ("Firefox 128 · Windows", "203.0.113.7", True),
            ("Safari 17 · iOS", "198.51.100.20", False),
        ]
        response = office.post("/corporate/account/sessions/others/signout/")
        assert response["Location"] == "/corporate/account/sessions/"
        assert home.get("/corporate/invoices/")["Location"].startswith("/corporate/signin/")
        assert office.get("/corporate/invoices/").status_code == 200
        entry = AuditEntry.objects.get(action="corporate_credential.sessions_end_others")
        assert (entry.actor_person_id, entry.account_id, entry.new) == (
            billing_contact(account).pk,
            account.pk,
            {"sessions": 1},
        )

    def test_a_portal_session_of_another_user_id_cannot_be_signed_out(self):
        mine, theirs = corporate_account(language="en"), corporate_account(language="en")
        browser, others = Client(), Client()
        portal_sign_in(browser, mine)
        portal_sign_in(others, theirs)

        response = browser.post(f"/corporate/account/sessions/{session_id(others)}/signout/")

        assert response.status_code == 404
        assert others.get("/corporate/invoices/").status_code == 200
        assert not AuditEntry.objects.filter(action__startswith="corporate_credential.session")


def test_expired_sessions_are_pruned():
    person = make_person(make_account(language="en"))
    expired, live = signed_in(person), signed_in(person)
    SignInSession.objects.filter(key_hash=session_id(expired)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert sessions_prune() == 1
    assert list(SignInSession.objects.values_list("key_hash", flat=True)) == [session_id(live)]


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX, "Firefox 128 · Windows"),
        (SAFARI, "Safari 17 · iOS"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge 126 · macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.6478.122 Mobile Safari/537.36",
            "Chrome 126 · Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
            "Opera 111 · Linux",
        ),
        ("", ""),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_the_device_is_told_from_the_user_agent(user_agent, device):
    assert device_label(user_agent) == device
