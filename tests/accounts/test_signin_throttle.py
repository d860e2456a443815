"""Failed sign-ins on both sign-ins (``accounts.signin_throttle``), through their pages: a
browser that signed in before is judged by its own failures only, other clients per login and
per client, and the e-mailed password link gets the real person in during an attack.

The limits count in fixed windows of the cooloff (15 minutes), so each test starts at the top
of an hour, with time frozen there (time_machine), and moves it to test the cooloff."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from seatwise.accounts.corporate_signin import corporate_authenticate
from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import corporate_password_set
from seatwise.accounts.signin_throttle import SigninClient
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import ServiceError
from seatwise.notifications.models import OutgoingEmail
from tests.factories import PASSWORD, SYSTEM, make_account, make_person

pytestmark = pytest.mark.django_db
PORTAL_PASSWORD = "portal secret 2026"
COOLOFF = timedelta(minutes=15)

INVALID_EMAIL = "The e-mail address and password do not match."
LOCKED_EMAIL = (
    "There were too many failed sign-ins with this e-mail address. For your security, "
    "sign-in is locked for 15 minutes."
)
THROTTLED_EMAIL = (
    "There were too many failed sign-ins from your network. For your security, sign-in from "
    "here is paused for 15 minutes."
)
LOCKED_USER_ID = (
    "There were too many failed sign-ins with this User ID. For your security, sign-in to the "
    "Corporate Billing Portal is locked for 15 minutes. To sign in sooner, set a new password "
    "with Forgot Password?"
)
THROTTLED_USER_ID = (
    "There were too many failed sign-ins from your network. For your security, sign-in to the "
    "Corporate Billing Portal from here is paused for 15 minutes. To sign in sooner, set a new "
    "password with Forgot Password?"
)


def text(response) -> str:
    """The page's visible words, in one line."""
    html = response.content.decode()
    body = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])
    return re.sub(r"\s+", " ", body).replace("&#x27;", "'").strip()


@dataclass(frozen=True)
class SignIn:
    name: str
    url: str
    field: str
    signout: str
    home: str
    cookie: str
    invalid: str
    locked: str
    throttled: str

    def make(self) -> tuple[str, str]:
        """A login that exists, and its password."""
        if self.name == "product":
            return make_person(make_account()).email, PASSWORD
        account = make_account(kind="corporate")
        corporate_password_set(account=account, password=PORTAL_PASSWORD, by=SYSTEM)
        return CorporateCredential.objects.get(account=account).user_id, PORTAL_PASSWORD

    def unknown(self, n: int) -> str:
        return f"nobody{n}@example.com" if self.name == "product" else f"nobody-{n}"

    def post(self, client: Client, login: str, password: str):
        return client.post(
            self.url, {self.field: login, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
        )

    def sign_in_and_out(self, client: Client, login: str, password: str) -> None:
        """An earlier successful sign-in: the browser keeps its device cookie."""
        response = self.post(client, login, password)
        assert (response.status_code, response["Location"]) == (302, self.home)
        client.post(self.signout)
        assert client.cookies[self.cookie].value


PRODUCT = SignIn(
    name="product",
    url="/signin/",
    field="email",
    signout="/signout/",
    home="/",
    cookie="seatwise_device",
    invalid=INVALID_EMAIL,
    locked=LOCKED_EMAIL,
    throttled=THROTTLED_EMAIL,
)
CORPORATE = SignIn(
    name="corporate",
    url="/corporate/signin/",
    field="user_id",
    signout="/corporate/signout/",
    home="/corporate/",
    cookie="seatwise_corporate_device",
    invalid="Invalid User ID/password",
    locked=LOCKED_USER_ID,
    throttled=THROTTLED_USER_ID,
)


@pytest.fixture(params=[PRODUCT, CORPORATE], ids=["product", "corporate"])
def signin(request) -> SignIn:
    return request.param


@pytest.fixture
def start():
    """Time frozen at the start of a window of the limits."""
    moment = timezone.now().replace(minute=0, second=0, microsecond=0)
    with time_machine.travel(moment, tick=False):
        yield moment


def browser(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def lock_for_untrusted(signin: SignIn, login: str, first: int = 1) -> None:
    """Five failures from five clients without the device cookie lock the login for them."""
    statuses = [
        signin.post(browser(f"198.51.100.{first + n}"), login, "wrong").status_code
        for n in range(5)
    ]
    assert statuses == [200] * 5


class TestAttackOnOneLogin:
    def test_fifty_attacking_clients_never_lock_out_the_real_browser(self, signin, start):
        login, password = signin.make()
        contact = browser("192.0.2.10")
        signin.sign_in_and_out(contact, login, password)
        attackers = [browser(f"198.51.100.{n}") for n in range(1, 51)]

        wrong = [signin.post(attacker, login, f"guess {n}") for n, attacker in enumerate(attackers)]
        right = [signin.post(attacker, login, password) for attacker in attackers]
        response = signin.post(contact, login, password)

        assert [r.status_code for r in wrong] == [200] * 5 + [429] * 45
        assert signin.invalid in text(wrong[0])
        assert signin.locked in text(wrong[5])
        # Every attacking client is refused, even with the right password.
        assert [r.status_code for r in right] == [429] * 50
        assert all(signin.locked in text(r) for r in right)
        assert (response.status_code, response["Location"]) == (302, signin.home)

    def test_the_lock_is_audited_once_for_the_user_id(self, start):
        login, _password = CORPORATE.make()

        for n in range(20):
            CORPORATE.post(browser(f"198.51.100.{n}"), login, "wrong")

        credential = CorporateCredential.objects.get(user_id=login)
        entry = AuditEntry.objects.get(action="corporate_credential.lockout")
        assert (entry.actor_label, entry.object_id, entry.account_id, entry.new) == (
            "corporate-signin",
            str(credential.pk),
            credential.account_id,
            {"failed_signins": 5, "locked_until": (start + COOLOFF).isoformat()},
        )

    def test_a_success_gives_the_browser_a_long_lived_cookie_it_cannot_read(self, signin, start):
        login, password = signin.make()
        client = browser("192.0.2.10")

        signin.post(client, login, password)

        cookie = client.cookies[signin.cookie]
        assert (cookie["httponly"], cookie["samesite"], cookie["secure"], cookie["max-age"]) == (
            True,
            "Lax",
            "",
            180 * 24 * 3600,
        )
        with override_settings(SESSION_COOKIE_SECURE=True):
            signin.post(client, login, password)
        assert client.cookies[signin.cookie]["secure"] is True


class TestPasswordSpraying:
    def test_one_client_with_many_logins_is_throttled_for_every_login(self, signin, start):
        login, password = signin.make()
        contact = browser("203.0.113.7")
        signin.sign_in_and_out(contact, login, password)
        sprayer = browser("203.0.113.7")

        statuses = [
            signin.post(sprayer, signin.unknown(n), "Winter2026!").status_code for n in range(30)
        ]
        untried = signin.post(sprayer, login, password)
        elsewhere = signin.post(browser("192.0.2.99"), login, password)
        trusted = signin.post(contact, login, password)

        assert statuses == [200] * 10 + [429] * 20
        # A login it has not tried before is refused too, even with the right password.
        assert untried.status_code == 429
        assert signin.throttled in text(untried)
        # Only that client: the login is open to others, and a browser that signed in before
        # signs in from the same address.
        assert (elsewhere.status_code, elsewhere["Location"]) == (302, signin.home)
        assert (trusted.status_code, trusted["Location"]) == (302, signin.home)

    def test_both_sign_ins_count_together_and_a_new_window_starts_again(self, start):
        sprayer = browser("203.0.113.8")
        for n in range(5):
            PRODUCT.post(sprayer, PRODUCT.unknown(n), "wrong")
            CORPORATE.post(sprayer, CORPORATE.unknown(n), "wrong")

        throttled = PRODUCT.post(sprayer, PRODUCT.unknown(99), "wrong")
        with time_machine.travel(start + COOLOFF, tick=False):
            later = PRODUCT.post(sprayer, PRODUCT.unknown(99), "wrong")

        assert throttled.status_code == 429
        assert later.status_code == 200

    def test_an_ipv6_client_is_counted_by_its_64_network(self, start):
        statuses = [
            PRODUCT.post(browser(f"2001:db8:1:2::{n:x}"), PRODUCT.unknown(n), "wrong").status_code
            for n in range(11)
        ]

        assert statuses == [200] * 10 + [429]

    @override_settings(SEATWISE_PROXY_COUNT=1)
    def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_saw(self, start):
        proxy = "10.0.0.2"
        statuses = [
            Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 192.0.2.1").post(
                PRODUCT.url, {"email": PRODUCT.unknown(n), "password": "wrong"}
            )
            for n in range(11)
        ]
        other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.2").post(
            PRODUCT.url, {"email": PRODUCT.unknown(99), "password": "wrong"}
        )

        # The left entries are the client's own words: all eleven are one client, 192.0.2.1.
        assert [r.status_code for r in statuses] == [200] * 10 + [429]
        assert other.status_code == 200


class TestDeviceCookie:
    def test_a_forged_altered_or_other_logins_cookie_is_untrusted(self, signin, start):
        login, password = signin.make()
        other_login, other_password = signin.make()
        genuine = browser("192.0.2.10")
        signin.sign_in_and_out(genuine, login, password)
        other = browser("192.0.2.11")
        signin.sign_in_and_out(other, other_login, other_password)
        value = genuine.cookies[signin.cookie].value
        salt = f"seatwise.accounts.signin_device:{signin.name}"
        product_cookie = browser("192.0.2.12")
        PRODUCT.sign_in_and_out(product_cookie, *PRODUCT.make())
        cookies = {
            "altered": value[:-1] + ("A" if value[-1] != "A" else "B"),
            "forged": signing.dumps({"login": login, "nonce": "x"}, salt=salt, key="not ours"),
            "unsigned": signing.dumps({"login": login, "nonce": "x"}, salt="another salt"),
            "another login's": other.cookies[signin.cookie].value,
            "the other sign-in's": product_cookie.cookies[PRODUCT.cookie].value,
        }
        lock_for_untrusted(signin, login)

        answers = {}
        for name, cookie in cookies.items():
            client = browser("192.0.2.20")
            client.cookies[signin.cookie] = cookie
            answers[name] = signin.post(client, login, password).status_code
        trusted = signin.post(genuine, login, password)

        assert answers == dict.fromkeys(cookies, 429)
        assert (trusted.status_code, trusted["Location"]) == (302, signin.home)

    def test_an_expired_cookie_is_untrusted(self, signin, start):
        login, password = signin.make()
        contact = browser("192.0.2.10")
        signin.sign_in_and_out(contact, login, password)

        with time_machine.travel(start + timedelta(days=181), tick=False):
            lock_for_untrusted(signin, login)
            response = signin.post(contact, login, password)

        assert response.status_code == 429

    def test_five_own_failures_lock_the_device_until_the_cooloff(self, signin, start):
        login, password = signin.make()
        device = browser("192.0.2.10")
        signin.sign_in_and_out(device, login, password)

        own = [signin.post(device, login, "wrong").status_code for _ in range(5)]
        # The device's failures are its own: the login is still open to other clients.
        elsewhere = signin.post(browser("192.0.2.11"), login, password)
        lock_for_untrusted(signin, login)
        locked = signin.post(device, login, password)
        with time_machine.travel(start + COOLOFF - timedelta(seconds=1), tick=False):
            still = signin.post(device, login, password)
        with time_machine.travel(start + COOLOFF, tick=False):
            lock_for_untrusted(signin, login, first=100)
            again = signin.post(device, login, password)

        assert own == [200] * 5
        assert (elsewhere.status_code, elsewhere["Location"]) == (302, signin.home)
        # Its cookie is trusted no more, and the login is locked for untrusted clients.
        assert (locked.status_code, still.status_code) == (429, 429)
        assert signin.locked in text(locked)
        assert (again.status_code, again["Location"]) == (302, signin.home)

    def test_a_devices_lock_is_audited_for_the_user_id(self, start):
        login, password = CORPORATE.make()
        device = browser("192.0.2.10")
        CORPORATE.sign_in_and_out(device, login, password)

        for _ in range(7):
            CORPORATE.post(device, login, "wrong")

        entry = AuditEntry.objects.get(action="corporate_credential.device_lockout")
        assert (entry.actor_label, entry.new) == (
            "corporate-signin",
            {"failed_signins": 5, "locked_until": (start + COOLOFF).isoformat()},
        )


class TestPasswordLinkDuringAnAttack:
    def test_product_the_link_lets_a_new_browser_in_whatever_the_attacker_does(self, start):
        login, _password = PRODUCT.make()
        lock_for_untrusted(PRODUCT, login)
        new_browser = browser("192.0.2.30")
        refused = PRODUCT.post(new_browser, login, PASSWORD)

        new_browser.post("/password/reset/", {"email": login})
        link = re.search(r"/password/set/\S+/", OutgoingEmail.objects.get().body_text).group(0)
        set_url = new_browser.get(link, follow=True).redirect_chain[-1][0]
        new_browser.post(
            set_url,
            {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
        )
        lock_for_untrusted(PRODUCT, login, first=100)
        response = PRODUCT.post(new_browser, login, "a brand new secret 42")

        assert refused.status_code == 429
        page = text(refused)
        assert LOCKED_EMAIL in page
        assert (
            "If you forgot your password, reset it: the link in the e-mail works even while "
            "sign-in is locked. Once you have set a new password with the link, this browser "
            "can sign in at once. Browsers you have signed in with before are not locked."
        ) in page
        assert (response.status_code, response["Location"]) == (302, "/")

    def test_corporate_the_link_lets_a_new_browser_in_whatever_the_attacker_does(self, start):
        login, _password = CORPORATE.make()
        lock_for_untrusted(CORPORATE, login)
        new_browser = browser("192.0.2.30")
        refused = CORPORATE.post(new_browser, login, PORTAL_PASSWORD)

        new_browser.post("/corporate/password/", {"user_id": login})
        email = OutgoingEmail.objects.get(kind="corporate_password_reset")
        link = re.search(r"/corporate/password/set/\S+/", email.body_text).group(0)
        new_browser.post(
            link,
            {"password": "another portal secret 7", "password_again": "another portal secret 7"},
        )
        lock_for_untrusted(CORPORATE, login, first=100)
        response = CORPORATE.post(new_browser, login, "another portal secret 7")

        assert (refused.status_code, LOCKED_USER_ID in text(refused)) == (429, True)
        assert list(
            AuditEntry.objects.filter(action__startswith="corporate_credential.")
            .order_by("pk")
            .values_list("action", flat=True)
        )[-5:] == [
            "corporate_credential.lockout",
            "corporate_credential.password_reset_request",
            "corporate_credential.password_set",
            "corporate_credential.unlock",
            "corporate_credential.lockout",
        ]
        assert (response.status_code, response["Location"]) == (302, "/corporate/")


class TestMessagesInEachLanguage:
    @pytest.mark.parametrize(
        ("language", "invalid", "locked"),
        [
            (
                "de",
                "Ungültige Benutzer-ID/ungültiges Kennwort",
                "Mit dieser Benutzer-ID gab es zu viele fehlgeschlagene Anmeldeversuche. Zu "
                "Ihrer Sicherheit ist die Anmeldung beim Corporate Billing Portal für 15 Minuten "
                "gesperrt. Wenn Sie sich früher anmelden möchten, legen Sie über „Kennwort "
                "vergessen?“ ein neues Kennwort fest.",
            ),
            (
                "it",
                "ID utente/password non validi",
                "Ci sono stati troppi tentativi di accesso non riusciti con questo ID utente. Per "
                "la tua sicurezza, l'accesso al Portale di fatturazione Corporate è bloccato per "
                "15 minuti. Per accedere prima, imposta una nuova password con «Password "
                "dimenticata?».",
            ),
            (
                "es",
                "ID de usuario/contraseña no válidos",
                "Ha habido demasiados intentos fallidos de inicio de sesión con este ID de "
                "usuario. Por su seguridad, el inicio de sesión en el Portal de facturación para "
                "empresas está bloqueado durante 15 minutos. Para iniciar sesión antes, "
                "establezca una nueva contraseña con «¿Ha olvidado su contraseña?».",
            ),
        ],
    )
    def test_corporate_invalid_and_locked(self, start, language, invalid, locked):
        login, _password = CORPORATE.make()
        answers = [
            browser(f"198.51.100.{n}").post(
                CORPORATE.url,
                {"user_id": login, "password": "wrong"},
                HTTP_ACCEPT_LANGUAGE=language,
            )
            for n in range(6)
        ]

        assert invalid in text(answers[0])
        assert locked in text(answers[5])

    @pytest.mark.parametrize(
        ("language", "locked", "throttled"),
        [
            (
                "de",
                "Mit dieser E-Mail-Adresse gab es zu viele fehlgeschlagene Anmeldeversuche. Zu "
                "Ihrer Sicherheit ist die Anmeldung für 15 Minuten gesperrt.",
                "Aus Ihrem Netzwerk gab es zu viele fehlgeschlagene Anmeldeversuche. Zu Ihrer "
                "Sicherheit ist die Anmeldung von hier aus für 15 Minuten ausgesetzt.",
            ),
            (
                "it",
                "Ci sono stati troppi tentativi di accesso non riusciti con questo indirizzo "
                "email. Per la tua sicurezza, l'accesso è bloccato per 15 minuti.",
                "Ci sono stati troppi tentativi di accesso non riusciti dalla tua rete. Per la tua "
                "sicurezza, l'accesso da qui è sospeso per 15 minuti.",
            ),
            (
                "es",
                "Ha habido demasiados intentos fallidos de inicio de sesión con esta dirección de "
                "correo electrónico. Por su seguridad, el inicio de sesión está bloqueado durante "
                "15 minutos.",
                "Ha habido demasiados intentos fallidos de inicio de sesión desde su red. Por su "
                "seguridad, el inicio de sesión desde aquí está suspendido durante 15 minutos.",
            ),
        ],
    )
    def test_product_locked_and_throttled(self, start, language, locked, throttled):
        login, _password = PRODUCT.make()
        for n in range(5):
            browser(f"198.51.100.{n}").post(PRODUCT.url, {"email": login, "password": "wrong"})
        sprayer = browser("203.0.113.9")
        for n in range(10):
            sprayer.post(PRODUCT.url, {"email": PRODUCT.unknown(n), "password": "wrong"})

        locked_page = browser("192.0.2.40").post(
            PRODUCT.url, {"email": login, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=language
        )
        throttled_page = sprayer.post(
            PRODUCT.url, {"email": login, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=language
        )

        assert (locked_page.status_code, throttled_page.status_code) == (429, 429)
        assert locked in text(locked_page)
        assert throttled in text(throttled_page)


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_check_no_more_passwords_than_the_limit():
    login, _password = CORPORATE.make()

    def guess(n: int) -> str:
        try:
            corporate_authenticate(
                user_id=login, password=f"guess {n}", client=SigninClient(address=f"198.51.100.{n}")
            )
        except ServiceError as error:
            return error.code
        finally:
            connection.close()
        return "signed in"

    top_of_hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    with time_machine.travel(top_of_hour, tick=False), ThreadPoolExecutor(max_workers=12) as pool:
        codes = sorted(pool.map(guess, range(12)))

    assert codes == ["invalid_password"] * 5 + ["locked"] * 7
    assert AuditEntry.objects.filter(action="corporate_credential.lockout").count() == 1
