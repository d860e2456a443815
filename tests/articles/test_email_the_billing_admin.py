"""Articles 000, 002, 004 › Admin Center › Add licenses › **Email the billing admin**: the button
really sends one e-mail, through the real task worker, to a real SMTP server (aiosmtpd). It
reaches the billing admin in the billing admin's language, with the requester's note, and
replies go to the requester. A few per hour: the next one is refused politely, in the
requester's language, and nothing more is sent.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from seatwise.accounts.contact_requests import REQUESTS_PER_HOUR
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from tests.articles.articles import ui
from tests.factories import billing_contact, make_account, make_person

# Transactional: the real worker process reads what the requests committed.
pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_URL = "/admin-center/add-licenses/email/"
SENT_URL = "/admin-center/add-licenses/email/sent/"
NOTE = "Bitte 3 Sitze GoToAssist Remote Support v5 für <Team Süd> & Lager.\nDanke!"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account():
    # A German online account: its billing admin (the billing contact) speaks German.
    return make_account(language="de", name="Kessler Feinmechanik GmbH")


@pytest.fixture
def billing_admin(account):
    return billing_contact(account)


@pytest.fixture
def requester(account):
    """An account admin who is not the billing admin, and who speaks Italian."""
    return make_person(account, admin=True, language="it")


def test_one_message_to_the_billing_admin_in_their_language_then_the_limit(
    client, smtp_server, run_worker, billing_admin, requester
):
    assert billing_admin.language == "de"
    client.force_login(requester)

    response = client.post(EMAIL_URL, {"note": NOTE})

    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    assert smtp_server.messages == []  # sent by the worker, not by the request
    run_worker()

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [billing_admin.email]
    assert message["To"] == billing_admin.email
    assert message["Reply-To"] == requester.email
    subject = ui("de", "%(name)s asks for product or license changes", name=requester.full_name)
    assert subject != f"{requester.full_name} asks for product or license changes", (
        "the subject is not translated into German"
    )
    assert message["Subject"] == subject
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(ui("de", "Hello %(name)s,", name=billing_admin.first_name))
    assert NOTE in text
    assert requester.email in text
    body_html = message.get_body(("html",)).get_content()
    assert html.escape(NOTE, quote=False).split("\n")[0] in body_html
    assert "<Team Süd>" not in body_html  # the note is text, never markup

    # The confirmation names the recipient.
    page = html.unescape(client.get(SENT_URL).content.decode())
    assert (
        ui(
            "it",
            "Your message was sent to %(name)s (%(email)s).",
            name=billing_admin.full_name,
            email=billing_admin.email,
        )
        in page
    )

    # The next ones within the hour: up to the limit they go; the one after is refused.
    for n in range(2, REQUESTS_PER_HOUR + 1):
        response = client.post(EMAIL_URL, {"note": f"Nachfrage {n}"})
        assert response.status_code == 302, n
    emails, audit = OutgoingEmail.objects.count(), AuditEntry.objects.count()

    refused = client.post(EMAIL_URL, {"note": "Noch einmal"})

    assert refused.status_code == 200
    refusal_msgid = (
        "You can e-mail the billing admin at most %(count)d times an hour, and you have reached "
        "that limit. Please wait for their answer, or try again later."
    )
    refusal = ui("it", refusal_msgid, count=REQUESTS_PER_HOUR)
    assert refusal != ui("en", refusal_msgid, count=REQUESTS_PER_HOUR), "not in Italian"
    page = html.unescape(refused.content.decode())
    assert refusal in page
    assert 'role="alert"' in page
    assert "Noch einmal" in page  # the note is kept in the form, not lost
    assert (OutgoingEmail.objects.count(), AuditEntry.objects.count()) == (emails, audit)

    run_worker()
    assert len(smtp_server.messages) == REQUESTS_PER_HOUR
    assert all(r == [billing_admin.email] for r, _ in smtp_server.messages)
    assert not any(
        "Noch einmal" in m.get_body(("plain",)).get_content() for _, m in smtp_server.messages
    )

    # An hour after the first, the requester may ask again (signed in again: an hour without
    # a request in the Admin Center ended the sign-in).
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        client.force_login(requester)
        assert client.post(EMAIL_URL, {"note": "Eine Stunde später"}).status_code == 302
    run_worker()
    assert len(smtp_server.messages) == REQUESTS_PER_HOUR + 1
