"""B0, B1, B2 and B6: the portal pages on the production server, against the trivial view on
the same server; the same pages at 10,000 and at 1,000,000 accounts; the memory of the web
workers and of a task worker.

Each page is requested by wrk (one thread, four keep-alive connections) signed in as the person
who reads it in the demo data; before the load, one request checks that the page itself answers
(200, not a redirect to a sign-in page) and a second of load warms every worker up. B1 loads
the trivial view beside each page, in turn with it, and B2 the two database sizes: the
machine's speed drifts too much for figures taken minutes apart to be compared.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any

from bench.report import Figure, quick
from bench.server import (
    Load,
    Server,
    check_page,
    loads_combined,
    task_worker_peak_rss_mb,
    web_server,
    wrk,
)

# B1's goals: half the trivial view's throughput, p99 within 25 ms; B2's: the same speed at a
# million accounts as at ten thousand (p50 within 20 %), with the same queries.
RATIO_GOAL = 0.5
P99_GOAL_MS = 25.0
GROWTH_GOAL = 1.2
# B1 loads each page and the trivial view in turn this many times.
PAIRED_ROUNDS = 5
# B2 loads each page on each size this many times, in turn.
GROWTH_ROUNDS = 5
RSS_GOAL_MB = 150.0


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    path: str
    reader: str  # a key of ``readers()``


PAGES = (
    Page("billing_subscriptions", "/billing/subscriptions/", "billing_admin"),
    Page("billing_invoices", "/billing/invoices/", "billing_admin"),
    Page("admin_users", "/admin-center/users/", "account_admin"),
    Page("admin_licenses", "/admin-center/licenses/", "account_admin"),
    Page("corporate_subscriptions", "/corporate/", "corporate"),
    Page("corporate_invoices", "/corporate/invoices/", "corporate"),
    Page("my_account", "/my-account/", "account_admin"),
    Page("api_accounts", "/api/v1/accounts?limit=50", "api"),
)
BILLING_ADMIN = "anna.kessler@kessler-feinmechanik.test"
ACCOUNT_ADMIN = "jonas.weber@kessler-feinmechanik.test"


@functools.cache
def readers() -> dict[str, dict[str, str]]:
    """The request headers of each reader, made once per run: the session a sign-in leaves
    (Django's ``login`` and the sign-in's stamp; the Corporate Billing Portal's own
    ``corporate_login``), or an API token."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest
    from django.middleware.csrf import _get_new_csrf_string

    from seatwise.accounts.models import CorporateCredential, Person
    from seatwise.api.models import OperatorToken
    from seatwise.api.scopes import ALL_SCOPES
    from seatwise.portals.corporate.session import corporate_login
    from seatwise.portals.sessions import signin_record

    PERSON_BACKEND = "seatwise.accounts.backends.PersonBackend"

    def cookie(session_key: str) -> dict[str, str]:
        # And the CSRF cookie a browser has from its first page on: without it every answer
        # would make and set a new one, which a browser's requests never cost.
        return {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
        }

    def person(email: str) -> dict[str, str]:
        # As the sign-in page leaves it: signed in, and the sign-in stamped (its time, browser
        # and client), without which the session timeouts end the session at once.
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        login(request, Person.objects.get(email=email), backend=PERSON_BACKEND)
        signin_record(request)
        request.session.save()
        assert request.session.session_key is not None
        return cookie(request.session.session_key)

    credential = CorporateCredential.objects.order_by("pk").first()
    assert credential is not None, "the demo data has a Corporate Billing Portal User ID"
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    corporate_login(request, credential)
    request.session.save()
    assert request.session.session_key is not None
    _token, raw = OperatorToken.issue("bench", scopes=ALL_SCOPES)
    return {
        "anonymous": {},
        "billing_admin": person(BILLING_ADMIN),
        "account_admin": person(ACCOUNT_ADMIN),
        "corporate": cookie(request.session.session_key),
        "api": {"Authorization": f"Bearer {raw}"},
    }


def _loads(server: Server, rounds: int, seconds: float) -> tuple[Load, dict[str, Load]]:
    """Each page's load and, for each page, the trivial view's measured beside it: ``rounds``
    times one second of the trivial view, then ``seconds`` of the page. This machine's speed
    drifts by a third within seconds (a shared virtual machine): against one trivial figure
    taken before all pages, that drift read as a page's own speed. The trivial view's loads
    of all pages, combined, and the pages' (``server.loads_combined``)."""
    headers = readers()
    # Every page once through every worker first (a worker's first request of a page loads
    # its modules and templates): one second of load, not counted.
    for page in PAGES:
        url = f"{server.url}{page.path}"
        check_page(url, headers[page.reader])
        wrk(url, headers[page.reader], 1)
    trivials: list[Load] = []
    loads: dict[str, tuple[Load, Load]] = {}
    for page in PAGES:
        beside: list[Load] = []
        runs: list[Load] = []
        for _round in range(rounds):
            beside.append(wrk(f"{server.url}/healthz", {}, 1))
            runs.append(wrk(f"{server.url}{page.path}", headers[page.reader], seconds))
        trivials.extend(beside)
        loads[page.name] = (loads_combined(runs), loads_combined(beside))
    trivial = loads_combined(trivials)
    for name, load in {"trivial": trivial, **{n: page for n, (page, _t) in loads.items()}}.items():
        if load.errors:
            raise RuntimeError(f"{name}: {load.errors} failed requests under load")
    return trivial, loads


def pages(env: dict[str, str]) -> list[Figure]:
    """B0 (the trivial view), B1 (each page: req/s against the trivial view measured beside
    it, p99) and B6 (the web workers' and a task worker's peak memory)."""
    rounds, seconds = (2, 1.0) if quick() else (PAIRED_ROUNDS, 2.0)
    with web_server(env) as server:
        trivial, loads = _loads(server, rounds, seconds)
        rss = server.worker_peak_rss_mb()
    figures = [
        Figure("B0.trivial_view", trivial.requests_per_s, "req/s", goal=None, higher_is_better=True)
    ]
    for name, (load, beside) in loads.items():
        figures.append(
            Figure(
                f"B1.{name}",
                load.requests_per_s,
                "req/s",
                goal=RATIO_GOAL,
                higher_is_better=True,
                baseline=beside.requests_per_s,
                goal_on="ratio",
                detail={"p50_ms": load.p50_ms, "p99_ms": load.p99_ms, "rounds": rounds},
            )
        )
        figures.append(
            Figure(f"B1.{name}.p99_ms", load.p99_ms, "ms", goal=P99_GOAL_MS, higher_is_better=False)
        )
    figures.append(_memory("B6.web_worker_rss_mb", {"B1": rss}, goal=RSS_GOAL_MB))
    task_rss, tasks = task_worker_peak_rss_mb(env)
    figures.append(
        _memory("B6.task_worker_rss_mb", {f"the demo's {tasks} queued tasks": task_rss}, goal=None)
    )
    return figures


# The detail that names a process's peak memory, in the figures of B1 to B5.
PEAK_KEYS = {
    "B6.web_worker_rss_mb": "web_worker_peak_rss_mb",
    "B6.task_worker_rss_mb": "task_worker_peak_rss_mb",
}


def _memory(name: str, peaks: dict[str, float], *, goal: float | None) -> Figure:
    """B6: the highest of ``peaks`` (what was measured → MB), each listed in the detail."""
    return Figure(
        name,
        max(peaks.values()),
        "MB",
        goal=goal,
        higher_is_better=False,
        detail={"peaks_mb": {during: round(mb, 1) for during, mb in peaks.items()}},
    )


def memory_over_all(figures: list[Figure]) -> list[Figure]:
    """``figures`` with B6 as the highest peak of every web worker and every task worker the
    benchmarks measured: B6's own (B1's web workers, a task worker over the demo's queued
    tasks) and each figure's detail ``web_worker_peak_rss_mb`` or ``task_worker_peak_rss_mb``
    (the API's web workers in B5, the order runs' web and task workers in B3, the charges'
    task workers in B4)."""
    result = []
    for figure in figures:
        key = PEAK_KEYS.get(figure.name)
        if key is None:
            result.append(figure)
            continue
        peaks = dict(figure.detail["peaks_mb"])
        # Figures of one run share its detail (B3's p50, p99 and orders/s): listed once.
        runs: list[dict[str, Any]] = []
        for other in figures:
            if key in other.detail and other.detail not in runs:
                runs.append(other.detail)
                peaks[other.name] = float(other.detail[key])
        result.append(_memory(figure.name, peaks, goal=figure.goal))
    return result


def client_of(reader: str) -> Any:
    """A test client of this process with the headers and session cookie of ``reader``."""
    from django.test import Client

    headers = readers()[reader]
    client = Client(headers={k: v for k, v in headers.items() if k != "Cookie"})
    client.cookies.load(headers.get("Cookie", ""))
    return client


def template_engines() -> list[Figure]:
    """B1.engine: the first page's template rendered by Django's template language and by
    Jinja2, in this process (bench/engines.py)."""
    from bench.engines import engines

    page = PAGES[0]
    return engines(client_of(page.reader), page.path)


def page_breakdown() -> list[Figure]:
    """B1's breakdown: each page's CPU time in this process against the trivial view's, and
    its parts (bench/breakdown.py)."""
    from bench.breakdown import breakdown, figures, lines

    headers = readers()
    trivial, split = breakdown([(page.name, page.path, headers[page.reader]) for page in PAGES])
    print(lines(trivial, split), flush=True)
    return figures(trivial, split)


def queries_per_page() -> dict[str, int]:
    """The statements each page runs, counted in this process through the WSGI application: its
    second request, as a signed-in person's pages run them (the first one of a session also
    records the session's activity, at most once a minute)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for page in PAGES:
        client = client_of(page.reader)
        assert client.get(page.path).status_code == 200, page.path
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
        assert response.status_code == 200, (page.path, response.status_code)
        counts[page.name] = len(queries)
    return counts


def _accounts_to(total: int) -> int:
    """Synthetic accounts added (seatwise.demo.generate) until there are ``total``."""
    from django.db import connection

    from seatwise.accounts.models import Account
    from seatwise.demo.generate import accounts_generate

    missing = total - Account.objects.count()
    if missing > 0:

        def progress(done: int, count: int) -> None:
            print(f"\r  generating accounts: {done}/{count}", end="", flush=True)

        accounts_generate(count=missing, batch=50_000, progress=progress)
        print()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")
    connection.close()
    return Account.objects.count()


def _var_dir_copy(env: dict[str, str]) -> dict[str, str]:
    """The environment of a copy of ``env``'s folder: its database as it is now."""
    import shutil

    from django.db import connection

    from bench.server import temporary_var_dir

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    copy = temporary_var_dir()
    shutil.copytree(env["SEATWISE_VAR_DIR"], copy, dirs_exist_ok=True)
    return {**env, "SEATWISE_VAR_DIR": str(copy)}


def growth(env: dict[str, str]) -> list[Figure]:
    """B2: each page at 10,000 accounts and at a million (100,000 in the quick version): the
    p50 latency on the server with one connection (the page's own time, no queue), and the
    statements it runs.

    The database at 10,000 accounts is copied before it grows, and both are served at once:
    each page is loaded on one, then on the other (then the other way round), ``GROWTH_ROUNDS``
    times in turn, and its p50 at each size is the lowest of its rounds. This machine's speed
    drifts by a third within seconds (a shared virtual machine): measured one size after the
    other, that drift read as growth in one run out of three."""
    seconds = 1.0  # wrk's shortest
    rounds = 3 if quick() else GROWTH_ROUNDS
    sizes = (10_000, 100_000 if quick() else 1_000_000)
    accounts: list[int] = []
    queries: list[dict[str, int]] = []
    environments: list[dict[str, str]] = []
    for size in sizes:
        accounts.append(_accounts_to(size))
        queries.append(queries_per_page())
        environments.append(_var_dir_copy(env) if size == sizes[0] else env)
    headers = readers()
    best: list[dict[str, Load]] = [{}, {}]
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(web_server(environment)) for environment in environments]
        for server in servers:
            for page in PAGES:
                url = f"{server.url}{page.path}"
                check_page(url, headers[page.reader])
                wrk(url, headers[page.reader], 1, 4)
        for page in PAGES:
            for round_ in range(rounds):
                # Each size first in every other round: whichever goes first in a round does
                # not always pay for the switch from the other server.
                order = list(enumerate(servers))
                for index, server in order if round_ % 2 == 0 else order[::-1]:
                    load = wrk(
                        f"{server.url}{page.path}", headers[page.reader], seconds, connections=1
                    )
                    if load.errors:
                        raise RuntimeError(f"B2 {page.name}: {load.errors} failed requests")
                    kept = best[index].get(page.name)
                    if kept is None or load.p50_ms < kept.p50_ms:
                        best[index][page.name] = load
    measured = [(accounts[index], queries[index], best[index]) for index in range(len(sizes))]
    (small, queries_small, at_small), (large, queries_large, at_large) = measured
    figures = []
    for page in PAGES:
        figures.append(
            Figure(
                f"B2.{page.name}.p50_ratio_1m_10k",
                at_large[page.name].p50_ms,
                "ms",
                goal=GROWTH_GOAL,
                higher_is_better=False,
                baseline=at_small[page.name].p50_ms,
                goal_on="ratio",
                detail={"accounts": [small, large]},
            )
        )
        figures.append(
            Figure(
                f"B2.{page.name}.queries_1m_10k",
                queries_large[page.name],
                "queries",
                goal=1.0,
                higher_is_better=False,
                baseline=queries_small[page.name],
                goal_on="ratio",
                detail={"accounts": [small, large]},
            )
        )
    return figures
