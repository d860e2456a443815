"""Two-factor sign-in (TOTP) for a Corporate Billing Portal User ID.

The authenticator app belongs to the ``CorporateCredential``, as its password does: whoever
holds the User ID (the account's billing contact) sets it up in the portal's Account tab, and
a new billing contact finds it removed with the password (``corporate_two_factor_reset``,
called by ``accounts.services.billing_contact_set``). Once confirmed, the portal's sign-in asks
for a code after the User ID and password; ten one-time recovery codes
(``accounts.recovery_codes``) are accepted there instead.

Codes are checked as django-otp checks a person's (RFC 6238, 30-second steps, one step of
clock drift either way); a code is accepted once, by a conditional update of the last step
used. Wrong codes are counted per User ID (``core.ratelimit``): after ``FAILURE_LIMIT`` within
``FAILURE_WINDOW`` every code is refused until the window ends.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from typing import Literal
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP

from seatwise.accounts.models import CorporateCredential, CorporateTOTPDevice
from seatwise.accounts.recovery_codes import (
    recovery_code_use,
    recovery_codes_delete,
    recovery_codes_replace,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.core.ratelimit import rate_limit_hit, rate_limit_peek

FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOLERANCE = 1  # steps of clock drift accepted either way

SecondFactor = Literal["totp", "recovery_code"]


def _failure_key(credential: CorporateCredential) -> str:
    return f"corporate.totp:{credential.pk}"


def device_bin_key(device: CorporateTOTPDevice) -> bytes:
    return unhexlify(device.key.encode())


def device_config_url(device: CorporateTOTPDevice) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Seatwise")
    label = quote(f"{issuer}:{device.credential.user_id}")
    query = urlencode({"secret": b32encode(device_bin_key(device)).decode(), "issuer": issuer})
    return f"otpauth://totp/{label}?{query}"


def corporate_two_factor_device(credential: CorporateCredential) -> CorporateTOTPDevice | None:
    """The User ID's confirmed authenticator app, if it has one."""
    return CorporateTOTPDevice.objects.filter(credential=credential, confirmed=True).first()


def corporate_two_factor_pending(credential: CorporateCredential) -> CorporateTOTPDevice | None:
    return CorporateTOTPDevice.objects.filter(credential=credential, confirmed=False).first()


def corporate_two_factor_begin(
    *, credential: CorporateCredential, by: Actor
) -> CorporateTOTPDevice:
    """Start setting up an authenticator app: a fresh key, unconfirmed."""
    with transaction.atomic():
        CorporateTOTPDevice.objects.filter(credential=credential, confirmed=False).delete()
        if CorporateTOTPDevice.objects.filter(credential=credential).exists():
            raise Refused("two_factor_active", _("Two-factor sign-in is already on."))
        return CorporateTOTPDevice.objects.create(credential=credential, confirmed=False)


def _code_step(device: CorporateTOTPDevice, code: str) -> int | None:
    """The time step ``code`` belongs to, if it is the device's code now (± drift) and newer
    than the last one accepted."""
    text = code.strip()
    if not (len(text) == 6 and text.isdigit()):
        return None
    totp = TOTP(device_bin_key(device))
    totp.time = time.time()
    if not totp.verify(int(text), TOLERANCE, device.last_t + 1):
        return None
    return int(totp.t())


def _accept_step(device: CorporateTOTPDevice, step: int) -> bool:
    # Conditional: two requests with the same code cannot both pass.
    return (
        CorporateTOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(last_t=step) == 1
    )


def corporate_two_factor_confirm(
    *, credential: CorporateCredential, code: str, by: Actor
) -> list[str]:
    """Confirm the new app with its first code; returns the recovery codes, shown once."""
    device = corporate_two_factor_pending(credential)
    if device is None:
        raise Refused("two_factor_not_started", _("Start the set-up again."))
    step = _code_step(device, code)
    if step is None or not _accept_step(device, step):
        raise Invalid(
            "invalid_code", _("This code is not valid. Check your app and try again."), field="code"
        )
    with transaction.atomic():
        CorporateTOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        codes = recovery_codes_replace(credential)
        audit_record(
            by=by,
            action="corporate_credential.two_factor_enable",
            obj=credential,
            account_id=credential.account_id,
            new={"two_factor": True, "recovery_codes": len(codes)},
        )
    return codes


def corporate_two_factor_disable(
    *, credential: CorporateCredential, password: str, by: Actor
) -> None:
    """Turn two-factor sign-in off, with the User ID's password."""
    if not check_password(password, credential.password):
        raise Invalid(
            "wrong_password", _("Your current password is not correct."), field="password"
        )
    with transaction.atomic():
        deleted, _details = CorporateTOTPDevice.objects.filter(credential=credential).delete()
        recovery_codes_delete(credential)
        if deleted:
            audit_record(
                by=by,
                action="corporate_credential.two_factor_disable",
                obj=credential,
                account_id=credential.account_id,
                old={"two_factor": True},
                new={"two_factor": False},
            )


def corporate_two_factor_reset(*, credential: CorporateCredential, by: Actor) -> None:
    """A new holder of the User ID: the previous holder's app and recovery codes are removed.
    Called inside the billing-contact change's transaction."""
    deleted, _details = CorporateTOTPDevice.objects.filter(credential=credential).delete()
    recovery_codes_delete(credential)
    if deleted:
        audit_record(
            by=by,
            action="corporate_credential.two_factor_disable",
            obj=credential,
            account_id=credential.account_id,
            old={"two_factor": True},
            new={"two_factor": False, "reason": "billing_contact_change"},
        )


def corporate_recovery_codes_regenerate(*, credential: CorporateCredential, by: Actor) -> list[str]:
    if corporate_two_factor_device(credential) is None:
        raise Refused("two_factor_off", _("Two-factor sign-in is off."))
    with transaction.atomic():
        codes = recovery_codes_replace(credential)
        audit_record(
            by=by,
            action="corporate_credential.recovery_codes_regenerate",
            obj=credential,
            account_id=credential.account_id,
            new={"recovery_codes": len(codes)},
        )
    return codes


def corporate_two_factor_check(
    *, credential: CorporateCredential, device: CorporateTOTPDevice, code: str, by: Actor
) -> SecondFactor:
    """A code from the app, or one of the recovery codes (used up). Refuses a wrong code
    (``invalid_code``), and every code after ``FAILURE_LIMIT`` wrong ones (``locked``)."""
    if rate_limit_peek(key=_failure_key(credential), window=FAILURE_WINDOW) >= FAILURE_LIMIT:
        raise Refused(
            "locked", _("Too many wrong codes. Wait a moment before you try again."), field="code"
        )
    text = code.strip()
    if text.isdigit():
        step = _code_step(device, text)
        if step is not None and _accept_step(device, step):
            return "totp"
        rate_limit_hit(key=_failure_key(credential), limit=FAILURE_LIMIT, window=FAILURE_WINDOW)
        raise Invalid(
            "invalid_code",
            _("This code is not valid. Wait for the next code and try again."),
            field="code",
        )
    with transaction.atomic():
        if recovery_code_use(credential, text):
            audit_record(
                by=by,
                action="corporate_credential.recovery_code_use",
                obj=credential,
                account_id=credential.account_id,
            )
            return "recovery_code"
    rate_limit_hit(key=_failure_key(credential), limit=FAILURE_LIMIT, window=FAILURE_WINDOW)
    raise Invalid(
        "invalid_recovery_code",
        _("This recovery code is not valid or was already used."),
        field="code",
    )
