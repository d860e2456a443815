"""Two-factor sign-in (TOTP, django-otp) for the people who administer an account.

A device is created unconfirmed, shown to the person as a QR code, and confirmed by the first
code it produces; only confirmed devices are asked for at sign-in.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused


def may_use_two_factor(person: Person) -> bool:
    return person.is_account_admin or person.is_billing_contact or person.is_staff


def two_factor_required(person: Person) -> bool:
    """Vendor staff must sign in with two factors: the support console can hand an account's
    billing to someone else. They cannot turn it off."""
    return person.is_staff


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


def two_factor_confirm(*, person: Person, code: str, by: Actor) -> TOTPDevice:
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
        audit_record(
            by=by,
            action="person.two_factor_enable",
            obj=person,
            account_id=person.account_id,
            new={"two_factor": True},
        )
    return device


def two_factor_disable(*, person: Person, password: str, by: Actor) -> None:
    if two_factor_required(person):
        raise Refused("two_factor_required", _("Two-factor sign-in is required for vendor staff."))
    if not person.check_password(password):
        raise Invalid(
            "wrong_password", _("Your current password is not correct."), field="password"
        )
    with transaction.atomic():
        deleted, _details = TOTPDevice.objects.filter(user=person).delete()
        if deleted:
            audit_record(
                by=by,
                action="person.two_factor_disable",
                obj=person,
                account_id=person.account_id,
                old={"two_factor": True},
                new={"two_factor": False},
            )
