from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server tests need this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The modules whose tests wait longest (real workers, schedulers, browsers, the million-account
# build; from `pytest --durations`), longest first. They run first, so that with several
# processes (pytest-xdist) the rest of the suite fills the time around them, instead of one
# process finishing them alone at the end.
SLOW_MODULES = (
    "tests/support/test_scale.py",
    "tests/ordering/test_crash.py",
    "tests/test_schedule.py",
    "tests/browser/test_article_003.py",
    "tests/articles/test_email_the_billing_admin.py",
    "tests/ordering/test_concurrency.py",
    "tests/corporate/test_add_seats.py",
    "tests/test_scale_out.py",
    "tests/notifications/test_outbox.py",
    "tests/api/test_schemathesis.py",
    "tests/invoicing/test_numbering.py",
    "tests/notifications/test_delivery.py",
    "tests/browser/test_article_001_online.py",
    "tests/test_operations.py",
)
# Modules whose tests all run in one process: a module-scoped fixture of theirs is too dear to
# build twice (test_scale's million accounts).
ONE_PROCESS_MODULES = frozenset({"tests/support/test_scale.py"})


def pytest_collection_modifyitems(config, items):
    """The slow modules first (each kept whole and in its own order), then the rest as
    collected."""
    rank = {path: n for n, path in enumerate(SLOW_MODULES)}
    last = len(SLOW_MODULES)
    # sort is stable: within a module, and among the other modules, the collected order stays.
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], last))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown without it (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """With ``-n`` (pytest-xdist's default ``--dist load``): each test goes to the next free
    process, in the order above, but a module of ONE_PROCESS_MODULES goes whole to one.

    (``--dist load`` sends long runs of consecutive tests, which would give all the slow
    modules to the first process; ``--dist loadgroup``'s ``xdist_group`` mark does not group
    under pytest 9.)
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SlowFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_PROCESS_MODULES else nodeid

    return SlowFirst(config, log)


@pytest.fixture(autouse=True)
def _rate_limit_leases_forgotten():
    """Every test starts without the rate-limit leases (``core.ratelimit``) this process took
    in an earlier test, whose counters were rolled back with its database."""
    from seatwise.core.ratelimit import rate_limit_leases_forget

    rate_limit_leases_forget()


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and a copy of the rows their migrations wrote (the
    content types and permissions, the catalog, the EU VAT rates), taken before any test or
    module world writes."""
    from tests.worlds import rows_take

    with django_db_blocker.unblock():
        _MIGRATED_ROWS[:] = [table for table in rows_take() if table.rows]


# The rows the migrations wrote, as django_db_setup found them (tests.worlds.rows_take), on
# the default database.
_MIGRATED_ROWS: list = []


def _flush_to_the_migrated_rows(self) -> None:
    """The end of a transactional test (``TransactionTestCase._fixture_teardown``): every
    table emptied and the migrations' rows put back as they were, with their ids, in one
    transaction. (Django's flush truncates every table, which costs PostgreSQL new files for
    each, and then runs the post_migrate handlers, which recreate the content types and
    permissions with new ids and not the data migrations' rows: the next test would start
    from another database than the first one did.)"""
    from django.db import connections

    from tests.worlds import rows_restore

    for alias in self._databases_names(include_mirrors=False):
        rows_restore(_MIGRATED_ROWS if alias == "default" else [], using=connections[alias])


def _force_login(self, user, backend=None) -> None:
    """``Client.force_login`` in one INSERT: the session ``django.contrib.auth.login`` and the
    sign-in page leave (the user, the backend, the auth hash, the sign-in's time; the data of
    an anonymous session kept, under a new key), without the side effects of signing in, which
    the sign-in tests get from the sign-in pages themselves (``last_login``, django-axes'
    access log and reset, a new CSRF secret). Django's own takes four writes and the signal
    handlers: a tenth of a page request."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.http import HttpRequest

    from seatwise.sessions.data import session_signed_in

    backend = backend or self._get_backend()
    user.backend = backend
    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookie = self.cookies.get(settings.SESSION_COOKIE_NAME)
    kept = dict(store(cookie.value).items()) if cookie else {}
    signed_in_before = kept.get(SESSION_KEY)
    if signed_in_before is not None and signed_in_before != user._meta.pk.value_to_string(user):
        kept = {}  # another person's session: login() flushes it
    request = HttpRequest()
    request.session = store()
    request.session.update(kept)
    request.session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    request.session[BACKEND_SESSION_KEY] = backend
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # The sign-in's stamp, as the sign-in page leaves it (the test client's address).
    session_signed_in(request.session, user_agent="", client="127.0.0.1")
    request.session.save(must_create=True)
    self._set_login_cookies(request)


@pytest.fixture(scope="session", autouse=True)
def _signing_in_in_one_write():
    """Every test client's ``force_login`` is ``_force_login``."""
    from django.test import Client

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", _force_login)
        yield


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_end_with_the_migrated_rows():
    """Every test starts from the database the migrations made: a transactional test leaves
    it so (``_flush_to_the_migrated_rows``), the others are rolled back."""
    from django.test import TransactionTestCase

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", _flush_to_the_migrated_rows)
        yield
