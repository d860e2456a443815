"""The outbox never loses a message: every failure is recorded and retried with backoff, a
permanent refusal is marked failed for the operator, and nothing waits on the mail server.

The mail server is real: aiosmtpd on 127.0.0.1, down, then up; answering 451 then 250;
answering 550; or a socket that accepts and never answers.
"""

from __future__ import annotations

import random
import smtplib
import socket
import subprocess
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from seatwise.notifications.delivery import (
    BACKOFF_FIRST,
    BACKOFF_MAX,
    CLAIM_TIMEOUT,
    backoff,
    classify,
    due_for_relay,
    email_claim,
    email_deliver,
)
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue
from seatwise.notifications.tasks import outbox_relay_task
from tests.factories import PASSWORD, billing_contact, make_account
from tests.tasks import worker_command, worker_env

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Scripted:
    """aiosmtpd handler: answers DATA with the next scripted reply (then 250), keeps what it
    accepted."""

    def __init__(self, replies: list[str] | None = None) -> None:
        self.replies = list(replies or [])
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.accepted.append(envelope.content)
        return "250 OK"

    def message_ids(self) -> list[str]:
        import email

        return [str(email.message_from_bytes(c)["Message-ID"]) for c in self.accepted]


def point_mailer_at(settings, port: int, timeout: int = 5) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


def start_server(port: int, handler: Scripted) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def queue(person, n: int = 0) -> OutgoingEmail:
    return email_queue(
        kind="password_reset",
        to_address=person.email,
        to_person_id=person.pk,
        language="en",
        context={"person": person, "link": f"http://127.0.0.1:8000/password/set/{n}/"},
    )


def state(email: OutgoingEmail) -> tuple[str, int]:
    email.refresh_from_db()
    return email.status, email.attempts


@pytest.fixture
def person(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return billing_contact(make_account(language="en"))


# --- classification and backoff --------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.test": (550, b"no such user")}), "failed"),
        (smtplib.SMTPRecipientsRefused({"a@x.test": (450, b"mailbox busy")}), "retry"),
        (smtplib.SMTPDataError(554, b"rejected"), "failed"),
        (smtplib.SMTPDataError(451, b"try later"), "retry"),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "b@x.test"), "failed"),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), "retry"),
        (smtplib.SMTPServerDisconnected("gone"), "retry"),
        (ConnectionRefusedError(111, "refused"), "retry"),
        (TimeoutError("timed out"), "retry"),
    ],
)
def test_permanent_and_temporary_failures_are_told_apart(error, verdict):
    assert classify(error) == verdict


def test_backoff_doubles_with_jitter_up_to_an_hour():
    rng = random.Random(7)
    for attempts in range(1, 15):
        full = min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)
        wait = backoff(attempts, rng=rng)
        assert full / 2 <= wait <= full
    assert backoff(1, rng=random.Random(1)) != backoff(1, rng=random.Random(2))


# --- the mail server down, then up ----------------------------------------------------------


@pytest.mark.django_db
def test_smtp_down_is_recorded_and_the_message_sent_once_it_is_up(settings, person):
    port = free_port()
    point_mailer_at(settings, port)
    email = queue(person)

    # Given the mail server is down: the attempt is recorded, the message stays queued
    outcome = email_deliver(email_id=email.pk)
    assert outcome is not None
    assert outcome.verdict == "retry"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == ("queued", 1, None)
    assert email.last_error.startswith("ConnectionRefusedError")
    wait = email.next_attempt_at - timezone.now()
    assert BACKOFF_FIRST / 2 - timedelta(seconds=2) <= wait <= BACKOFF_FIRST
    # Not due yet: no second attempt, nothing to relay
    assert email_deliver(email_id=email.pk) is None
    assert due_for_relay(now=timezone.now()) == []

    # When the server is up and the next attempt is due
    handler = Scripted()
    controller = start_server(port, handler)
    try:
        with time_machine.travel(email.next_attempt_at + timedelta(seconds=1), tick=False):
            assert due_for_relay(now=timezone.now()) == [email.pk]
            outcome = email_deliver(email_id=email.pk)
        # Then it is sent, once
        assert outcome is not None
        assert outcome.verdict == "sent"
        assert state(email) == ("sent", 2)
        assert len(handler.accepted) == 1
        assert handler.message_ids() == [f"<seatwise-{email.pk}@seatwise.test>"]
        assert email_deliver(email_id=email.pk) is None
        assert len(handler.accepted) == 1
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_four_messages_queued_while_smtp_is_down_are_delivered_by_the_worker(
    settings, person, run_worker
):
    port = free_port()
    point_mailer_at(settings, port)
    emails = [queue(person, n) for n in range(4)]
    run_worker()
    assert [state(e) for e in emails] == [("queued", 1)] * 4
    assert all(e.last_error for e in emails)

    handler = Scripted()
    controller = start_server(port, handler)
    try:
        # Time passes: their next attempts are due; the relay (every minute) enqueues them
        OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert outbox_relay_task.call() == 4
        run_worker()
        assert [state(e) for e in emails] == [("sent", 2)] * 4
        assert len(handler.accepted) == 4
        assert outbox_relay_task.call() == 0
    finally:
        controller.stop()


# --- 451, then 250 -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_4xx_reply_is_retried_and_the_message_sent_once(settings, person):
    port = free_port()
    point_mailer_at(settings, port)
    handler = Scripted(["451 4.3.0 Try again later"])
    controller = start_server(port, handler)
    try:
        email = queue(person)
        assert email_deliver(email_id=email.pk).verdict == "retry"
        email.refresh_from_db()
        assert email.status == "queued"
        assert "451" in email.last_error
        with time_machine.travel(email.next_attempt_at, tick=False):
            assert email_deliver(email_id=email.pk).verdict == "sent"
        assert state(email) == ("sent", 2)
        assert len(handler.accepted) == 1
    finally:
        controller.stop()


# --- 550 ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_5xx_reply_fails_at_once_visible_to_the_operator_who_can_retry(settings, person):
    port = free_port()
    point_mailer_at(settings, port)
    handler = Scripted(["550 5.1.1 No such user here"])
    controller = start_server(port, handler)
    try:
        email = queue(person)
        assert email_deliver(email_id=email.pk).verdict == "failed"
        email.refresh_from_db()
        assert (email.status, email.attempts, email.sent_at) == ("failed", 1, None)
        assert email.failed_at is not None
        assert "550" in email.last_error
        assert due_for_relay(now=timezone.now() + timedelta(days=1)) == []

        out = StringIO()
        call_command("outbox", "--failed", stdout=out)
        assert str(email.pk) in out.getvalue()
        assert "550 5.1.1 No such user here" in out.getvalue()

        out = StringIO()
        call_command("outbox", "--retry", str(email.pk), stdout=out)
        assert out.getvalue().strip() == "1 e-mail(s) queued again."
        assert state(email) == ("queued", 0)
        assert email_deliver(email_id=email.pk).verdict == "sent"
        assert len(handler.accepted) == 1
    finally:
        controller.stop()


@pytest.mark.django_db
def test_the_last_attempt_marks_the_message_failed(settings, person):
    settings.SEATWISE_EMAIL_MAX_ATTEMPTS = 2
    point_mailer_at(settings, free_port())
    email = queue(person)
    assert email_deliver(email_id=email.pk).verdict == "retry"
    email.refresh_from_db()
    with time_machine.travel(email.next_attempt_at, tick=False):
        assert email_deliver(email_id=email.pk).verdict == "retry"
    assert state(email) == ("failed", 2)


# --- a worker killed between send and record ------------------------------------------------


@pytest.mark.django_db
def test_an_attempt_whose_worker_died_is_taken_over_with_the_same_message_id(settings, person):
    port = free_port()
    point_mailer_at(settings, port)
    handler = Scripted()
    controller = start_server(port, handler)
    try:
        email = queue(person)
        # A worker claims the message, sends it, and dies before recording
        claimed = email_claim(email_id=email.pk, now=timezone.now())
        assert claimed is not None
        from seatwise.notifications.delivery import _message

        _message(claimed).send()
        assert state(email) == ("sending", 1)
        # Nobody else takes it while the claim lasts
        assert email_deliver(email_id=email.pk) is None
        assert due_for_relay(now=timezone.now()) == []
        # Once the claim has expired, the relay has it sent again: the one possible copy
        later = timezone.now() + CLAIM_TIMEOUT + timedelta(seconds=1)
        with time_machine.travel(later, tick=False):
            assert due_for_relay(now=timezone.now()) == [email.pk]
            assert email_deliver(email_id=email.pk).verdict == "sent"
        assert state(email) == ("sent", 2)
        ids = handler.message_ids()
        assert ids == [f"<seatwise-{email.pk}@seatwise.test>"] * 2
    finally:
        controller.stop()


@pytest.mark.django_db
def test_a_late_record_of_a_taken_over_attempt_changes_nothing(settings, person):
    from seatwise.notifications.delivery import Outcome, _record

    email = queue(person)
    first = email_claim(email_id=email.pk, now=timezone.now())
    later = timezone.now() + CLAIM_TIMEOUT + timedelta(seconds=1)
    second = email_claim(email_id=email.pk, now=later)
    assert first is not None
    assert second is not None
    assert _record(first, Outcome("retry", "late"), now=later) is False
    assert _record(second, Outcome("sent"), now=later) is True
    assert state(email) == ("sent", 2)


# --- a stalled server: nobody waits ---------------------------------------------------------


class Stalled:
    """A server that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.connected = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connected.set()

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_succeeds_while_the_worker_waits_on_a_stalled_server(client, settings, person):
    stalled = Stalled()
    point_mailer_at(settings, stalled.port, timeout=15)
    email = queue(person)
    worker = subprocess.Popen(worker_command(), cwd=ROOT, env=worker_env())
    try:
        # Given the worker is talking to a server that does not answer
        assert stalled.connected.wait(30)
        # When someone signs in meanwhile
        started = time.monotonic()
        response = client.post("/signin/", {"email": person.email, "password": PASSWORD})
        # Then the sign-in succeeds while the worker still waits
        assert response.status_code == 302
        assert worker.poll() is None
        assert time.monotonic() - started < 10
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
        stalled.close()
    # And the attempt ended in a recorded timeout, to be tried again
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 1)
    assert "timed out" in email.last_error.lower()
