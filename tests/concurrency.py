"""Calls released at the same instant from threads, each with its own database connection:
double submits and parallel forms as a server with many workers would run them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connections


def all_at_once(functions: list[Callable[[], Any]]) -> list[str]:
    """Run ``functions`` in threads released together; each one's outcome or error class."""
    barrier = threading.Barrier(len(functions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def runner(function: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            result = function()
        except Exception as error:  # every failure counts, not only refusals
            result = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=runner, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return sorted(outcomes)
