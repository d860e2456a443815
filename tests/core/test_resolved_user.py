"""``request.user`` is the user itself behind ``core.middleware.ResolvedUserMiddleware``, not
the lazy proxies of Django's authentication and django-otp, and it still carries what
django-otp sets on it: the device of a session that passed the code step, and
``is_verified``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from seatwise.accounts.models import Person
from tests.factories import make_account, make_person
from tests.support_console.conftest import make_agent, sign_in_with_two_factors

pytestmark = pytest.mark.django_db


def _signed_in() -> tuple[Person, Client]:
    """An account admin of an online account, and a client signed in as them."""
    person = make_person(make_account(kind="online", language="de"), admin=True)
    client = Client()
    client.force_login(person)
    return person, client


def test_a_signed_in_person_is_the_person_itself_not_yet_verified():
    person, client = _signed_in()

    response = client.get("/my-account/")

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is Person
    assert user.pk == person.pk
    assert user.otp_device is None
    assert user.is_verified() is False


def test_a_session_that_passed_the_code_step_keeps_its_device_and_is_verified():
    agent = make_agent()
    client = Client()
    device = sign_in_with_two_factors(client, agent)

    response = client.get("/support/")

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is Person
    assert user.otp_device == device
    assert user.is_verified() is True


def test_a_visitor_is_the_anonymous_user_itself():
    response = Client().get("/help/")

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is AnonymousUser
    assert user.is_verified() is False


def test_signing_out_replaces_the_resolved_person():
    _person, client = _signed_in()

    response = client.post("/signout/")

    assert response.status_code == 302
    assert type(response.wsgi_request.user) is AnonymousUser
    assert client.get("/my-account/").status_code == 302
