"""A crash right after a pipeline step committed, in the test's own process: the fault hook of
``sales.runner`` raises ``Crash`` (which nothing in Seatwise catches) instead of killing the
process, so the database holds exactly what a killed worker would have left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from seatwise.sales import runner


class Crash(BaseException):
    """The process 'died' here."""


@contextmanager
def crash_after(monkeypatch: pytest.MonkeyPatch, step: str) -> Iterator[None]:
    """Within the block, the first purchase to finish ``step`` crashes right after it."""
    crashed = False

    def fault_point(kind: str, done: str) -> None:
        nonlocal crashed
        if done == step and not crashed:
            crashed = True
            raise Crash(f"{kind}:{step}")

    def fault_named(kind: str, done: str) -> bool:
        # Steps the runner runs in one transaction commit at the step named (as for the
        # hook's environment variable), so that the crash comes right after that step.
        return done == step and not crashed

    with monkeypatch.context() as patch:
        patch.setattr(runner, "_fault_point", fault_point)
        patch.setattr(runner, "_fault_named", fault_named)
        with pytest.raises(Crash):
            yield
