from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person
from tests.factories import PASSWORD
from tests.step_up import stepped_up


def totp_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def make_agent(email: str = "helen.porter@seatwise.test") -> Person:
    return Person.objects.create_user(
        email, PASSWORD, first_name="Helen", last_name="Porter", is_staff=True
    )


def sign_in_with_two_factors(client: Client, agent: Person) -> TOTPDevice:
    """The agent signed in with password and code, as the sign-in page would do it."""
    device = TOTPDevice.objects.filter(user=agent, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=agent, name="Seatwise", confirmed=True)
    client.force_login(agent)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    # A sign-in counts as a step-up re-authentication (seatwise.portals.step_up).
    stepped_up(client, agent.pk)
    return device


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
