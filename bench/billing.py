"""B4 and its B0 floor on SQLite and on PostgreSQL: ``bench/billrun.py`` in a process of its
own per database (a throwaway PostgreSQL cluster, scripts/pg-throwaway.sh, durable: fsync on).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.report import Figure, quick
from bench.server import BASE, demo_environment, free_port, temporary_var_dir

INVOICES_GOAL = 10_000.0


def _run(count: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.billrun", str(count)],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bill run failed:\n{done.stderr[-4000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _postgresql(count: int) -> dict[str, float]:
    cluster = temporary_var_dir()  # pg-throwaway.sh gives it to the postgres user
    port = free_port()
    script = BASE / "scripts" / "pg-throwaway.sh"
    subprocess.run(
        ["bash", str(script), "start", str(cluster), str(port)],
        check=True,
        env={**os.environ, "SEATWISE_PG_DURABLE": "1"},
    )
    try:
        env = demo_environment(temporary_var_dir())
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/postgres"
        return _run(count, env)
    finally:
        subprocess.run(["bash", str(script), "stop", str(cluster)], check=False)


def bill_runs() -> list[Figure]:
    """B0 (the invoice rows inserted set-based) and B4 (invoices issued by the bill run) per
    database."""
    # Small while the run issues invoices one purchase at a time (a few a second): 100,000
    # (10,000 quick) once it is set-based.
    count = 100 if quick() else 1_000
    figures = []
    for database, result in (
        ("sqlite", _run(count, demo_environment(temporary_var_dir()))),
        ("postgresql", _postgresql(count)),
    ):
        floor = result["invoices"] / result["floor_seconds"]
        figures.append(
            Figure(
                f"B0.invoice_rows_insert_per_s.{database}",
                floor,
                "rows/s",
                goal=None,
                higher_is_better=True,
            )
        )
        figures.append(
            Figure(
                f"B4.invoices_per_s.{database}",
                result["invoices"] / result["seconds"],
                "inv/s",
                goal=INVOICES_GOAL,
                higher_is_better=True,
                baseline=floor,
                detail={
                    "subscriptions": result["subscriptions"],
                    "invoices": result["invoices"],
                    "statements_per_invoice": round(
                        result["statements"] / max(1, result["invoices"]), 1
                    ),
                    "peak_rss_mb": round(result["peak_rss_mb"], 1),
                },
            )
        )
    return figures
