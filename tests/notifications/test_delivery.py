from __future__ import annotations

import pytest

from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue
from tests.factories import billing_contact, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def queue(person, **extra):
    return email_queue(
        kind="password_reset",
        to_address=person.email,
        to_person_id=person.pk,
        language=person.language,
        context={"person": person, "link": "http://127.0.0.1:8000/password/set/x/y/"},
        **extra,
    )


def test_queued_email_is_delivered_to_a_real_smtp_server_once(smtp_server, run_worker):
    person = billing_contact(make_account(language="en"))
    email = queue(person, reply_to="someone@example.com")

    run_worker()
    run_worker()  # a second run finds nothing left to send

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [person.email]
    assert message["Subject"] == "Set a new Seatwise password"
    assert message["Reply-To"] == "someone@example.com"
    assert message.get_body(("plain",)).get_content().startswith("Hello Bill,")
    assert "http://127.0.0.1:8000/password/set/x/y/" in message.get_body(("html",)).get_content()
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1


def test_dedupe_key_queues_one_email(smtp_server, run_worker):
    person = billing_contact(make_account())

    first = queue(person, dedupe_key="order:1:confirmation")
    second = queue(person, dedupe_key="order:1:confirmation")

    assert first.pk == second.pk
    run_worker()
    assert len(smtp_server.messages) == 1
    assert OutgoingEmail.objects.count() == 1


def test_delivery_of_a_sent_email_is_a_no_op(smtp_server):
    from seatwise.notifications.tasks import deliver_email

    person = billing_contact(make_account())
    email = queue(person)
    deliver_email.call(email_id=email.pk)
    deliver_email.call(email_id=email.pk)

    assert len(smtp_server.messages) == 1
