"""B4 and its B0 floor on SQLite and on PostgreSQL: ``bench/billrun.py`` in a process of its
own per database and measurement (a throwaway PostgreSQL cluster, scripts/pg-throwaway.sh,
durable: fsync on): the bill run over generated accounts, and the charges it hands over,
taken by task workers from a test gateway that answers after ``LATENCY`` seconds; and, in the
full run, Tryton billing comparable subscriptions on the same cluster (bench/tryton.py).
"""

from __future__ import annotations

from bench.report import Figure, quick
from bench.server import (
    database_create,
    demo_environment,
    postgresql,
    run_module,
    temporary_var_dir,
)

INVOICES_GOAL = 10_000.0
# The charges: renewals, task workers, and the gateway's answer time (a card network's).
CHARGES = 200
WORKERS = 4
LATENCY = 0.3
# The peer: Tryton billing this many comparable subscriptions (full run only).
TRYTON_SUBSCRIPTIONS = 1_000


def _measure(server: str | None) -> tuple[dict[str, float], dict[str, float]]:
    """The bill run and the charges, each on an empty database of its own."""
    results = []
    for name, args in (
        ("billrun", ["run", str(10_000 if quick() else 100_000)]),
        ("charges", ["charges", str(CHARGES), str(WORKERS), str(LATENCY)]),
    ):
        env = demo_environment(temporary_var_dir())
        if server is not None:
            env["DATABASE_URL"] = database_create(server, name)
        results.append(run_module("bench.billrun", args, env))
    return results[0], results[1]


def bill_runs() -> list[Figure]:
    """B0 (the invoice rows inserted set-based), B4 (invoices issued by the bill run) and the
    charges the workers take after it, per database."""
    figures = []
    with postgresql() as server:
        for database, (run, charged) in (
            ("sqlite", _measure(None)),
            ("postgresql", _measure(server)),
        ):
            floor = run["invoices"] / run["floor_seconds"]
            figures += [
                Figure(
                    f"B0.invoice_rows_insert_per_s.{database}",
                    floor,
                    "rows/s",
                    goal=None,
                    higher_is_better=True,
                ),
                Figure(
                    f"B4.invoices_per_s.{database}",
                    run["invoices"] / run["seconds"],
                    "inv/s",
                    goal=INVOICES_GOAL,
                    higher_is_better=True,
                    baseline=floor,
                    detail={
                        "subscriptions": run["subscriptions"],
                        "invoices": run["invoices"],
                        "statements_per_invoice": round(
                            run["statements"] / max(1, run["invoices"]), 2
                        ),
                        "peak_rss_mb": round(run["peak_rss_mb"], 1),
                    },
                ),
                Figure(
                    f"B4.charges_per_s.{database}",
                    charged["completed"] / charged["seconds"],
                    "charges/s",
                    goal=None,
                    higher_is_better=True,
                    detail={
                        "renewals": charged["renewals"],
                        "completed": charged["completed"],
                        "workers": charged["workers"],
                        "concurrency_per_worker": charged["concurrency"],
                        "gateway_latency_s": charged["latency_s"],
                        "task_worker_peak_rss_mb": round(charged["worker_peak_rss_mb"], 1),
                    },
                ),
            ]
        if quick():
            print("B4.tryton: skipped in the quick run (Tryton's setup alone takes minutes)")
        else:
            figures += _tryton(server)
    return figures


def _tryton(server: str) -> list[Figure]:
    """Tryton's bill run on the same PostgreSQL (bench/tryton.py); nothing, with the reason
    printed, when its environment cannot be made (no package index, say)."""
    from bench.tryton import tryton_bill_run

    try:
        result = tryton_bill_run(server, TRYTON_SUBSCRIPTIONS)
    except RuntimeError as failure:
        print(f"B4.tryton: not measured: {str(failure)[-2000:]}")
        return []
    return [
        Figure(
            "B4.tryton.invoices_per_s",
            result["invoices_per_s"],
            "inv/s",
            goal=None,
            higher_is_better=True,
            detail={
                key: result[key]
                for key in (
                    "subscriptions",
                    "invoices",
                    "version",
                    "draft_invoices_per_s",
                    "invoices_per_s_with_restarts",
                )
                if key in result
            },
        )
    ]
