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


def _seatwise_rows(serialized: str) -> dict[str, str]:
    """The rows of Seatwise's own apps, by app label. Content types and permissions are left
    out: the flush at the end of a transactional test recreates them (post_migrate) with new
    ids."""
    import json

    from django.apps import apps

    labels = {c.label for c in apps.get_app_configs() if c.name.startswith("seatwise.")}
    grouped: dict[str, list[object]] = {}
    for row in json.loads(serialized):
        label = row["model"].split(".")[0]
        if label in labels:
            grouped.setdefault(label, []).append(row)
    return {label: json.dumps(rows) for label, rows in grouped.items()}


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker) -> dict[str, dict[str, str]]:
    """The rows the migrations wrote (the default catalog, the EU VAT rates), by database
    alias and app, as Django's test runner serialized them when it created the test
    databases, or as they are before the first test of this process."""
    from django.db import connections

    with django_db_blocker.unblock():
        return {
            connection.alias: _seatwise_rows(
                getattr(connection, "_test_serialized_contents", None)
                or connection.creation.serialize_db_to_string()
            )
            for connection in connections.all()
        }


def migrated_data_load(data: dict[str, dict[str, str]]) -> None:
    """Put back the migrations' rows that are gone, with their own ids: the catalog when no
    plan is left, the VAT rates when no rate is left, the rest of them after a flush (both
    gone). A group still there is left alone (a test may have loaded it again itself)."""
    from django.db import connections

    from seatwise.catalog.models import Plan
    from seatwise.tax.models import VatRate

    catalog_gone = not Plan.objects.exists()
    rates_gone = not VatRate.objects.exists()
    for alias, by_label in data.items():
        for label, contents in by_label.items():
            wanted = (
                catalog_gone
                if label == "catalog"
                else rates_gone
                if label == "tax"
                else catalog_gone and rates_gone
            )
            if wanted:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Every database test starts with the rows the migrations wrote. A transactional test
    ends by emptying every table, so a later test in the same process would otherwise depend
    on where the scheduler put it; what is gone is put back, with its ids."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db")
    )
    if not uses_db:
        return
    data = request.getfixturevalue("migrated_data")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        migrated_data_load(data)
