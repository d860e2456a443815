"""B1's breakdown: where each page's time goes, in this process, against the trivial view's.

Each request goes through the WSGI application as the production server calls it (no test
client, whose own work would count), signed in as B1's reader. Its CPU time (process time) is
split into:

- **template**: rendering the page's templates (Django's backend), less the statements run
  from inside them;
- **sql**: the database running the page's statements (the driver's ``execute``; rows fetched
  later are counted with the rest);
- **rest**: everything else: the middleware (session, person, language, CSRF, security
  headers), the view, the ORM building statements and model instances, the response, and the
  clock's own two readings per template and per statement (some microseconds a page).

The trivial view (``/healthz``) is the floor every request pays (the handler and the
middleware of an anonymous request). Each figure is the best of ``ROUNDS`` rounds of
``REQUESTS`` requests; the parts are of that best round. The machine's speed drifts within
seconds: the pages are measured in turn, the trivial view before each.

On the server, wrk and granian add about as much again as the trivial view costs here, the
same for every request. A page reaches a ratio ``r`` to the trivial view when it costs about
``1/r`` times what the trivial view costs there: the breakdown says which part would have to
give.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.report import Figure, quick
from bench.server import template_renders_wrapped

ROUNDS = 5
REQUESTS = 200
TRIVIAL = "/healthz"


@dataclass
class _Clock:
    """CPU time spent in templates and in statements since the last ``reset``."""

    template: float = 0.0
    sql: float = 0.0
    sql_in_template: float = 0.0
    depth: int = 0

    def reset(self) -> None:
        self.template = self.sql = self.sql_in_template = 0.0


@contextlib.contextmanager
def _clocked() -> Iterator[_Clock]:
    """Times Django's template rendering and every statement run on the default connection
    while the block runs. A template rendered inside another counts once (the outer one)."""
    from django.db import connection

    clock = _Clock()

    def timed_render(render: Callable[..., Any], template: Any, context: Any, request: Any) -> Any:
        clock.depth += 1
        started = time.process_time()
        try:
            return render(template, context, request)
        finally:
            clock.depth -= 1
            if clock.depth == 0:
                clock.template += time.process_time() - started

    def timed_execute(execute: Callable[..., Any], *args: Any) -> Any:
        started = time.process_time()
        try:
            return execute(*args)
        finally:
            spent = time.process_time() - started
            clock.sql += spent
            if clock.depth:
                clock.sql_in_template += spent

    with (
        template_renders_wrapped(timed_render),
        connection.execute_wrapper(timed_execute),
    ):
        yield clock


def _environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """The WSGI environ of a GET of ``path`` with ``headers`` (Django's ``RequestFactory``), as
    a server on loopback makes it."""
    from django.test import RequestFactory

    request = RequestFactory().get(
        path, headers=headers, SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1:8000"
    )
    return dict(request.environ)


def _requester(
    path: str, headers: dict[str, str], application: Callable[..., Any] | None = None
) -> Callable[[], str]:
    """A function that GETs ``path`` through ``application`` (by default the production
    server's, config/wsgi.py); it returns the status."""
    if application is None:
        from config.wsgi import application

    statuses: list[str] = []
    environ = _environ(path, headers)

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
        statuses.append(status)

    def get() -> str:
        # The same request each time, with a body of its own (empty: a GET).
        body = application({**environ, "wsgi.input": io.BytesIO(b"")}, start_response)
        b"".join(body)
        body.close()
        return statuses.pop()

    return get


@dataclass(frozen=True, slots=True)
class Split:
    """One request's CPU time in milliseconds, and its parts."""

    total_ms: float
    template_ms: float
    sql_ms: float

    @property
    def rest_ms(self) -> float:
        return self.total_ms - self.template_ms - self.sql_ms


def split(get: Callable[[], str], clock: _Clock, requests: int) -> Split:
    """The mean of ``requests`` requests made by ``get``, split as the module docstring says;
    every one must answer 200."""
    clock.reset()
    statuses = []
    started = time.process_time()
    for _ in range(requests):
        statuses.append(get())
    total = time.process_time() - started
    failed = [status for status in statuses if not status.startswith("200")]
    if failed:
        raise RuntimeError(f"{len(failed)} of {requests} requests answered {failed[0]}")
    template = clock.template - clock.sql_in_template
    return Split(
        total_ms=total / requests * 1000,
        template_ms=template / requests * 1000,
        sql_ms=clock.sql / requests * 1000,
    )


def breakdown(pages: list[tuple[str, str, dict[str, str]]]) -> tuple[Split, dict[str, Split]]:
    """The trivial view's split and each page's: ``pages`` is (name, path, headers)."""
    rounds, requests = (2, 50) if quick() else (ROUNDS, REQUESTS)
    trivial_get = _requester(TRIVIAL, {})
    best_trivial: Split | None = None
    best: dict[str, Split] = {}
    with _clocked() as clock:
        for name, path, headers in pages:
            get = _requester(path, headers)
            status = get()
            if not status.startswith("200"):
                raise RuntimeError(f"B1 breakdown {name}: {path} answered {status}")
            for _ in range(requests // 5):  # warm: templates, prepared statements, URLs
                get()
            for _round in range(rounds):
                trivial = split(trivial_get, clock, requests)
                if best_trivial is None or trivial.total_ms < best_trivial.total_ms:
                    best_trivial = trivial
                page = split(get, clock, requests)
                if name not in best or page.total_ms < best[name].total_ms:
                    best[name] = page
    assert best_trivial is not None
    return best_trivial, best


def figures(trivial: Split, pages: dict[str, Split]) -> list[Figure]:
    """B0.trivial_view.cpu_ms and B1.<page>.cpu_ms (its ratio: how many trivial views a page
    costs), each with its parts."""

    def detail(s: Split) -> dict[str, float]:
        return {
            "template_ms": round(s.template_ms, 3),
            "sql_ms": round(s.sql_ms, 3),
            "rest_ms": round(s.rest_ms, 3),
        }

    result = [
        Figure(
            "B0.trivial_view.cpu_ms",
            trivial.total_ms,
            "ms",
            goal=None,
            higher_is_better=False,
            detail=detail(trivial),
        )
    ]
    for name, s in pages.items():
        result.append(
            Figure(
                f"B1.{name}.cpu_ms",
                s.total_ms,
                "ms",
                goal=None,
                higher_is_better=False,
                baseline=trivial.total_ms,
                detail=detail(s),
            )
        )
    return result


def lines(trivial: Split, pages: dict[str, Split]) -> str:
    """The breakdown as a table: each request's CPU time and its parts, in milliseconds."""
    rows = [f"{'request':26} {'cpu ms':>7} {'template':>9} {'sql':>7} {'rest':>7}"]
    for name, s in {"trivial_view": trivial, **pages}.items():
        rows.append(
            f"{name:26} {s.total_ms:7.3f} {s.template_ms:9.3f} {s.sql_ms:7.3f} {s.rest_ms:7.3f}"
        )
    return "\n".join(rows)
