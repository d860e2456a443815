"""The production web server as ``make run`` serves it (scripts/serve.sh web: granian, two
worker processes), on a demo database of its own, and wrk on loopback as the load generator.

The benchmark process prepares the database (migrate, demo data) with the same settings and
makes the signed-in sessions itself, as a sign-in would leave them, so that the load is the
pages alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

BASE = Path(__file__).resolve().parent.parent
WEB_WORKERS = 2


@dataclass(frozen=True, slots=True)
class Load:
    """What wrk measured: requests per second and latency percentiles in milliseconds."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def loads_combined(loads: list[Load]) -> Load:
    """Several wrk runs of one URL as one: the requests over the time they all took, the
    median of their p50s, the highest of their p99s (never better than the worst run)."""
    seconds = sum(load.requests / load.requests_per_s for load in loads if load.requests_per_s)
    requests = sum(load.requests for load in loads)
    return Load(
        requests_per_s=requests / seconds if seconds else 0.0,
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        requests=requests,
        errors=sum(load.errors for load in loads),
    )


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """The figures of ``wrk --latency`` output. Socket errors and non-2xx/3xx answers are
    counted as errors."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if not (rate and p50 and p99 and total):
        raise ValueError(f"not the output of wrk --latency:\n{output}")
    errors = 0
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad.group(1))
    sockets = re.search(r"Socket errors: (.*)", output)
    if sockets:
        errors += sum(int(n) for n in re.findall(r"\d+", sockets.group(1)))
    return Load(
        requests_per_s=float(rate.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        errors=errors,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_environment(var_dir: Path) -> dict[str, str]:
    """The environment of ``make run`` on a database of its own."""
    env = dict(os.environ)
    env.update(
        {
            "SEATWISE_DEMO": "true",
            "SEATWISE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The API page is measured with its rate limit counted on every request (the
            # cost a request has in production: a process counts a token's requests in blocks
            # of a hundredth of the limit, at most 1,000, core.ratelimit's
            # rate_limit_hit_leased), but with a limit wrk never reaches.
            "SEATWISE_API_RATE_LIMIT": str(10**9),
        }
    )
    env.pop("DATABASE_URL", None)
    return env


def prepare(env: dict[str, str]) -> None:
    """Static files, migrations and the demo data, as ``make run`` does."""
    for command in (
        ["collectstatic", "--noinput", "--skip-checks", "-v0"],
        ["migrate", "--noinput", "-v0"],
        ["load_demo", "--if-empty", "-v0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        """The web worker processes (granian's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_peak_rss_mb(self) -> float:
        """The highest peak resident set (VmHWM) of the web workers so far."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status")
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)


@contextmanager
def web_server(env: dict[str, str]) -> Iterator[Server]:
    """scripts/serve.sh web on a free port, until it answers ``/healthz``; stopped after."""
    port = free_port()
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh", "web"],
        cwd=BASE,
        env={**env, "PORT": str(port), "SEATWISE_WEB_WORKERS": str(WEB_WORKERS)},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.2)
        yield Server(url, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_page(url: str, headers: dict[str, str]) -> None:
    """The page answers 200 itself (not a redirect to a sign-in page)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200")


def wrk(url: str, headers: dict[str, str], seconds: float, connections: int = 4) -> Load:
    """``wrk`` with one thread and ``connections`` keep-alive connections for ``seconds``."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


_TEMPORARY: list[Path] = []


@contextmanager
def postgresql() -> Iterator[str]:
    """A durable throwaway PostgreSQL cluster (scripts/pg-throwaway.sh, fsync on); yields its
    server's URL (without a database)."""
    cluster = temporary_var_dir()  # pg-throwaway.sh gives it to the postgres user
    port = free_port()
    script = BASE / "scripts" / "pg-throwaway.sh"
    subprocess.run(
        ["bash", str(script), "start", str(cluster), str(port)],
        check=True,
        env={**os.environ, "SEATWISE_PG_DURABLE": "1"},
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(script), "stop", str(cluster)], check=False)


def database_create(server: str, name: str, *, template: str | None = None) -> str:
    """A new database on ``server`` (a copy of ``template``, if named); its URL."""
    statement = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
    subprocess.run(["psql", f"{server}/postgres", "-qc", statement], check=True)
    return f"{server}/{name}"


@contextmanager
def redis() -> Iterator[str]:
    """A throwaway Redis server (Debian's redis-server, as make test starts it), nothing
    saved; yields its URL."""
    folder = temporary_var_dir()
    port = free_port()
    subprocess.run(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(folder), "--daemonize", "yes"),
            *("--logfile", str(folder / "redis.log")),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )


def temporary_var_dir() -> Path:
    """A folder of this run's own (databases, static files); removed by
    ``temporary_dirs_remove`` at the end of the run."""
    folder = Path(tempfile.mkdtemp(prefix="seatwise-bench-"))
    _TEMPORARY.append(folder)
    return folder


def temporary_dirs_remove() -> None:
    """Every folder ``temporary_var_dir`` made (a million accounts take a gigabyte)."""
    while _TEMPORARY:
        shutil.rmtree(_TEMPORARY.pop(), ignore_errors=True)


def task_worker_peak_rss_mb(env: dict[str, str]) -> tuple[float, int]:
    """A task worker (``manage.py task_worker``, as scripts/serve.sh starts it: what the tasks
    use loaded first; in batch mode) run over everything queued (the demo's e-mails and
    documents): its peak resident set, and how many tasks it ran."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.ready().count()
    process = subprocess.Popen(
        [
            *(sys.executable, "manage.py", "task_worker", "--batch", "--no-startup-delay"),
            *("--no-reload", "--queue-name", "*", "--verbosity", "0"),
        ],
        cwd=BASE,
        env=env,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"the task worker ended with {process.returncode}")
    return usage.ru_maxrss / 1024, queued


def run_module(module: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """``python -m <module> <args>`` in a process of its own with ``env``: the JSON object its
    last line of output prints (a benchmark's figures); RuntimeError with its errors if it
    fails."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def django_in_process() -> None:
    """Django set up in a benchmark's own process (``python -m bench.<module>``), on the
    database its environment names."""
    sys.path.insert(0, str(BASE))
    os.chdir(BASE)
    import django

    django.setup()


@contextmanager
def template_renders_wrapped(wrap: Callable[..., Any]) -> Iterator[None]:
    """While the block runs, every render of Django's template backend goes through
    ``wrap(render, template, context, request)``, ``render`` being the backend's own."""
    from django.template.backends.django import Template

    render = Template.render

    def wrapped(self: Any, context: Any = None, request: Any = None) -> Any:
        return wrap(render, self, context, request)

    with mock.patch.object(Template, "render", wrapped):
        yield
