"""Givens of the step-up re-authentication and the two-factor policy, for the test client: a
session that re-authenticated (``portals.step_up``) some time ago, and a session that passed
the TOTP code step (django-otp) with a confirmed device."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person
from seatwise.portals.step_up import SESSION_KEY


def stepped_up(client, owner_id: int, *, area: str = "person", ago: float = 0) -> None:
    """The client's session re-authenticated ``ago`` seconds ago, as ``owner_id`` (a person's
    id, or a corporate credential's with ``area="corporate"``)."""
    session = client.session
    records = dict(session.get(SESSION_KEY) or {})
    records[area] = {"owner": owner_id, "at": time.time() - ago}
    session[SESSION_KEY] = records
    session.save()


def step_up_age(client, seconds: float, *, area: str = "person") -> None:
    """Move the session's re-authentication ``seconds`` back in time (no sleeping)."""
    session = client.session
    records = dict(session[SESSION_KEY])
    records[area] = {**records[area], "at": records[area]["at"] - seconds}
    session[SESSION_KEY] = records
    session.save()


def confirmed_device(person: Person) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=person, name="Seatwise", confirmed=True)


def otp_verified(client, device: TOTPDevice) -> None:
    """The client's session passed the code step with ``device`` (as django_otp.login)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def code_of(key: bytes, *, steps_ahead: int = 0) -> str:
    """The TOTP code of ``key`` now (or ``steps_ahead`` 30-second steps later)."""
    return f"{totp(key, drift=steps_ahead):06d}"


def sign_in_as(client, person: Person) -> None:
    """``person`` signed in as the sign-in page leaves them: a fresh step-up, and for whoever
    must use two factors (vendor staff) a session that passed the code step."""
    client.force_login(person)
    if person.is_staff:
        otp_verified(client, confirmed_device(person))
    stepped_up(client, person.pk)
