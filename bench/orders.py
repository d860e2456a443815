"""B3: service orders placed through the Corporate Billing Portal's HTTP flow at a fixed offered
rate, each timed from its **Place Service Order** request to its confirmation e-mail accepted
by an SMTP server; with one task worker, then with four, then with four under a burst; on
PostgreSQL with Redis and RQ workers (the goals' stack), and on SQLite with the database task
backend (``make run``'s).

``python -m bench.orders prepare COUNT`` (not timed), in a process of its own on an empty
database in ``SEATWISE_VAR_DIR``: static files and migrations as ``make run`` has them, then
``COUNT`` German corporate accounts (EUR) made through the services, each with two
subscriptions that allow seat expansion, a card on file (test gateway token), a quote of
today and its service order saved as a draft ready to place, a billing contact of its own
(the confirmation's recipient), and that contact's portal session as a sign-in leaves it
(``corporate_login``; the portal password is hashed with the tests' fast hasher, as nobody
signs in with it).

``python -m bench.orders place RATE WORKERS`` on a copy of that folder (each worker count
starts from the same drafts): an SMTP server in this process (aiosmtpd) notes when each
message arrives; the production web server (scripts/serve.sh web: granian, two workers) and
``WORKERS`` task workers (scripts/serve.sh worker) send their e-mail to it. Not timed: each
client reads its order's page once for the form's CSRF token and the CSRF cookie, as a browser
would, and the run waits until every task worker polls its queue. Then order ``i`` is placed at
``t0 + i / RATE``, each POST in a thread of its own (an open loop: a slow server is offered the
same rate); a success answers 302 to the order's page. An order's latency runs from the start
of its POST to the arrival of its confirmation e-mail: the message whose ``Message-ID`` is that
of the account's outbox row of kind ``service_order_confirmation``; the other e-mails (the
admin contact's welcome, ...) are not counted. The run waits for every confirmation until
``DEADLINE_S`` after the last POST, then reports what arrived: p50 and p99 over all orders (an
order never confirmed counts as infinitely late), and confirmed orders per second from the
first POST to the last confirmation. One JSON line.

The orders per second cannot exceed the offered rate: the four workers' capacity is measured
by a third run, a burst offered at ``BURST_RATE`` (above the goal of 200). The documents the
orders issued are still being archived when the workers are stopped (the lowest priority of
the queue): not this benchmark's work.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from bench.report import Figure, quick
from bench.server import (
    database_create,
    demo_environment,
    django_in_process,
    free_port,
    postgresql,
    redis,
    run_module,
    temporary_var_dir,
    web_server,
)

BASE = Path(__file__).resolve().parent.parent
# The goals: p99 within 2 s at 50 orders/s offered; 200 orders/s with four workers.
P99_GOAL_S = 2.0
ORDERS_GOAL = 200.0
RATE = 50.0
# The capacity run's offered rate: above the goal, so that the workers, not the offer, limit.
BURST_RATE = 250.0
# Confirmations still missing this long after the last POST are counted as failed.
DEADLINE_S = 180.0
DRAFTS_FILE = "bench-orders.json"
CONFIRMATION = "service_order_confirmation"
PASSWORD = "bench orders correct horse"


# --- in the make bench process ---------------------------------------------------------------


def _detail(result: dict[str, Any]) -> dict[str, Any]:
    return {
        key: result[key]
        for key in (
            "workers",
            "offered_per_s",
            "orders",
            "placed",
            "confirmed",
            "failed",
            "emails_received",
            "http_status",
            "order_status",
            "post_p50_ms",
            "post_p99_ms",
            "post_start_lag_max_ms",
            "seconds",
            "web_worker_peak_rss_mb",
            "task_worker_peak_rss_mb",
        )
    }


def _latency(result: dict[str, Any], suffix: str, goals: bool) -> list[Figure]:
    """p50 and p99 from Place Service Order to the confirmation e-mail, at ``RATE`` offered."""
    return [
        Figure(
            f"B3.order_email_{name}_s{suffix}",
            result[f"{name}_s"],
            "s",
            goal=P99_GOAL_S if goals and name == "p99" else None,
            higher_is_better=False,
            detail=_detail(result),
        )
        for name in ("p50", "p99")
    ]


def _capacity(result: dict[str, Any], suffix: str, goals: bool) -> Figure:
    return Figure(
        f"B3.orders_per_s{suffix}",
        result["orders_per_s"],
        "orders/s",
        goal=ORDERS_GOAL if goals else None,
        higher_is_better=True,
        detail=_detail(result),
    )


def _runs(run: Callable[[float, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """The three runs of one stack, each on a copy of the prepared drafts: one worker at
    ``RATE``, four at ``RATE``, four under a burst."""
    return [run(RATE, 1), run(RATE, 4), run(BURST_RATE, 4)]


def _figures(runs: list[dict[str, Any]], suffix: str, goals: bool) -> list[Figure]:
    one, four, burst = runs
    return [
        *_latency(one, f"{suffix}.w1", goals=False),
        _capacity(one, f"{suffix}.w1", goals=False),
        *_latency(four, suffix, goals=goals),
        _capacity(burst, suffix, goals=goals),
    ]


def _sqlite(count: int) -> list[dict[str, Any]]:
    """The runs on SQLite with the database task backend (``make run``'s stack)."""
    prepared = temporary_var_dir()
    run_module("bench.orders", ["prepare", str(count)], demo_environment(prepared))

    def run(rate: float, workers: int) -> dict[str, Any]:
        folder = temporary_var_dir()
        shutil.copytree(prepared, folder, dirs_exist_ok=True)
        return run_module(
            "bench.orders", ["place", str(rate), str(workers)], demo_environment(folder)
        )

    return _runs(run)


def _postgresql(count: int) -> list[dict[str, Any]]:
    """The runs on PostgreSQL with Redis and RQ workers (the production stack of
    docs/operations.md): the drafts prepared in one database, each run on a copy of it
    (``CREATE DATABASE … TEMPLATE``) with a Redis of its own. The e-mails queued while the
    drafts were made (the accounts' welcome messages) are not sent in these runs: their
    Redis is not kept."""
    with postgresql() as server:
        prepared = temporary_var_dir()

        def environment(folder: Path, database: str, redis_url: str) -> dict[str, str]:
            return {
                **demo_environment(folder),
                "DATABASE_URL": database,
                "SEATWISE_TASK_BACKEND": "rq",
                "SEATWISE_REDIS_URL": redis_url,
            }

        with redis() as redis_url:
            template = database_create(server, "orders_drafts")
            run_module(
                "bench.orders",
                ["prepare", str(count)],
                environment(prepared, template, redis_url),
            )
        copies = iter(range(1, 4))

        def run(rate: float, workers: int) -> dict[str, Any]:
            folder = temporary_var_dir()
            shutil.copytree(prepared, folder, dirs_exist_ok=True)
            database = database_create(
                server, f"orders_run_{next(copies)}", template="orders_drafts"
            )
            with redis() as redis_url:
                return run_module(
                    "bench.orders",
                    ["place", str(rate), str(workers)],
                    environment(folder, database, redis_url),
                )

        return _runs(run)


def orders() -> list[Figure]:
    """B3 on PostgreSQL with Redis (the figures against the goals: the goal's 200 orders/s is
    "with 4 workers on PostgreSQL") and on SQLite with the database backend (``.sqlite``):
    per stack, the latency at ``RATE`` offered with one task worker (``.w1``, no goal) and
    with four, and the capacity: confirmed orders per second with one worker at ``RATE`` and
    with four under a burst (``BURST_RATE`` offered, above the goal, so that the goal is
    reachable)."""
    count = 30 if quick() else 200
    figures = [
        *_figures(_postgresql(count), "", goals=True),
        *_figures(_sqlite(count), ".sqlite", goals=False),
    ]
    figures.sort(key=lambda f: f.name)
    return figures


# --- python -m bench.orders prepare COUNT ----------------------------------------------------


def _setup() -> Path:
    """Django in this process, on the database of ``SEATWISE_VAR_DIR``; that folder."""
    django_in_process()
    return Path(os.environ["SEATWISE_VAR_DIR"])


def _draft(n: int) -> dict[str, Any]:
    """One corporate account with a draft service order ready to place, and its billing
    contact's portal session."""
    from importlib import import_module

    from django.conf import settings
    from django.http import HttpRequest

    from seatwise.accounts.models import CorporateCredential
    from seatwise.accounts.services import Address, NewPerson, account_create
    from seatwise.audit.actors import Actor
    from seatwise.catalog.models import Plan
    from seatwise.ordering.services import AdminContact, checkout_save, quote_create
    from seatwise.payments.services import payment_method_add
    from seatwise.portals.corporate.session import corporate_login
    from seatwise.portals.step_up import CORPORATE, step_up_mark
    from seatwise.subscriptions.services import subscription_add

    by = Actor.system("bench")
    address = Address(line1=f"Friedrichstraße {n}", postal_code="10117", city="Berlin")
    account = account_create(
        name=f"Order {n} GmbH",
        kind="corporate",
        country="DE",
        language="de",
        currency="EUR",
        address=address,
        self_service_eligible=True,
        billing_contact=NewPerson(
            email=f"billing-{n}@orders.bench.example",
            first_name="Berta",
            last_name="Bauer",
            language="de",
        ),
        # A portal session needs a credential with a password (prepare() hashes it fast).
        corporate_password=PASSWORD,
        by=by,
    )
    method = payment_method_add(account=account, token="tok_visa", by=by)
    meeting, training = (
        subscription_add(account=account, plan=Plan.objects.get(code=code), seats=seats, by=by)
        for code, seats in (
            ("goto-meeting-standard-monthly", 5),
            ("goto-training-business-yearly", 3),
        )
    )
    quote = quote_create(
        account=account, seats={meeting.pk: 3, training.pk: 2}, replace_open=False, by=by
    )
    order = checkout_save(
        quote=quote,
        admin=AdminContact(
            first_name="Ada",
            last_name="Admin",
            email=f"admin-{n}@orders.bench.example",
            language="de",
        ),
        payment_method_id=method.pk,
        new_card=None,
        address=address,
        country="DE",
        by=by,
    )
    # The session the portal's sign-in leaves: signed in, and that sign-in a fresh
    # re-authentication (an order above the vendor's amount asks for one).
    credential = CorporateCredential.objects.get(account=account)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    corporate_login(request, credential)
    step_up_mark(request, CORPORATE, owner=credential.pk)
    request.session.save()
    return {"order": order.pk, "account": account.pk, "session": request.session.session_key}


def prepare(count: int) -> dict[str, Any]:
    folder = _setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    started = time.perf_counter()
    call_command("collectstatic", "--noinput", "--skip-checks", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)
    # The portal's sessions need a password set, not its cost: hashed as the tests hash it
    # (nobody signs in with it; a session keeps an HMAC of the stored hash, whatever the hasher).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        drafts = [_draft(n) for n in range(count)]
    (folder / DRAFTS_FILE).write_text(json.dumps(drafts))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"drafts": count, "seconds": time.perf_counter() - started}


# --- python -m bench.orders place RATE WORKERS -----------------------------------------------


class _Inbox:
    """aiosmtpd handler: the first arrival (``perf_counter``) of each ``Message-ID``."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.messages = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        from email import policy
        from email.parser import BytesHeaderParser

        now = time.perf_counter()
        headers = BytesHeaderParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.messages += 1
            self.arrived.setdefault(str(headers["Message-ID"]).strip(), now)
        return "250 OK"


@dataclass
class _Client:
    """One corporate contact's browser: its cookies and its order's form token."""

    order: int
    account: int
    cookie: str
    token: str = ""
    scheduled: float = 0.0
    started: float = 0.0
    answered: float = 0.0
    status: int = 0
    error: str = ""


@dataclass
class _Processes:
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # The workers' output, and where it stood when they started.
    log: Path | None = None
    log_start: int = 0

    def stop(self) -> float:
        """Stop the workers; the highest peak resident set of any of them, in MB."""
        for process in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        peak_kb = 0
        for process in self.workers:
            deadline = time.monotonic() + 20
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    process.returncode = os.waitstatus_to_exitcode(status)
                    peak_kb = max(peak_kb, usage.ru_maxrss)
                    break
                if time.monotonic() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                    deadline = math.inf
                time.sleep(0.05)
        return peak_kb / 1024


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[int, dict[str, str], str]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode()
        cookies = {}
        for value in answer.headers.get_all("Set-Cookie") or []:
            cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        return answer.status, cookies, text
    finally:
        connection.close()


def _form(client: _Client, port: int) -> None:
    """The order's page, as the browser shows it before the click: the form's CSRF token and
    the CSRF cookie the page sets."""
    from django.conf import settings

    status, cookies, page = _request(
        port, "GET", f"/corporate/service-orders/{client.order}/", {"Cookie": client.cookie}
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None or settings.CSRF_COOKIE_NAME not in cookies:
        raise RuntimeError(f"order {client.order}: its page answered {status} without its form")
    client.token = token.group(1)
    client.cookie += f"; {settings.CSRF_COOKIE_NAME}={cookies[settings.CSRF_COOKIE_NAME]}"


def _place(client: _Client, port: int) -> None:
    """Place Service Order: the form's POST; a success answers 302 to the order's page."""
    from urllib.parse import urlencode

    path = f"/corporate/service-orders/{client.order}/place/"
    client.started = time.perf_counter()
    try:
        client.status, _cookies, _page = _request(
            port,
            "POST",
            path,
            {
                "Cookie": client.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/corporate/service-orders/{client.order}/",
            },
            urlencode({"csrfmiddlewaretoken": client.token}),
        )
    except Exception as error:  # counted by the run: a refused or dropped connection
        client.error = f"{type(error).__name__}: {error}"
    client.answered = time.perf_counter()


def _workers_start(count: int, env: dict[str, str], log: Path) -> _Processes:
    processes = _Processes(log=log, log_start=log.stat().st_size if log.exists() else 0)
    with log.open("ab") as output:
        for _n in range(count):
            processes.workers.append(
                subprocess.Popen(
                    ["bash", "scripts/serve.sh", "worker"],
                    cwd=BASE,
                    env=env,
                    stdout=output,
                    stderr=output,
                    start_new_session=True,
                )
            )
    return processes


def _workers_wait(processes: _Processes, seconds: float = 60) -> None:
    """Until every task worker waits on its queues: with Redis, registered as an RQ worker;
    with the database backend, ``task_worker`` (scripts/serve.sh worker) done loading what the
    tasks use and polling its queue."""
    from django.conf import settings

    deadline = time.monotonic() + seconds
    if settings.SEATWISE_TASK_BACKEND == "rq":
        import django_rq
        from rq import Worker

        redis = django_rq.get_connection("default")
        while Worker.count(connection=redis) < len(processes.workers):
            for process in processes.workers:
                if process.poll() is not None:
                    raise RuntimeError(f"a task worker ended with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the task workers did not start")
            time.sleep(0.1)
        return
    # The database backend: each worker says so when, preloaded, it starts polling
    # (django-tasks-db's "Starting worker").
    assert processes.log is not None
    while True:
        for process in processes.workers:
            if process.poll() is not None:
                raise RuntimeError(f"a task worker ended with {process.returncode}")
        with processes.log.open("rb") as output:
            output.seek(processes.log_start)
            started = output.read().count(b"Starting worker")
        if started >= len(processes.workers):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the task workers did not start")
        time.sleep(0.1)


def _confirmations(accounts: set[int]) -> dict[str, int]:
    """The confirmation e-mails queued so far: their ``Message-ID`` → account."""
    from seatwise.notifications.delivery import message_id
    from seatwise.notifications.models import OutgoingEmail

    rows = OutgoingEmail.objects.filter(kind=CONFIRMATION).only("pk", "account_id")
    return {message_id(row): row.account_id for row in rows if row.account_id in accounts}


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank; ``inf`` for the orders never confirmed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _load(clients: list[_Client], port: int, rate: float) -> None:
    """Order ``i`` started at ``t0 + i / rate`` in a thread of its own, whatever the answers
    to the earlier ones take (an open loop: a slow server gets the offered rate all the
    same)."""
    threads = []
    t0 = time.perf_counter() + 0.1
    for i, client in enumerate(clients):
        client.scheduled = t0 + i / rate
        delay = client.scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=_place, args=(client, port))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def place(rate: float, workers: int) -> dict[str, Any]:
    folder = _setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection

    from seatwise.ordering.models import ServiceOrder

    drafts = json.loads((folder / DRAFTS_FILE).read_text())
    clients = [
        _Client(
            order=d["order"],
            account=d["account"],
            cookie=f"{settings.SESSION_COOKIE_NAME}={d['session']}",
        )
        for d in drafts
    ]
    by_account = {c.account: c for c in clients}
    inbox = _Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {
        **os.environ,
        "SEATWISE_SMTP_HOST": "127.0.0.1",
        "SEATWISE_SMTP_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }
    processes = _workers_start(workers, env, folder / "workers.log")
    arrived: dict[int, float] = {}  # account → its confirmation's arrival
    web_rss = task_rss = 0.0
    try:
        with web_server(env) as server:
            port = int(server.url.rsplit(":", 1)[1])
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda c: _form(c, port), clients))
            _workers_wait(processes)
            _load(clients, port, rate)
            deadline = time.perf_counter() + DEADLINE_S
            while len(arrived) < len(clients) and time.perf_counter() < deadline:
                time.sleep(0.25)
                with inbox.lock:
                    seen = dict(inbox.arrived)
                for mid, account in _confirmations(set(by_account) - set(arrived)).items():
                    if mid in seen:
                        arrived[account] = seen[mid]
                connection.close()
            web_rss = server.worker_peak_rss_mb()
    finally:
        task_rss = processes.stop()
        controller.stop()
    first = min(c.started for c in clients)
    latencies = [
        arrived[c.account] - c.started if c.account in arrived else math.inf for c in clients
    ]
    posts = [(c.answered - c.started) * 1000 for c in clients]
    seconds = max(arrived.values(), default=first) - first
    statuses = Counter(
        ServiceOrder.objects.filter(pk__in=[c.order for c in clients]).values_list(
            "status", flat=True
        )
    )
    http_status = Counter(str(c.status) if not c.error else c.error[:60] for c in clients)
    return {
        "workers": workers,
        "offered_per_s": rate,
        "orders": len(clients),
        "placed": sum(n for s, n in statuses.items() if s != ServiceOrder.Status.DRAFT),
        "confirmed": len(arrived),
        "failed": len(clients) - len(arrived),
        "emails_received": inbox.messages,
        "http_status": dict(http_status),
        "order_status": dict(statuses),
        "p50_s": _percentile(latencies, 0.5),
        "p99_s": _percentile(latencies, 0.99),
        "orders_per_s": len(arrived) / seconds if seconds > 0 else 0.0,
        "web_worker_peak_rss_mb": round(web_rss, 1),
        "task_worker_peak_rss_mb": round(task_rss, 1),
        "post_p50_ms": round(_percentile(posts, 0.5), 1),
        "post_p99_ms": round(_percentile(posts, 0.99), 1),
        "post_start_lag_max_ms": round(max((c.started - c.scheduled) * 1000 for c in clients), 1),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "prepare":
        result = prepare(int(args[0]))
    elif mode == "place":
        result = place(float(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}: prepare COUNT | place RATE WORKERS")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
