"""Two-factor sign-in (TOTP, RFC 6238) for whoever administers an account: a person, or a
Corporate Billing Portal User ID.

One mechanism for both owners. A person's authenticator app is django-otp's ``TOTPDevice``
(django-otp's middleware then marks the session as verified); a User ID's is a
``CorporateTOTPDevice``, which belongs to the credential as its password does, so that a new
billing contact finds it removed with the password (``two_factor_reset``, called by
``accounts.services.billing_contact_set``).

A device is created unconfirmed, shown as a QR code, and confirmed by the first code it
produces; only a confirmed device is asked for at sign-in. Confirming it makes ten one-time
recovery codes (``accounts.recovery_codes``), accepted at the code step instead of a code from
the app. Codes are checked as django-otp checks them (30-second steps, one step of clock drift
either way) and a code is accepted once, by a conditional update of the last step used. Wrong
codes are counted per owner (``core.ratelimit``): after ``FAILURE_LIMIT`` within
``FAILURE_WINDOW`` every code is refused until the window ends. Only someone who already has
the owner's password can count them.

Who must use it: vendor staff always; account admins and billing admins when the vendor's
``SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS`` says so (docs/operations.md).
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, overload
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import CorporateCredential, CorporateTOTPDevice, Person
from seatwise.accounts.recovery_codes import (
    recovery_code_use,
    recovery_codes_delete,
    recovery_codes_replace,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.core.prepared import prepared
from seatwise.core.ratelimit import rate_limit_hit, rate_limit_peek

FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOLERANCE = 1  # steps of clock drift accepted either way

Owner = Person | CorporateCredential
type Device = TOTPDevice | CorporateTOTPDevice
SecondFactor = Literal["totp", "recovery_code"]


# --- the owner's devices ---------------------------------------------------------------------


def _devices(owner: Owner) -> QuerySet[TOTPDevice] | QuerySet[CorporateTOTPDevice]:
    if isinstance(owner, Person):
        devices: QuerySet[TOTPDevice] = TOTPDevice.objects.filter(user=owner)
        return devices
    return CorporateTOTPDevice.objects.filter(credential=owner)


def _new_device(owner: Owner) -> Device:
    if isinstance(owner, Person):
        return TOTPDevice.objects.create(user=owner, name="Seatwise", confirmed=False)
    return CorporateTOTPDevice.objects.create(credential=owner, confirmed=False)


def _subject(owner: Owner) -> str:
    """The owner as audit actions name it."""
    return "person" if isinstance(owner, Person) else "corporate_credential"


def _failure_key(owner: Owner) -> str:
    return f"{'person' if isinstance(owner, Person) else 'corporate'}.totp:{owner.pk}"


@overload
def two_factor_confirmed_device(owner: Person) -> TOTPDevice | None: ...
@overload
def two_factor_confirmed_device(owner: CorporateCredential) -> CorporateTOTPDevice | None: ...
def two_factor_confirmed_device(owner: Owner) -> Device | None:
    """The owner's authenticator app, once confirmed: asked for at sign-in."""
    return _devices(owner).filter(confirmed=True).order_by("-pk").first()


@overload
def two_factor_pending_device(owner: Person) -> TOTPDevice | None: ...
@overload
def two_factor_pending_device(owner: CorporateCredential) -> CorporateTOTPDevice | None: ...
def two_factor_pending_device(owner: Owner) -> Device | None:
    """An authenticator app being set up (not yet confirmed by its first code)."""
    return _devices(owner).filter(confirmed=False).order_by("-pk").first()


@overload
def two_factor_device(owner: Person) -> TOTPDevice | None: ...
@overload
def two_factor_device(owner: CorporateCredential) -> CorporateTOTPDevice | None: ...
def two_factor_device(owner: Owner) -> Device | None:
    """The owner's newest device, confirmed or being set up (My Account shows it on every
    visit: a prepared query)."""
    newest = _newest_person_device if isinstance(owner, Person) else _newest_credential_device
    return next(iter(newest(owner.pk)), None)


@prepared
def _newest_person_device(person_id: int) -> QuerySet[TOTPDevice]:
    devices: QuerySet[TOTPDevice] = TOTPDevice.objects.filter(user_id=person_id)
    return devices.order_by("-pk")[:1]


@prepared
def _newest_credential_device(credential_id: int) -> QuerySet[CorporateTOTPDevice]:
    return CorporateTOTPDevice.objects.filter(credential_id=credential_id).order_by("-pk")[:1]


def device_bin_key(device: Device) -> bytes:
    return unhexlify(device.key.encode())


def device_secret(device: Device) -> str:
    """The device's key as people type it into an authenticator app (base32)."""
    return b32encode(device_bin_key(device)).decode()


def device_config_url(owner: Owner, device: Device) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Seatwise")
    name = owner.email if isinstance(owner, Person) else owner.user_id
    label = quote(f"{issuer}:{name}")
    return (
        f"otpauth://totp/{label}?{urlencode({'secret': device_secret(device), 'issuer': issuer})}"
    )


# --- who may and who must --------------------------------------------------------------------


def may_use_two_factor(person: Person) -> bool:
    return person.is_account_admin or person.is_billing_contact or person.is_staff


def two_factor_required(person: Person) -> bool:
    """Vendor staff must sign in with two factors: the support console can hand an account's
    billing to someone else. Account admins and billing admins must too when the vendor's
    setting says so. Whoever must cannot turn it off."""
    if person.is_staff:
        return True
    return bool(settings.SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS) and (
        person.is_account_admin or person.is_billing_contact
    )


# --- codes -----------------------------------------------------------------------------------


def _code_step(device: Device, code: str) -> int | None:
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


def _accept_step(device: Device, step: int) -> bool:
    # Conditional: two requests with the same code cannot both pass.
    return type(device).objects.filter(pk=device.pk, last_t__lt=step).update(last_t=step) == 1


# --- setting up, checking, switching off -----------------------------------------------------


def two_factor_begin(*, owner: Owner, by: Actor) -> Device:
    """Start setting up an authenticator app: a fresh, unconfirmed device."""
    if isinstance(owner, Person) and not may_use_two_factor(owner):
        raise Refused(
            "two_factor_not_available",
            _("Two-factor sign-in is available to account admins and billing admins."),
        )
    with transaction.atomic():
        _devices(owner).filter(confirmed=False).delete()
        if _devices(owner).exists():
            raise Refused("two_factor_active", _("Two-factor sign-in is already on."))
        return _new_device(owner)


@dataclass(frozen=True, slots=True)
class Enrolled[D: (TOTPDevice, CorporateTOTPDevice)]:
    """A confirmed device, with the recovery codes made for it (shown once)."""

    device: D
    recovery_codes: list[str]


@overload
def two_factor_confirm(*, owner: Person, code: str, by: Actor) -> Enrolled[TOTPDevice]: ...
@overload
def two_factor_confirm(
    *, owner: CorporateCredential, code: str, by: Actor
) -> Enrolled[CorporateTOTPDevice]: ...
def two_factor_confirm(
    *, owner: Owner, code: str, by: Actor
) -> Enrolled[TOTPDevice] | Enrolled[CorporateTOTPDevice]:
    """Confirm the app being set up with its first code."""
    device = two_factor_pending_device(owner)
    if device is None:
        raise Refused("two_factor_not_started", _("Start the set-up again."))
    step = _code_step(device, code)
    if step is None or not _accept_step(device, step):
        raise Invalid(
            "invalid_code", _("This code is not valid. Check your app and try again."), field="code"
        )
    with transaction.atomic():
        type(device).objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = recovery_codes_replace(owner)
        audit_record(
            by=by,
            action=f"{_subject(owner)}.two_factor_enable",
            obj=owner,
            account_id=owner.account_id,
            new={"two_factor": True, "recovery_codes": len(codes)},
        )
    return Enrolled(device=device, recovery_codes=codes)


def recovery_codes_regenerate(*, owner: Owner, by: Actor) -> list[str]:
    """New recovery codes for an owner with two-factor sign-in on; the earlier ones stop
    working."""
    if two_factor_confirmed_device(owner) is None:
        raise Refused("two_factor_off", _("Two-factor sign-in is off."))
    with transaction.atomic():
        codes = recovery_codes_replace(owner)
        audit_record(
            by=by,
            action=f"{_subject(owner)}.recovery_codes_regenerate",
            obj=owner,
            account_id=owner.account_id,
            new={"recovery_codes": len(codes)},
        )
    return codes


def two_factor_check(*, owner: Owner, device: Device, code: str, by: Actor) -> SecondFactor:
    """The code step of a sign-in or a re-authentication: a code from the app, or one of the
    recovery codes (used up, and audited). Refuses a wrong code (``invalid_code``,
    ``invalid_recovery_code``), and every code after ``FAILURE_LIMIT`` wrong ones
    (``locked``)."""
    key = _failure_key(owner)
    if rate_limit_peek(key=key, window=FAILURE_WINDOW) >= FAILURE_LIMIT:
        raise Refused(
            "locked", _("Too many wrong codes. Wait a moment before you try again."), field="code"
        )
    text = code.strip()
    if text.isdigit():
        step = _code_step(device, text)
        if step is not None and _accept_step(device, step):
            return "totp"
        rate_limit_hit(key=key, limit=FAILURE_LIMIT, window=FAILURE_WINDOW)
        raise Invalid(
            "invalid_code",
            _("This code is not valid. Wait for the next code and try again."),
            field="code",
        )
    with transaction.atomic():
        if recovery_code_use(owner, text):
            audit_record(
                by=by,
                action=f"{_subject(owner)}.recovery_code_use",
                obj=owner,
                account_id=owner.account_id,
            )
            return "recovery_code"
    rate_limit_hit(key=key, limit=FAILURE_LIMIT, window=FAILURE_WINDOW)
    raise Invalid(
        "invalid_recovery_code",
        _("This recovery code is not valid or was already used."),
        field="code",
    )


def _remove(owner: Owner, *, by: Actor, reason: str | None = None) -> None:
    """The owner's devices and recovery codes removed, audited if there was a device. Called
    inside the caller's transaction."""
    deleted, _details = _devices(owner).delete()
    recovery_codes_delete(owner)
    if deleted:
        new: dict[str, object] = {"two_factor": False}
        if reason:
            new["reason"] = reason
        audit_record(
            by=by,
            action=f"{_subject(owner)}.two_factor_disable",
            obj=owner,
            account_id=owner.account_id,
            old={"two_factor": True},
            new=new,
        )


def two_factor_disable(*, owner: Owner, password: str, by: Actor) -> None:
    """Turn two-factor sign-in off, with the owner's current password; refused to whoever must
    use it."""
    if isinstance(owner, Person):
        if owner.is_staff:
            raise Refused(
                "two_factor_required", _("Two-factor sign-in is required for vendor staff.")
            )
        if two_factor_required(owner):
            raise Refused(
                "two_factor_required",
                _("Two-factor sign-in is required for account admins and billing admins."),
            )
        password_ok = owner.check_password(password)
    else:
        password_ok = check_password(password, owner.password)
    if not password_ok:
        raise Invalid(
            "wrong_password", _("Your current password is not correct."), field="password"
        )
    with transaction.atomic():
        _remove(owner, by=by)


def two_factor_reset(*, credential: CorporateCredential, by: Actor) -> None:
    """A new holder of the User ID: the previous holder's app and recovery codes are removed.
    Called inside the billing-contact change's transaction."""
    _remove(credential, by=by, reason="billing_contact_change")
