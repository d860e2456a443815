"""Running Seatwise for real: production starts refuse a demo's parts, the security settings
behind HTTPS, /readyz, the janitor of tasks a killed worker left, and the pruning of results."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import checks
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string
from whitenoise.storage import CompressedManifestStaticFilesStorage

from seatwise.core.checks import production_integrations

ROOT = Path(__file__).resolve().parent.parent


def production_env(**env: str) -> dict[str, str]:
    """The environment of a process with the production settings and nothing of the tests'
    (no SEATWISE_* variable but the var directory, no async-unsafe flag)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SEATWISE_")
        and key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment["SEATWISE_VAR_DIR"] = os.environ.get("SEATWISE_VAR_DIR", "/tmp")
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return {**environment, **env}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- production starts ------------------------------------------------------------------------


# Bank details of a real installation (not the demo's).
REAL_BANK = {
    "SEATWISE_SELLER_IBAN": "DE02120300000000202051",
    "SEATWISE_SELLER_BIC": "BYLADEM1001",
    "SEATWISE_SELLER_REMITTANCE_ADDRESS": "Example Software GmbH|Postfach 1|10001 Berlin",
    "SEATWISE_SELLER_SEPA_CREDITOR_ID": "DE02ZZZ01234567890",
}


def ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [message.id or "" for message in messages]


def test_a_production_start_refuses_the_test_gateway_the_demo_seller_and_the_file_outbox():
    with override_settings(DEBUG=False, SEATWISE_DEMO=False):
        assert ids(production_integrations()) == [
            "seatwise.E001",
            "seatwise.E002",
            "seatwise.E005",
            "seatwise.E003",
        ]


def test_a_production_start_names_each_demo_bank_detail_left(settings):
    settings.DEBUG = False
    settings.SEATWISE_DEMO = False
    settings.SEATWISE_SELLER = {**settings.SEATWISE_SELLER, "iban": "DE02120300000000202051"}
    settings.SEATWISE_SELLER_SEPA_CREDITOR_ID = "DE02ZZZ01234567890"
    [bank] = [message for message in production_integrations() if message.id == "seatwise.E005"]
    assert bank.hint.startswith("Set SEATWISE_SELLER_BIC, SEATWISE_SELLER_REMITTANCE_ADDRESS. ")
    settings.SEATWISE_SELLER_BIC = "BYLADEM1001"
    settings.SEATWISE_SELLER_REMITTANCE_ADDRESS = "Acme GmbH|Postfach 1|10001 Berlin"
    assert "seatwise.E005" not in ids(production_integrations())


def test_a_demo_installation_or_debug_allows_them():
    with override_settings(DEBUG=False, SEATWISE_DEMO=True):
        assert production_integrations() == []
    with override_settings(DEBUG=True, SEATWISE_DEMO=False):
        assert production_integrations() == []


def test_real_integrations_pass(settings):
    settings.DEBUG = False
    settings.SEATWISE_DEMO = False
    settings.SEATWISE_PAYMENT_GATEWAY = "some_vendor.Gateway"
    settings.SEATWISE_SELLER = {
        **settings.SEATWISE_SELLER,
        "name": "Acme",
        "vat_id": "DE1",
        "iban": "DE02120300000000202051",
    }
    settings.SEATWISE_SELLER_BIC = "BYLADEM1001"
    settings.SEATWISE_SELLER_REMITTANCE_ADDRESS = "Acme GmbH|Postfach 1|10001 Berlin"
    settings.SEATWISE_SELLER_SEPA_CREDITOR_ID = "DE02ZZZ01234567890"
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}
    }
    assert production_integrations() == []


def test_a_worker_does_not_start_in_production_with_the_demo_parts():
    result = _manage("check")
    assert result.returncode == 1
    for code in ("seatwise.E001", "seatwise.E002", "seatwise.E003"):
        assert code in result.stderr


def test_the_web_server_application_does_not_load_either():
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "ImproperlyConfigured" in result.stderr
    assert "seatwise.E001" in result.stderr


def test_check_deploy_in_production_mode_prints_no_warning():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SEATWISE_HTTPS="true",
        SEATWISE_SECRET_KEY="Vq3-a-long-random-production-secret-key-with-many-characters-9x",
        SEATWISE_ALLOWED_HOSTS="billing.example.com",
        SEATWISE_PAYMENT_GATEWAY="vendor_gateway.Gateway",
        SEATWISE_SELLER_NAME="Example Software GmbH",
        SEATWISE_SELLER_VAT_ID="DE811907980",
        **REAL_BANK,
        SEATWISE_SMTP_HOST="smtp.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_in_production_needs_no_https_setting_either():
    """HTTPS (secure cookies, HSTS, the redirect) is the production default: a production
    installation that says nothing about it passes ``check --deploy`` all the same."""
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SEATWISE_SECRET_KEY="Vq3-a-long-random-production-secret-key-with-many-characters-9x",
        SEATWISE_ALLOWED_HOSTS="billing.example.com",
        SEATWISE_PAYMENT_GATEWAY="vendor_gateway.Gateway",
        SEATWISE_SELLER_NAME="Example Software GmbH",
        SEATWISE_SELLER_VAT_ID="DE811907980",
        **REAL_BANK,
        SEATWISE_SMTP_HOST="smtp.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


HTTPS_SETTINGS = (
    "SEATWISE_HTTPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)
YEAR = 365 * 24 * 3600
ON = {
    "SEATWISE_HTTPS": True,
    "SECURE_HSTS_SECONDS": YEAR,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}
# Django's defaults: nothing of HTTPS.
OFF = {
    "SEATWISE_HTTPS": False,
    "SECURE_HSTS_SECONDS": 0,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURE_HSTS_PRELOAD": False,
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # Production: neither debugging nor a demo
        ({}, ON),
        # `make run`: a demo on plain HTTP; debugging on a developer's machine
        ({"SEATWISE_DEMO": "true"}, OFF),
        ({"SEATWISE_DEBUG": "true"}, OFF),
        # A demo behind a TLS proxy says so
        ({"SEATWISE_DEMO": "true", "SEATWISE_HTTPS": "true"}, ON),
        # A production installation on plain HTTP says so (and check --deploy warns)
        ({"SEATWISE_HTTPS": "false"}, OFF),
        # HSTS tuned: a shorter time first, not preloaded, not for the subdomains
        (
            {
                "SEATWISE_HSTS_SECONDS": "600",
                "SEATWISE_HSTS_PRELOAD": "false",
                "SEATWISE_HSTS_INCLUDE_SUBDOMAINS": "false",
            },
            {
                **ON,
                "SECURE_HSTS_SECONDS": 600,
                "SECURE_HSTS_PRELOAD": False,
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
            },
        ),
    ],
)
def test_https_and_hsts_are_on_by_default_in_production_only(env, expected):
    """The settings as each kind of installation computes them from its environment."""
    script = (
        "import json; from django.conf import global_settings as d; import config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, getattr(d, n, None)) for n in {HTTPS_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_production_settings_hash_passwords_with_argon2_and_hash_static_files():
    production = importlib.import_module("config.settings")
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    backend = import_string(production.STORAGES["staticfiles"]["BACKEND"])
    assert issubclass(backend, CompressedManifestStaticFilesStorage)


def test_collectstatic_writes_compressed_files_with_hashed_names(tmp_path):
    result = _manage(
        "collectstatic", "--noinput", "--skip-checks", "-v0", SEATWISE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    static = tmp_path / "static"
    css = sorted(p.name for p in (static / "css").iterdir() if p.name.startswith("seatwise."))
    hashed = [name for name in css if name.count(".") == 2 and name.endswith(".css")]
    assert len(hashed) == 1
    assert f"{hashed[0]}.gz" in css
    assert (static / "staticfiles.json").exists()


# --- /readyz ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_reports_the_database_the_worker_and_the_outbox(client, settings):
    from seatwise.core.housekeeping import heartbeat_task
    from seatwise.notifications.models import OutgoingEmail

    # No worker has run yet: degraded, still serving
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True}
    assert body["worker"] == {"ok": False, "last_seen_seconds": None}
    assert body["outbox"] == {"ok": True, "oldest_unsent_seconds": None, "failed": False}

    # A worker runs the heartbeat: ok
    heartbeat_task.call()
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["worker"]["ok"] is True
    assert 0 <= body["worker"]["last_seen_seconds"] <= 2

    # An e-mail waiting for 11 minutes: degraded, with its age
    OutgoingEmail.objects.create(
        kind="x",
        to_address="a@example.com",
        language="en",
        subject="s",
        body_text="t",
        created_at=timezone.now() - timedelta(minutes=11),
    )
    heartbeat_task.call()
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["outbox"]["ok"] is False
    assert 660 <= body["outbox"]["oldest_unsent_seconds"] <= 662

    # The worker silent for 4 minutes
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert client.get("/readyz").json()["worker"]["ok"] is False
    if settings.SEATWISE_TASK_BACKEND == "rq":
        assert body["broker"] == {"ok": True}


# --- tasks left running, results pruned ---------------------------------------------------


@pytest.mark.django_db
def test_the_janitor_queues_again_a_task_left_running_by_a_killed_worker(settings):
    if settings.SEATWISE_TASK_BACKEND != "database":
        pytest.skip("RQ retries abandoned jobs itself (tests/test_scale_out.py)")
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from seatwise.core.housekeeping import tasks_janitor_task
    from seatwise.payments.tasks import reconcile_charges_task

    stale = DBTaskResult.objects.get(id=reconcile_charges_task.enqueue().id)
    stale.claim("killed-worker")
    fresh = DBTaskResult.objects.get(id=reconcile_charges_task.enqueue().id)
    fresh.claim("busy-worker")
    DBTaskResult.objects.filter(pk=stale.pk).update(
        started_at=timezone.now() - timedelta(minutes=31)
    )

    assert tasks_janitor_task.call() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.started_at) == (TaskResultStatus.READY, None)
    assert fresh.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()


@pytest.mark.django_db
def test_finished_results_and_scheduler_records_are_pruned(settings):
    from seatwise.core.housekeeping import task_results_prune_task
    from seatwise.core.models import ScheduledRun

    now = timezone.now()
    ScheduledRun.objects.create(job="a", period=now - timedelta(days=3), enqueued_at=now)
    ScheduledRun.objects.create(job="a", period=now, enqueued_at=now)
    expected = 1
    if settings.SEATWISE_TASK_BACKEND == "database":
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from seatwise.payments.tasks import reconcile_charges_task

        old = DBTaskResult.objects.get(id=reconcile_charges_task.enqueue().id)
        DBTaskResult.objects.filter(pk=old.pk).update(
            status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=8)
        )
        recent = reconcile_charges_task.enqueue()
        expected = 2
    assert task_results_prune_task.call() == expected
    assert list(ScheduledRun.objects.values_list("period", flat=True)) == [now]
    if settings.SEATWISE_TASK_BACKEND == "database":
        assert [str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)] == [
            str(recent.id)
        ]


# --- the demo reloaded while Seatwise runs ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_demo_reset_while_a_worker_runs_does_not_stop_the_worker():
    from django.core.management import call_command

    from seatwise.notifications.models import OutgoingEmail
    from seatwise.notifications.services import email_queue
    from tests.tasks import worker_env

    call_command("load_demo", verbosity=0)
    worker = subprocess.Popen(
        ["bash", "scripts/serve.sh", "worker"],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(2):
            call_command("load_demo", "--reset", verbosity=0)
        email = email_queue(
            kind="password_reset",
            to_address="after.reset@example.com",
            language="en",
            context={"person": {"first_name": "A"}, "link": "http://x/"},
        )
        deadline = timezone.now() + timedelta(seconds=60)
        while timezone.now() < deadline and worker.poll() is None:
            email.refresh_from_db()
            if email.status == "sent":
                break
            time.sleep(0.3)
        assert worker.poll() is None, "the worker stopped"
        assert email.status == "sent"
        assert OutgoingEmail.objects.filter(status="failed").count() == 0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def _python(program: str) -> subprocess.CompletedProcess[str]:
    """``program`` run by a Python process of its own in the project, on the tests' settings."""
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_web_and_worker_processes_start_without_the_pdf_libraries():
    """WeasyPrint, factur-x and Saxon are loaded with the first document a process makes
    (seatwise.core.pdf): the web application, every URL's view and every task module import
    without them."""
    program = (
        "import importlib, sys; import config.wsgi; from django.apps import apps; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "[importlib.import_module(a.name + '.tasks') for a in apps.get_app_configs() "
        " if a.name.startswith('seatwise.') and importlib.util.find_spec(a.name + '.tasks')]; "
        "print(sorted(m for m in ('weasyprint', 'facturx', 'saxonche') "
        " if m in sys.modules))"
    )
    result = _python(program)
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr


def test_the_web_application_starts_with_its_long_lived_objects_frozen_out_of_the_gc():
    """config.wsgi imports every view and freezes what the process built (gc.freeze): a full
    collection walks only what requests made since, not Django and the views again."""
    program = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count() > 50_000, "
        "'seatwise.portals.billing_center.views' in sys.modules)"
    )
    result = _python(program)
    assert (result.returncode, result.stdout) == (0, "True True\n"), result.stderr
