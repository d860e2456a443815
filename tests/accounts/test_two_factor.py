"""One two-factor mechanism for both owners: a person and a Corporate Billing Portal User ID."""

from __future__ import annotations

import pytest

from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.recovery_codes import recovery_codes_left
from seatwise.accounts.two_factor import (
    FAILURE_LIMIT,
    Owner,
    device_bin_key,
    device_config_url,
    two_factor_begin,
    two_factor_check,
    two_factor_confirm,
    two_factor_confirmed_device,
    two_factor_disable,
)
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from tests.corporate.helpers import corporate_account
from tests.factories import PASSWORD, SYSTEM, make_account, make_person
from tests.step_up import code_of

pytestmark = pytest.mark.django_db


def _person() -> Owner:
    return make_person(make_account(), admin=True)


def _credential() -> Owner:
    return CorporateCredential.objects.get(account=corporate_account())


OWNERS = {"person": (_person, PASSWORD), "corporate_credential": (_credential, PASSWORD)}


@pytest.fixture(params=sorted(OWNERS))
def owner(request) -> tuple[str, Owner, str]:
    make, password = OWNERS[request.param]
    return request.param, make(), password


def _enrolled(owner: Owner) -> tuple[bytes, list[str]]:
    pending = two_factor_begin(owner=owner, by=SYSTEM)
    key = device_bin_key(pending)
    enrolled = two_factor_confirm(owner=owner, code=code_of(key), by=SYSTEM)
    return key, enrolled.recovery_codes


def test_a_code_is_accepted_once_and_a_recovery_code_once(owner):
    subject, who, _password = owner
    key, codes = _enrolled(who)
    device = two_factor_confirmed_device(who)
    assert device is not None
    # The set-up's code was its step's: the next step's code passes, once.
    later = code_of(key, steps_ahead=1)
    assert two_factor_check(owner=who, device=device, code=later, by=SYSTEM) == "totp"
    device.refresh_from_db()
    with pytest.raises(Invalid) as replay:
        two_factor_check(owner=who, device=device, code=later, by=SYSTEM)
    assert replay.value.code == "invalid_code"
    assert two_factor_check(owner=who, device=device, code=codes[0], by=SYSTEM) == "recovery_code"
    with pytest.raises(Invalid) as again:
        two_factor_check(owner=who, device=device, code=codes[0], by=SYSTEM)
    assert again.value.code == "invalid_recovery_code"
    actions = list(
        AuditEntry.objects.filter(
            object_id=str(who.pk),
            action__in=[f"{subject}.two_factor_enable", f"{subject}.recovery_code_use"],
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [f"{subject}.two_factor_enable", f"{subject}.recovery_code_use"]


def test_after_five_wrong_codes_every_code_is_refused(owner):
    _subject, who, _password = owner
    key, codes = _enrolled(who)
    device = two_factor_confirmed_device(who)
    assert device is not None
    for _ in range(FAILURE_LIMIT):
        with pytest.raises(Invalid):
            two_factor_check(owner=who, device=device, code="000000", by=SYSTEM)
    for code in (code_of(key, steps_ahead=1), codes[1]):
        with pytest.raises(Refused) as locked:
            two_factor_check(owner=who, device=device, code=code, by=SYSTEM)
        assert locked.value.code == "locked"


def test_switching_off_takes_the_password_and_removes_app_and_codes(owner):
    subject, who, password = owner
    _key, codes = _enrolled(who)
    assert recovery_codes_left(who) == len(codes) == 10
    with pytest.raises(Invalid) as wrong:
        two_factor_disable(owner=who, password="not the password", by=SYSTEM)
    assert wrong.value.code == "wrong_password"
    assert two_factor_confirmed_device(who) is not None
    two_factor_disable(owner=who, password=password, by=SYSTEM)
    assert two_factor_confirmed_device(who) is None
    assert recovery_codes_left(who) == 0
    assert AuditEntry.objects.filter(action=f"{subject}.two_factor_disable").count() == 1


def test_the_qr_code_names_the_owner():
    person = _person()
    pending = two_factor_begin(owner=person, by=SYSTEM)
    url = device_config_url(person, pending)
    assert url.startswith("otpauth://totp/Seatwise%3A" + person.email.replace("@", "%40"))
    credential = _credential()
    assert isinstance(credential, CorporateCredential)
    pending_corporate = two_factor_begin(owner=credential, by=SYSTEM)
    assert device_config_url(credential, pending_corporate).startswith(
        "otpauth://totp/Seatwise%3A" + credential.user_id.replace("@", "%40")
    )
