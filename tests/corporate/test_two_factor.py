"""Two-factor sign-in of the Corporate Billing Portal's User ID: set up in the Account tab,
the code step after the User ID and password, recovery codes, switch-off, and its removal when
the billing contact changes (the new holder sets a new password and their own app)."""

from __future__ import annotations

import base64
import re

import pytest

from seatwise.accounts.models import CorporateCredential, CorporateTOTPDevice, RecoveryCode
from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.services import billing_contact_set
from seatwise.accounts.two_factor import device_bin_key
from seatwise.audit.models import AuditEntry
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import PASSWORD, SYSTEM, make_person
from tests.step_up import code_of

pytestmark = pytest.mark.django_db
TWO_FACTOR = "/corporate/account/two-factor/"


def set_up_in_the_account_tab(client) -> list[str]:
    """**Set up two-factor sign-in**, then the first code: returns the recovery codes shown."""
    assert client.post(f"{TWO_FACTOR}start/")["Location"] == TWO_FACTOR
    page = client.get(TWO_FACTOR).content.decode()
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    shown = client.post(TWO_FACTOR, {"code": code_of(base64.b32decode(secret))})
    assert shown.status_code == 200
    return re.findall(r"<li><code>([a-z2-7-]+)</code></li>", shown.content.decode())


def password_step(client, credential: CorporateCredential):
    return client.post("/corporate/signin/", {"user_id": credential.user_id, "password": PASSWORD})


@pytest.fixture
def account():
    return corporate_account(language="it")


@pytest.fixture
def credential(account) -> CorporateCredential:
    return CorporateCredential.objects.get(account=account)


def test_set_up_then_sign_in_with_the_code_step(client, account, credential) -> None:
    portal_sign_in(client, account)

    codes = set_up_in_the_account_tab(client)

    assert len(codes) == 10
    assert recovery_codes_left(credential) == 10
    assert AuditEntry.objects.filter(action="corporate_credential.two_factor_enable").count() == 1
    assert (
        "Accesso a due fattori attivo"
        in client.get("/corporate/account/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    )

    client.post("/corporate/signout/")
    response = password_step(client, credential)

    # The password alone signs nothing in: the code step first.
    assert response["Location"] == "/corporate/signin/verify/"
    assert client.get("/corporate/")["Location"].startswith("/corporate/signin/")
    wrong = client.post("/corporate/signin/verify/", {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="it")
    assert (
        "Questo codice non è valido. Attendi il codice successivo e riprova."
        in wrong.content.decode()
    )
    device = CorporateTOTPDevice.objects.get(credential=credential)
    right = client.post(
        "/corporate/signin/verify/", {"code": code_of(device_bin_key(device), steps_ahead=1)}
    )
    assert right["Location"] == "/corporate/"
    assert client.get("/corporate/").status_code == 200


def test_a_recovery_code_signs_in_once(client, account, credential) -> None:
    portal_sign_in(client, account)
    codes = set_up_in_the_account_tab(client)
    client.post("/corporate/signout/")

    password_step(client, credential)
    used = client.post("/corporate/signin/verify/", {"code": codes[3]})

    assert used["Location"] == "/corporate/"
    assert recovery_codes_left(credential) == 9
    assert AuditEntry.objects.filter(action="corporate_credential.recovery_code_use").count() == 1

    client.post("/corporate/signout/")
    password_step(client, credential)
    again = client.post("/corporate/signin/verify/", {"code": codes[3]}, HTTP_ACCEPT_LANGUAGE="it")

    assert again.status_code == 200
    assert "Questo codice di recupero non è valido o è già stato usato." in again.content.decode()
    assert client.get("/corporate/")["Location"].startswith("/corporate/signin/")


def test_turn_off_with_the_password(client, account, credential) -> None:
    portal_sign_in(client, account)
    set_up_in_the_account_tab(client)

    client.post(TWO_FACTOR, {"password": PASSWORD})

    assert not CorporateTOTPDevice.objects.filter(credential=credential).exists()
    assert not RecoveryCode.objects.filter(credential=credential).exists()
    client.post("/corporate/signout/")
    assert password_step(client, credential)["Location"] == "/corporate/"


def test_a_new_billing_contact_removes_the_app_and_the_codes(client, account, credential):
    portal_sign_in(client, account)
    set_up_in_the_account_tab(client)
    newcomer = make_person(account, language="it")

    billing_contact_set(account=account, person=newcomer, by=SYSTEM)

    assert not CorporateTOTPDevice.objects.filter(credential=credential).exists()
    assert not RecoveryCode.objects.filter(credential=credential).exists()
    entry = AuditEntry.objects.filter(action="corporate_credential.two_factor_disable").get()
    assert entry.new == {"two_factor": False, "reason": "billing_contact_change"}
    # The portal session of the previous holder has ended with the password.
    assert client.get("/corporate/")["Location"].startswith("/corporate/signin/")
