from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server tests need this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def system_actor():
    from tests.factories import SYSTEM

    return SYSTEM


class _Collector:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Seatwise's mailer is pointed at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def run_worker():
    """Run the real task worker (``manage.py db_worker``, or ``rqworker`` with the Redis
    backend) as a separate process, on the test database, until the queue is empty. Use with
    ``django_db(transaction=True)``: the worker only sees committed rows. E-mail goes to the
    test's SMTP server when it uses one."""
    import subprocess
    from pathlib import Path

    from tests.tasks import worker_command, worker_env

    def run() -> None:
        subprocess.run(
            worker_command(),
            cwd=Path(__file__).resolve().parent.parent,
            env=worker_env(),
            check=True,
            timeout=120,
        )

    return run


@pytest.fixture(autouse=True)
def _empty_task_queues():
    """With the Redis backend, each test starts with empty queues: a job left by an earlier
    test would point at rows of its (flushed) database."""
    from django.conf import settings

    if settings.SEATWISE_TASK_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").flushdb()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Requests leave their language active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
