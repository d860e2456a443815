"""What a benchmark run found: its figures, their goals, the machine; as a table, as
``bench/results/latest.json`` and as a plot of every figure against its goal.

A figure is compared with a baseline measured in the same run (the trivial view for pages),
never with a number from another machine or day: ``ratio`` is ``value / baseline``. Its goal is
on the value itself or, for a figure with a baseline, on the ratio (``goal_on``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. ``higher_is_better``: req/s and invoices/s; not for latencies,
    memory or growth ratios. ``goal_on``: whether the goal bounds the value or the ratio."""

    name: str
    value: float
    unit: str
    goal: float | None  # None: a floor measured for the others' ratios, with no goal of its own
    higher_is_better: bool
    baseline: float | None = None
    goal_on: Literal["value", "ratio"] = "value"
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def measured(self) -> float:
        """What the goal is compared with."""
        if self.goal_on == "ratio":
            assert self.ratio is not None, f"{self.name}: a goal on the ratio needs a baseline"
            return self.ratio
        return self.value

    @property
    def met(self) -> bool:
        if self.goal is None:
            return True
        if self.higher_is_better:
            return self.measured >= self.goal
        return self.measured <= self.goal

    @property
    def share_of_goal(self) -> float:
        """How far toward the goal: 1 is the goal, above 1 better than it (1 with no goal)."""
        if self.goal is None:
            return 1.0
        if self.measured == 0:
            return 0.0 if self.higher_is_better else float("inf")
        return self.measured / self.goal if self.higher_is_better else self.goal / self.measured

    def as_json(self) -> dict[str, Any]:
        """The figure as JSON; a value that is not a finite number (an order never
        confirmed makes a p99 infinite) is null, and not met."""
        return {
            "name": self.name,
            "value": _number(self.value),
            "unit": self.unit,
            "baseline": _number(self.baseline),
            "ratio": _number(self.ratio),
            "goal": self.goal,
            "goal_on": self.goal_on,
            "met": self.met,
            **({"detail": self.detail} if self.detail else {}),
        }


def _number(value: float | None) -> float | None:
    return round(value, 4) if value is not None and math.isfinite(value) else None


def machine() -> dict[str, Any]:
    """The machine and software the figures were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory_kib = int(meminfo.read_text().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": platform.platform(),
        "commit": commit,
        "quick": quick(),
    }


def quick() -> bool:
    """``BENCH_QUICK=1``: the short version of every benchmark."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def table(figures: list[Figure]) -> str:
    lines = [f"{'benchmark':46} {'value':>12} {'unit':8} {'ratio':>7} {'goal':>9}  met"]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:7.3f}"
        goal = (
            "—"
            if f.goal is None
            else f"{'≥' if f.higher_is_better else '≤'}{f.goal:g}"
            + (" ×" if f.goal_on == "ratio" else "")
        )
        lines.append(
            f"{f.name:46} {f.value:12.2f} {f.unit:8} {ratio:>7} {goal:>9}  "
            f"{'yes' if f.met else 'NO'}"
        )
    return "\n".join(lines)


def write(figures: list[Figure], folder: Path = RESULTS) -> tuple[Path, Path]:
    """``latest.json`` and ``latest.png`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"benchmarks": [f.as_json() for f in figures], "machine": machine()}
    json_path = folder / "latest.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    png_path = folder / "latest.png"
    plot(figures, png_path)
    return json_path, png_path


def plot(figures: list[Figure], path: Path) -> None:
    """One bar per figure: how far it is toward its goal (1 = the goal, log scale), green when
    met, labelled with the figure itself."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(2.5, 0.38 * len(figures) + 1.2)
    fig, ax = plt.subplots(figsize=(10, height))
    names = [f.name for f in figures][::-1]
    shares = [max(min(f.share_of_goal, 1e4), 1e-4) for f in figures][::-1]
    colours = ["#9e9e9e" if f.goal is None else "#2e7d32" if f.met else "#c62828" for f in figures][
        ::-1
    ]
    ax.barh(names, shares, color=colours)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xlabel("share of the goal (1 = goal met exactly; right of the line: met; grey: a floor)")
    for y, f in enumerate(figures[::-1]):
        label = f"{f.value:.4g} {f.unit}" + ("" if f.ratio is None else f" ({f.ratio:.3g}×)")
        ax.text(shares[y], y, f" {label}", va="center", fontsize=8)
    ax.set_title("Seatwise benchmarks against their goals")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
