"""The periodic jobs (seatwise.core.schedule): which tasks django-crontask enqueues and when,
the real scheduler process enqueueing a job that the real worker runs, and `make run`'s
script starting and stopping the web server, the worker and the scheduler together."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    ("seatwise.billing.tasks.renewals_run_task", "0 3 * * *"),
    ("seatwise.billing.tasks.direct_debits_collect_task", "0 6 * * *"),
    ("seatwise.payments.tasks.reconcile_charges_task", "* * * * *"),
    ("seatwise.sales.tasks.purchases_resume_task", "* * * * *"),
    ("seatwise.billing.tasks.late_payments_settle_task", "* * * * *"),
    ("seatwise.ordering.tasks.quotes_expire_task", "0 * * * *"),
    ("seatwise.payments.tasks.card_expiry_reminders_task", "0 7 * * *"),
    ("seatwise.accounts.tasks.purchase_order_reminders_task", "5 7 * * *"),
    ("seatwise.subscriptions.tasks.trials_expire_task", "30 2 * * *"),
    ("seatwise.subscriptions.tasks.trial_reminders_task", "0 7 * * *"),
    ("seatwise.notifications.tasks.outbox_relay_task", "* * * * *"),
    ("seatwise.support.tasks.unconfirmed_requests_prune_task", "30 4 * * *"),
    ("seatwise.invoicing.tasks.documents_archive_pending_task", "*/10 * * * *"),
    ("seatwise.core.housekeeping.rate_limits_prune_task", "15 * * * *"),
    ("seatwise.sessions.tasks.sessions_prune_task", "40 4 * * *"),
    ("seatwise.core.housekeeping.heartbeat_task", "* * * * *"),
    ("seatwise.core.housekeeping.tasks_janitor_task", "*/5 * * * *"),
    ("seatwise.core.housekeeping.task_results_prune_task", "45 4 * * *"),
}


def _cron(trigger) -> str:
    fields = {field.name: str(field) for field in trigger.fields}
    return "{minute} {hour} {day} {month} {day_of_week}".format(**fields)


def _registered_jobs():
    from crontask import scheduler

    from seatwise.core.schedule import schedule_register

    schedule_register()
    schedule_register()  # a second call registers nothing more
    return scheduler.get_jobs()


def test_the_schedule_registers_exactly_the_expected_jobs():
    jobs = _registered_jobs()

    assert {(job.func.__self__.module_path, _cron(job.trigger)) for job in jobs} == EXPECTED
    assert len(jobs) == len(EXPECTED)
    assert all(str(job.trigger.timezone) == "UTC" for job in jobs)


def test_the_jobs_enqueue_the_tasks_themselves():
    from django.utils.module_loading import import_string

    from seatwise.core.tasking import is_task

    for job in _registered_jobs():
        scheduled = job.func.__self__
        task = import_string(scheduled.module_path)
        assert is_task(task)
        assert (scheduled.task, job.name) == (task, task.name)


@pytest.mark.django_db
def test_every_scheduler_enqueues_a_job_once_per_period():
    """Schedulers on several hosts: the first to record the job's minute enqueues it."""
    from datetime import UTC, datetime

    from seatwise.core.models import ScheduledRun
    from seatwise.core.schedule import period_of, scheduled_run_claim

    fired = datetime(2026, 12, 6, 3, 0, 0, 400_000, tzinfo=UTC)
    late_clock = datetime(2026, 12, 6, 2, 59, 51, tzinfo=UTC)  # a host whose clock is behind
    job = "seatwise.billing.tasks.renewals_run_task"

    assert scheduled_run_claim(job=job, now=fired) is True
    assert scheduled_run_claim(job=job, now=fired) is False
    assert scheduled_run_claim(job=job, now=late_clock) is False
    assert scheduled_run_claim(job="seatwise.payments.tasks.reconcile_charges_task", now=fired)
    assert period_of(fired) == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert scheduled_run_claim(job=job, now=datetime(2026, 12, 6, 3, 1, 2, tzinfo=UTC))
    assert ScheduledRun.objects.filter(job=job).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_scheduler_does_not_enqueue_what_the_first_did():
    from django.utils.module_loading import import_string

    from seatwise.core.schedule import ScheduledTask
    from tests.tasks import queued_tasks

    path = "seatwise.payments.tasks.reconcile_charges_task"
    first = ScheduledTask(import_string(path))
    second = ScheduledTask(import_string(path))

    assert first.enqueue() is not None
    assert second.enqueue() is None
    assert [task for task, _kwargs in queued_tasks()] == [path]


@pytest.mark.parametrize(
    ("task_path", "now", "next_run"),
    [
        (
            "seatwise.billing.tasks.renewals_run_task",
            datetime(2026, 11, 24, 3, 0, 1, tzinfo=UTC),
            datetime(2026, 11, 25, 3, 0, tzinfo=UTC),
        ),
        (
            "seatwise.payments.tasks.card_expiry_reminders_task",
            datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
            datetime(2027, 1, 1, 7, 0, tzinfo=UTC),
        ),
        (
            "seatwise.ordering.tasks.quotes_expire_task",
            datetime(2026, 11, 24, 8, 0, 1, tzinfo=UTC),
            datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        ),
        (
            "seatwise.payments.tasks.reconcile_charges_task",
            datetime(2026, 11, 24, 8, 41, 30, tzinfo=UTC),
            datetime(2026, 11, 24, 8, 42, tzinfo=UTC),
        ),
    ],
)
def test_next_runs_in_utc(task_path, now, next_run):
    [job] = [j for j in _registered_jobs() if j.func.__self__.module_path == task_path]

    assert job.trigger.get_next_fire_time(None, now) == next_run


# --- real processes -------------------------------------------------------------------------


def _process_env() -> dict[str, str]:
    """The environment of a Seatwise process on the test database (as ``run_worker``)."""
    from tests.tasks import worker_env

    return worker_env()


def _poll(check, *, deadline_seconds: float, what: str):
    """Poll ``check`` until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"not within {deadline_seconds} s: {what}")


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_enqueues_the_reconciler_and_the_worker_runs_it(run_worker):
    from django.conf import settings

    from seatwise.payments.gateways.test import set_test_gateway_mode
    from seatwise.payments.models import Charge, TestGatewayCharge, TestGatewayMode
    from seatwise.payments.services import call_grace
    from tests.factories import make_account, make_card
    from tests.payments.charging import charge
    from tests.tasks import queued_tasks

    # Given a charge whose outcome is unknown: the gateway charged, then timed out.
    method = make_card(make_account())
    set_test_gateway_mode(TestGatewayMode.Mode.TIMEOUT_AFTER_CHARGE, times=1)
    unknown = charge(method, key="scheduled-reconcile", amount="12.00")
    assert unknown.status == Charge.Status.UNKNOWN
    # ... whose call started longer ago than the grace: the reconciler may ask about it.
    Charge.objects.filter(pk=unknown.pk).update(
        attempted_at=timezone.now() - call_grace() - timedelta(seconds=1)
    )
    path = "seatwise.payments.tasks.reconcile_charges_task"

    # When the real scheduler runs (its every-minute jobs fire at the next minute) ...
    from seatwise.core.schedule import SCHEDULE

    every_minute = {job.task_path for job in SCHEDULE if job.cron == "* * * * *"}
    assert path in every_minute
    scheduler = subprocess.Popen(
        [sys.executable, "manage.py", "crontask", "--no-heartbeat"],
        cwd=ROOT,
        env=_process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # (all of that minute's jobs: stopped while some are still enqueueing, the scheduler
        # would first wait for them)
        _poll(
            lambda: every_minute <= {task for task, _kwargs in queued_tasks()},
            deadline_seconds=90,
            what="the scheduler enqueues the reconciler and the other every-minute jobs",
        )
    finally:
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=30)
    assert scheduler.returncode == 0, output
    assert "Loaded tasks from seatwise.core." in output
    assert "Starting scheduler…" in output

    # ... and then the real worker runs what it enqueued.
    run_worker()

    # The reconciler ran, and so did everything else the scheduler enqueued (the other
    # every-minute jobs), successfully.
    assert queued_tasks() == []
    if settings.SEATWISE_TASK_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        ran = {(r.task_path, r.status) for r in DBTaskResult.objects.all()}
        assert (path, "SUCCESSFUL") in ran
        assert {status for _path, status in ran} == {"SUCCESSFUL"}
    else:
        import django_rq
        from rq.registry import FailedJobRegistry

        for name in settings.TASK_QUEUES:
            assert FailedJobRegistry(queue=django_rq.get_queue(name)).count == 0
    unknown.refresh_from_db()
    assert unknown.status == Charge.Status.SUCCEEDED
    assert TestGatewayCharge.objects.filter(idempotency_key="scheduled-reconcile").count() == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_processes(pgid: int) -> list[tuple[int, int, str]]:
    """The processes of the group: (pid, parent pid, whole command line). (Without ``ww``, ps
    cuts each line at 80 columns when its output is not a terminal: a web server started from
    a long checkout path loses the word "granian".)"""
    listing = subprocess.run(
        ["ps", "-eww", "-o", "pgid=,pid=,ppid=,args="], capture_output=True, text=True, check=True
    ).stdout
    processes = []
    for line in listing.splitlines():
        group, pid, ppid, args = [*line.split(None, 3), ""][:4]
        if group == str(pgid):
            processes.append((int(pid), int(ppid), args))
    return processes


def _group_commands(pgid: int) -> list[str]:
    return [args for _pid, _ppid, args in _group_processes(pgid)]


def _seatwise_commands(pgid: int) -> list[str]:
    """The group's Python processes that serve Seatwise: each manage.py command and the web
    server, counted once each (granian's workers, and the work horse an RQ worker forks for
    a job, are children of the process they belong to, with the same arguments)."""
    serving = [
        (pid, ppid, args)
        for pid, ppid, args in _group_processes(pgid)
        if "manage.py" in args or "granian" in args
    ]
    pids = {pid for pid, _ppid, _args in serving}
    return [args for _pid, ppid, args in serving if ppid not in pids]


def _signal_masks(pid: int) -> str:
    """The signals ``pid`` blocks and ignores, as /proc shows them (bit n-1: signal n)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return " ".join(re.findall(r"^Sig(?:Blk|Ign):\s*[0-9a-f]+$", status, re.MULTILINE))


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_run_script_serves_with_worker_and_scheduler_and_ctrl_c_stops_all_three(tmp_path):
    """`make run` serves with the production web server (granian), a worker and the
    scheduler; Ctrl-C stops them all."""
    port = _free_port()
    output = (tmp_path / "run.log").open("w")
    # Started as a terminal starts it: no signal blocked, Ctrl-C's and the stop signals at
    # their defaults (a test process may have them otherwise, and a shell cannot trap a
    # signal that was ignored when it started).
    as_from_a_terminal = (
        "import os, signal; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
        "[signal.signal(s, signal.SIG_DFL) for s in "
        "(signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP)]; "
        "os.execvp('bash', ['bash', 'scripts/run.sh'])"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", as_from_a_terminal],
        cwd=ROOT,
        env={**_process_env(), "PORT": str(port)},
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    pgid = run.pid
    failed = True
    try:
        _poll(lambda: _healthy(port), deadline_seconds=60, what="the web server answers")
        commands = _poll(
            lambda: _seatwise_commands(pgid) if len(_seatwise_commands(pgid)) == 3 else None,
            deadline_seconds=30,
            what="the web server, the worker and the scheduler run",
        )
        started = sorted(
            c.split("manage.py ", 1)[1].split()[0] if "manage.py" in c else "granian"
            for c in commands
        )
        from django.conf import settings

        worker = "rqworker" if settings.SEATWISE_TASK_BACKEND == "rq" else "task_worker"
        assert started == sorted(["crontask", worker, "granian"])

        # Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
        masks = _signal_masks(run.pid)
        os.killpg(pgid, signal.SIGINT)
        assert run.wait(timeout=30) == 130, f"the script's signal masks: {masks}"
        _poll(
            lambda: _group_commands(pgid) == [],
            deadline_seconds=30,
            what="every process of the group has ended",
        )
        assert not _healthy(port)
        failed = False
    finally:
        if failed:  # what ran, and what the script printed
            print(*(f"{pid} {ppid} {args}" for pid, ppid, args in _group_processes(pgid)), sep="\n")
            print((tmp_path / "run.log").read_text()[-6000:])
        # Whatever is left of the group, whatever failed above: a scheduler left running
        # would queue jobs on the test database of the tests that follow.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        run.wait()
        output.close()
