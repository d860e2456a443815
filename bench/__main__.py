"""``make bench``: every benchmark, its figures against their goals, printed and written to
``bench/results/latest.json`` and ``latest.png`` (bench/report.py). ``BENCH_QUICK=1``: the
short version.

Measured so far: B0 (the trivial view), B1 (portal pages on the production server; in
process, one page's template in Django's template language and in Jinja2, and where each
page's time goes), B2 (the same pages at 10,000 and at a million accounts), B3 (service
orders placed over HTTP at a fixed rate, to their confirmation e-mail, with one and four task
workers), B4 (the bill run on SQLite and PostgreSQL, against a set-based insert of the same
invoice rows), B5 (the provisioning API's writes), B6 (the highest peak memory of any web
worker and any task worker measured in B1 to B5).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Figure

BASE = Path(__file__).resolve().parent.parent


def _run() -> list[Figure]:
    from bench.server import demo_environment, prepare, temporary_var_dir

    env = demo_environment(temporary_var_dir())
    # This process reads and writes the server's database (sessions, generated accounts).
    os.environ.pop("DATABASE_URL", None)
    for name in (
        "SEATWISE_DEMO",
        "SEATWISE_VAR_DIR",
        "DJANGO_SETTINGS_MODULE",
        "SEATWISE_API_RATE_LIMIT",
    ):
        os.environ[name] = env[name]
    print("== preparing the demo database", flush=True)
    prepare(env)

    import django

    django.setup()
    from bench.api import api_writes
    from bench.billing import bill_runs
    from bench.orders import orders
    from bench.pages import (
        growth,
        memory_over_all,
        page_breakdown,
        pages,
        readers,
        template_engines,
    )
    from bench.server import web_server

    print("== B0, B1, B6: pages on the production server", flush=True)
    figures = pages(env)
    print("== B1: one page's template in Django's template language and in Jinja2", flush=True)
    figures += template_engines()
    print("== B1: where each page's time goes, in process", flush=True)
    figures += page_breakdown()
    print("== B5: the provisioning API's writes", flush=True)
    token = readers()["api"]["Authorization"].removeprefix("Bearer ")
    with web_server(env) as server:
        figures += api_writes(server, token)
    print("== B3: service orders to their confirmation e-mail", flush=True)
    figures += orders()
    print("== B0, B4: the bill run on SQLite and on PostgreSQL", flush=True)
    figures += bill_runs()
    print("== B2: the pages at 10,000 and at a million accounts", flush=True)
    figures += growth(env)
    # B6: the highest peak of every web and task worker measured above.
    return memory_over_all(figures)


def main() -> None:
    sys.path.insert(0, str(BASE))
    os.chdir(BASE)
    from bench.report import table, write
    from bench.server import temporary_dirs_remove

    started = time.monotonic()
    try:
        figures = _run()
    finally:
        # BENCH_KEEP=1 keeps the run's databases for a look afterwards.
        if os.environ.get("BENCH_KEEP", "") in ("", "0"):
            temporary_dirs_remove()
    print()
    print(table(figures))
    json_path, png_path = write(figures)
    print(f"\nWritten: {json_path.relative_to(BASE)}, {png_path.relative_to(BASE)}")
    print(f"In {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
