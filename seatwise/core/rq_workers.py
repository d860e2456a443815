"""RQ worker classes whose listener for commands waits one second for a message, not sixty.

With RQ 3.0 and redis-py 8, a worker that stops (SIGTERM from systemd or ``make run``'s
Ctrl-C, or a burst worker out of jobs) closes its command channel while the listening thread
may still be inside its wait, and the close waits for the wait to end: up to a minute before
the process exits, after all its work is done. ``scripts/serve.sh worker`` runs ``Worker``; the
tests' workers run ``SimpleWorker`` (jobs in the worker's own process, so the crash tests'
fault hook kills the worker itself).

RQ's ``Worker`` forks a process for each task, which starts from the parent's state and drops
what it loaded when the task ends. The parent therefore loads, before its first task, what the
tasks would each load again: the callables of ``settings.SEATWISE_TASK_PRELOAD`` (WeasyPrint
and its fonts, every template, the e-invoice schemas) and every language's translations. On B3
(``bench/orders.py``, PostgreSQL + Redis, 30 orders) this took one worker from 0.56 to 1.5
orders/s and four from 1.1 to 2.4 (with ``gc.freeze``).
"""

from __future__ import annotations

import gc
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.module_loading import import_string
from rq.worker import SimpleWorker as RQSimpleWorker
from rq.worker import Worker as RQWorker
from rq.worker.base import BaseWorker


def _subscribe(worker: BaseWorker) -> None:
    """RQ's ``Worker.subscribe``, with a one-second wait."""
    worker.log.info("Worker %s: subscribing to channel %s", worker.name, worker.pubsub_channel_name)
    worker.pubsub = worker.connection.pubsub()
    worker.pubsub.subscribe(**{worker.pubsub_channel_name: worker.handle_payload})
    worker.pubsub_thread = worker.pubsub.run_in_thread(  # type: ignore[assignment]
        sleep_time=1, daemon=True, exception_handler=worker._pubsub_exception_handler
    )


def preload() -> None:
    """Load in this process what every task would otherwise load for itself."""
    for path in settings.SEATWISE_TASK_PRELOAD:
        import_string(path)()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("")
    # A forked task opens its own connections; none is inherited from the parent.
    connections.close_all()
    # What is loaded now stays out of the garbage collector's reach: its passes in a task would
    # otherwise write to (and so copy) every page of it in the forked process.
    gc.freeze()


class Worker(RQWorker):
    def subscribe(self) -> None:
        _subscribe(self)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        preload()
        return super().work(*args, **kwargs)


class SimpleWorker(RQSimpleWorker):
    def subscribe(self) -> None:
        _subscribe(self)
