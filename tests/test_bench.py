"""The benchmark harness's own logic (bench/): reading wrk's output, judging a figure against
its goal, and the results file and plot. The benchmarks themselves run in ``make bench``,
never in the tests (no timing here)."""

from __future__ import annotations

import json

import pytest

from bench.report import Figure, table, write
from bench.server import Load, loads_combined, parse_wrk

# What wrk 4.1 printed here against a local server (the second run: a path that was not found).
WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8811/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.11ms    1.38ms  10.79ms   70.89%
    Req/Sec   627.80    109.90     0.85k    70.00%
  Latency Distribution
     50%    3.02ms
     75%    3.87ms
     90%    4.80ms
     99%    7.41ms
  627 requests in 1.00s, 0.91MB read
Requests/sec:    625.00
Transfer/sec:      0.90MB
"""


def test_wrk_output_gives_the_rate_the_percentiles_and_no_error():
    assert parse_wrk(WRK_OUTPUT) == Load(
        requests_per_s=625.0, p50_ms=3.02, p99_ms=7.41, requests=627, errors=0
    )


def test_wrk_counts_failed_answers_and_socket_errors_and_reads_every_unit():
    output = (
        WRK_OUTPUT.replace("50%    3.02ms", "50%  812.00us")
        .replace("99%    7.41ms", "99%    1.20s")
        .replace(
            "Requests/sec:",
            "  Socket errors: connect 0, read 2, write 0, timeout 3\n"
            "  Non-2xx or 3xx responses: 1058\nRequests/sec:",
        )
    )
    load = parse_wrk(output)
    assert (load.p50_ms, load.p99_ms, load.errors) == (0.812, 1200.0, 1063)


def test_output_that_is_not_wrk_latency_output_is_refused():
    with pytest.raises(ValueError, match="not the output of wrk --latency"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_figure_is_judged_on_its_ratio_or_its_value_in_its_direction():
    page = Figure(
        "B1.page", 120.0, "req/s", goal=0.5, higher_is_better=True, baseline=300.0, goal_on="ratio"
    )
    fast_page = Figure(
        "B1.fast", 200.0, "req/s", goal=0.5, higher_is_better=True, baseline=300.0, goal_on="ratio"
    )
    p99 = Figure("B1.page.p99_ms", 30.0, "ms", goal=25.0, higher_is_better=False)
    floor = Figure("B0.trivial_view", 300.0, "req/s", goal=None, higher_is_better=True)
    assert [(f.ratio, f.met, f.share_of_goal) for f in (page, fast_page, p99, floor)] == [
        (0.4, False, pytest.approx(0.8)),
        (pytest.approx(2 / 3), True, pytest.approx(4 / 3)),
        (None, False, pytest.approx(25 / 30)),
        (None, True, 1.0),
    ]


def test_the_results_are_written_as_json_with_the_machine_and_plotted(tmp_path):
    figures = [
        Figure("B0.trivial_view", 3000.0, "req/s", goal=None, higher_is_better=True),
        Figure(
            "B1.page",
            1600.0,
            "req/s",
            goal=0.5,
            higher_is_better=True,
            baseline=3000.0,
            goal_on="ratio",
            detail={"p50_ms": 1.5, "p99_ms": 4.0},
        ),
        Figure("B6.web_worker_rss_mb", 160.0, "MB", goal=150.0, higher_is_better=False),
    ]
    json_path, png_path = write(figures, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["benchmarks"] == [
        {
            "name": "B0.trivial_view",
            "value": 3000.0,
            "unit": "req/s",
            "baseline": None,
            "ratio": None,
            "goal": None,
            "goal_on": "value",
            "met": True,
        },
        {
            "name": "B1.page",
            "value": 1600.0,
            "unit": "req/s",
            "baseline": 3000.0,
            "ratio": 0.5333,
            "goal": 0.5,
            "goal_on": "ratio",
            "met": True,
            "detail": {"p50_ms": 1.5, "p99_ms": 4.0},
        },
        {
            "name": "B6.web_worker_rss_mb",
            "value": 160.0,
            "unit": "MB",
            "baseline": None,
            "ratio": None,
            "goal": 150.0,
            "goal_on": "value",
            "met": False,
        },
    ]
    assert set(data["machine"]) == {
        "cpus",
        "cpu_model",
        "memory_gib",
        "python",
        "sqlite",
        "system",
        "commit",
        "quick",
    }
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [line.split() for line in table(figures).splitlines()] == [
        ["benchmark", "value", "unit", "ratio", "goal", "met"],
        ["B0.trivial_view", "3000.00", "req/s", "—", "yes"],
        ["B1.page", "1600.00", "req/s", "0.533", "≥0.5", "×", "yes"],
        ["B6.web_worker_rss_mb", "160.00", "MB", "≤150", "NO"],
    ]


def test_a_value_that_is_not_a_number_is_written_as_null_and_not_met(tmp_path):
    never = Figure("B3.order_email_p99_s", float("inf"), "s", goal=2.0, higher_is_better=False)

    json_path, _png = write([never], tmp_path)

    [written] = json.loads(json_path.read_text())["benchmarks"]
    assert (written["value"], written["met"]) == (None, False)


def test_several_runs_combine_into_their_rate_over_their_time_and_the_worst_p99():
    runs = [
        Load(requests_per_s=1000.0, p50_ms=2.0, p99_ms=9.0, requests=1000, errors=0),
        Load(requests_per_s=500.0, p50_ms=4.0, p99_ms=20.0, requests=1000, errors=1),
        Load(requests_per_s=250.0, p50_ms=8.0, p99_ms=15.0, requests=500, errors=2),
    ]

    combined = loads_combined(runs)

    # 2,500 requests in 1 + 2 + 2 seconds.
    assert combined == Load(requests_per_s=500.0, p50_ms=4.0, p99_ms=20.0, requests=2500, errors=3)


def test_memory_is_the_highest_peak_of_every_web_and_task_worker_measured():
    from bench.pages import _memory, memory_over_all

    run = {"web_worker_peak_rss_mb": 120.0, "task_worker_peak_rss_mb": 181.25}
    figures = [
        _memory("B6.web_worker_rss_mb", {"B1": 108.0}, goal=150.0),
        _memory("B6.task_worker_rss_mb", {"the demo's 12 queued tasks": 172.0}, goal=None),
        Figure(
            "B5.api_tx_per_s",
            310.0,
            "tx/s",
            goal=1000.0,
            higher_is_better=True,
            detail={"web_worker_peak_rss_mb": 151.5},
        ),
        Figure("B3.order_email_p99_s", 40.0, "s", goal=2.0, higher_is_better=False, detail=run),
        # The same run's other figure: not listed twice.
        Figure("B3.orders_per_s", 4.8, "orders/s", goal=200.0, higher_is_better=True, detail=run),
        Figure(
            "B4.charges_per_s.sqlite",
            6.3,
            "charges/s",
            goal=None,
            higher_is_better=True,
            detail={"task_worker_peak_rss_mb": 175.0},
        ),
    ]

    web, task, *others = memory_over_all(figures)

    assert (web.name, web.value, web.goal, web.met) == ("B6.web_worker_rss_mb", 151.5, 150.0, False)
    assert web.detail == {
        "peaks_mb": {"B1": 108.0, "B5.api_tx_per_s": 151.5, "B3.order_email_p99_s": 120.0}
    }
    assert (task.name, task.value, task.goal) == ("B6.task_worker_rss_mb", 181.25, None)
    assert task.detail == {
        "peaks_mb": {
            "the demo's 12 queued tasks": 172.0,
            "B3.order_email_p99_s": 181.2,
            "B4.charges_per_s.sqlite": 175.0,
        }
    }
    assert others == figures[2:]
