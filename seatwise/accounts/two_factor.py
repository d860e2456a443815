"""Two-factor sign-in (TOTP, django-otp) for the people who administer an account.

A device is created unconfirmed, shown to the person as a QR code, and confirmed by the first
code it produces; only confirmed devices are asked for at sign-in. Confirming it makes ten
one-time recovery codes (``accounts.recovery_codes``), accepted at the code step instead of a
code from the app.

Who must use it: vendor staff always; account admins and billing admins when the vendor's
``SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS`` says so (docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person
from seatwise.accounts.recovery_codes import (
    recovery_code_use,
    recovery_codes_delete,
    recovery_codes_replace,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused


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


def two_factor_confirmed_device(person: Person) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=person, confirmed=True).order_by("-pk").first()


def two_factor_device(person: Person) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=person).order_by("-pk").first()


def two_factor_begin(*, person: Person, by: Actor) -> TOTPDevice:
    """Start setting up an authenticator app: a fresh, unconfirmed device."""
    if not may_use_two_factor(person):
        raise Refused(
            "two_factor_not_available",
            _("Two-factor sign-in is available to account admins and billing admins."),
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
        if TOTPDevice.objects.filter(user=person, confirmed=True).exists():
            raise Refused("two_factor_active", _("Two-factor sign-in is already on."))
        return TOTPDevice.objects.create(user=person, name="Seatwise", confirmed=False)


@dataclass(frozen=True, slots=True)
class Enrolled:
    """A confirmed device, with the recovery codes made for it (shown once)."""

    device: TOTPDevice
    recovery_codes: list[str]


def two_factor_confirm(*, person: Person, code: str, by: Actor) -> Enrolled:
    device = TOTPDevice.objects.filter(user=person, confirmed=False).order_by("-pk").first()
    if device is None:
        raise Refused("two_factor_not_started", _("Start the set-up again."))
    if not device.verify_token(code.strip()):
        raise Invalid(
            "invalid_code", _("This code is not valid. Check your app and try again."), field="code"
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(person)
        audit_record(
            by=by,
            action="person.two_factor_enable",
            obj=person,
            account_id=person.account_id,
            new={"two_factor": True, "recovery_codes": len(codes)},
        )
    return Enrolled(device=device, recovery_codes=codes)


def recovery_codes_regenerate(*, person: Person, by: Actor) -> list[str]:
    """New recovery codes for a person with two-factor sign-in on; the earlier ones stop
    working."""
    if two_factor_confirmed_device(person) is None:
        raise Refused("two_factor_off", _("Two-factor sign-in is off."))
    with transaction.atomic():
        codes = recovery_codes_replace(person)
        audit_record(
            by=by,
            action="person.recovery_codes_regenerate",
            obj=person,
            account_id=person.account_id,
            new={"recovery_codes": len(codes)},
        )
    return codes


SecondFactor = Literal["totp", "recovery_code"]


def two_factor_check(*, person: Person, device: TOTPDevice, code: str) -> SecondFactor:
    """The code step of a sign-in: a code from the app, or one of the recovery codes (used up,
    and audited). Refuses a wrong code (``invalid_code``, ``invalid_recovery_code``) and, while
    django-otp's throttle holds the device after wrong ones, every code (``locked``)."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise Refused(
            "locked", _("Too many wrong codes. Wait a moment before you try again."), field="code"
        )
    text = code.strip()
    if text.isdigit():
        if device.verify_token(text):  # counts a wrong code in the device's throttle
            return "totp"
        raise Invalid(
            "invalid_code",
            _("This code is not valid. Wait for the next code and try again."),
            field="code",
        )
    with transaction.atomic():
        if recovery_code_use(person, text):
            audit_record(
                by=Actor.for_person(person),
                action="person.recovery_code_use",
                obj=person,
                account_id=person.account_id,
            )
            return "recovery_code"
    device.throttle_increment()
    raise Invalid(
        "invalid_recovery_code",
        _("This recovery code is not valid or was already used."),
        field="code",
    )


def two_factor_disable(*, person: Person, password: str, by: Actor) -> None:
    if person.is_staff:
        raise Refused("two_factor_required", _("Two-factor sign-in is required for vendor staff."))
    if two_factor_required(person):
        raise Refused(
            "two_factor_required",
            _("Two-factor sign-in is required for account admins and billing admins."),
        )
    if not person.check_password(password):
        raise Invalid(
            "wrong_password", _("Your current password is not correct."), field="password"
        )
    with transaction.atomic():
        deleted, _details = TOTPDevice.objects.filter(user=person).delete()
        recovery_codes_delete(person)
        if deleted:
            audit_record(
                by=by,
                action="person.two_factor_disable",
                obj=person,
                account_id=person.account_id,
                old={"two_factor": True},
                new={"two_factor": False},
            )
