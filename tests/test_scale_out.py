"""Scale-out for real: two web servers (granian) and three RQ workers on one PostgreSQL and one
Redis, with the scheduler; corporate service orders placed and online seats bought through
both web servers over HTTP; one worker killed with SIGKILL while it is in the middle of a
task. Every order ends completed once, every purchase charged once, every e-mail sent once.

Runs in the PostgreSQL part of `make test` (Redis and RQ); skipped on SQLite, whose
embedded mode runs one worker on one machine.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import corporate_password_set
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import ServiceOrder
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge, TestGatewayMode
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_subscription,
)
from tests.ordering.helpers import checkout, corporate, quote_for
from tests.tasks import worker_env

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 6
PURCHASES = 4

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _needs_postgresql_and_redis():
    if connection.vendor != "postgresql" or settings.SEATWISE_TASK_BACKEND != "rq":
        pytest.skip("PostgreSQL with Redis + RQ (the PostgreSQL part of make test)")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    """A client with its own cookies, talking to one web server over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str], *, form_page: str) -> tuple[int, str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page)
        assert token is not None, form_page[:500]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **data}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Referer", self.base + path)
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def answers(base: str) -> bool:
    try:
        return Browser(base).get("/healthz")[0] == 200
    except OSError:  # not listening yet
        return False


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(check, *, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"not within {seconds} s: {what}")


def busy_worker(workers: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes] | None:
    """A worker that runs a service order now (RQ's registry of workers)."""
    import django_rq
    from rq import Worker

    by_pid = {w.pid: w for w in workers}
    for worker in Worker.all(connection=django_rq.get_connection("default")):
        job = worker.get_current_job()
        if job is not None and "service_order_process" in (job.func_name or ""):
            process = by_pid.get(worker.pid)
            if process is not None:
                return process
    return None


def test_two_web_servers_three_workers_one_killed_every_order_once(smtp_server):
    # Given corporate accounts with a service order ready to place, online accounts ready to
    # buy seats, and a gateway slow enough for a worker to be caught in the middle of a charge
    drafts = []
    for _ in range(ORDERS):
        c = corporate()
        corporate_password_set(account=c.account, password=PASSWORD, by=SYSTEM)
        drafts.append((c, checkout(quote_for(c), c)))
    online = []
    for _ in range(PURCHASES):
        account = make_account(kind="online", language="en")
        make_card(account)
        online.append((account, make_subscription(account, seats=5)))
    set_test_gateway_mode(TestGatewayMode.Mode.SLOW, times=3, delay_seconds=8)

    # A charge cut off by the kill is settled by the reconciler once no call can still be in
    # flight: gateway timeout and grace shortened from 80 s and 120 s, still longer than the
    # slow gateway's 8 s, so that the test waits seconds for it, not minutes.
    env = {
        **worker_env(),
        "PYTHONUNBUFFERED": "1",
        "SEATWISE_GATEWAY_TIMEOUT_SECONDS": "12",
        "SEATWISE_GATEWAY_GRACE_SECONDS": "15",
    }
    ports = [free_port(), free_port()]
    servers = [
        start(["bash", "scripts/serve.sh", "web"], {**env, "PORT": str(port)}) for port in ports
    ]
    workers = [start(["bash", "scripts/serve.sh", "worker"], env) for _ in range(3)]
    scheduler = start(["bash", "scripts/serve.sh", "scheduler"], env)
    processes = [*servers, *workers, scheduler]
    try:
        for port in ports:
            wait_for(
                lambda port=port: answers(f"http://127.0.0.1:{port}"),
                seconds=60,
                what=f"the web server on {port} answers",
            )
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        # When the orders are placed and the seats bought, through both web servers
        for n, (c, order) in enumerate(drafts):
            browser = Browser(bases[n % 2])
            status, _location, page = browser.get("/corporate/signin/")
            user_id = CorporateCredential.objects.get(account=c.account).user_id
            status, location, _ = browser.post(
                "/corporate/signin/", {"user_id": user_id, "password": PASSWORD}, form_page=page
            )
            assert (status, location) == (302, "/corporate/"), (status, location)
            _status, _location, page = browser.get(f"/corporate/service-orders/{order.pk}/")
            status, location, _ = browser.post(
                f"/corporate/service-orders/{order.pk}/place/", {}, form_page=page
            )
            assert (status, location) == (302, f"/corporate/service-orders/{order.pk}/")
        # and a worker is killed (SIGKILL) in the middle of an order (the
        # first orders' charges take the slow gateway's seconds: looked for at once, before
        # the workers are done with them)
        victim = wait_for(lambda: busy_worker(workers), seconds=60, what="a worker at work")
        os.killpg(victim.pid, signal.SIGKILL)
        for n, (account, subscription) in enumerate(online):
            browser = Browser(bases[(n + 1) % 2])
            _status, _location, page = browser.get("/signin/")
            status, _location, _ = browser.post(
                "/signin/",
                {"email": billing_contact(account).email, "password": PASSWORD},
                form_page=page,
            )
            assert status == 302
            url = f"/billing/subscriptions/{subscription.pk}/seats/"
            _status, _location, review = browser.get(url + "?seats=8")
            form = review.split('<form method="post">', 1)[1].split("</form>", 1)[0]
            fields = {
                name: html.unescape(value)
                for name, value in re.findall(
                    r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', form
                )
            }
            status, _location, _ = browser.post(url, fields, form_page=review)
            assert status == 302

        # Then every order completes, each once (another worker, RQ's retry or the every-
        # minute resumption takes over what the killed one left)
        ids = [order.pk for _c, order in drafts]
        wait_for(
            lambda: ServiceOrder.objects.filter(pk__in=ids, status="completed").count() == ORDERS,
            seconds=240,
            what="every service order completed",
        )
        wait_for(
            lambda: not OutgoingEmail.objects.exclude(status="sent").exists(),
            seconds=120,
            what="every e-mail sent",
        )
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        set_test_gateway_mode(TestGatewayMode.Mode.NORMAL)

    # One charge per order and purchase, at the gateway too; the seats once
    assert Charge.objects.filter(status="succeeded").count() == ORDERS + PURCHASES
    assert TestGatewayCharge.objects.count() == ORDERS + PURCHASES
    for c, _order in drafts:
        c.meeting.refresh_from_db()
        c.training.refresh_from_db()
        assert (c.meeting.seats, c.training.seats) == (8, 5)
    for _account, subscription in online:
        assert Subscription.objects.get(pk=subscription.pk).seats == 8
    assert Invoice.objects.filter(kind="invoice").count() == ORDERS + PURCHASES
    # Every e-mail once: one message per outbox row reached the mail server
    rows = OutgoingEmail.objects.count()
    received = Counter(str(message["Message-ID"]) for _to, message in smtp_server.messages)
    assert len(received) == rows
    assert set(received.values()) == {1}
    confirmations = OutgoingEmail.objects.filter(kind="service_order_confirmation").count()
    assert confirmations == ORDERS
