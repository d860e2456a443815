"""RQ worker classes whose listener for commands waits one second for a message, not sixty.

With RQ 3.0 and redis-py 8, a worker that stops (SIGTERM from systemd or ``make run``'s
Ctrl-C, or a burst worker out of jobs) closes its command channel while the listening thread
may still be inside its wait, and the close waits for the wait to end: up to a minute before
the process exits, after all its work is done. ``scripts/serve.sh worker`` runs ``Worker``; the
tests' workers run ``SimpleWorker`` (jobs in the worker's own process, so the crash tests'
fault hook kills the worker itself).
"""

from __future__ import annotations

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


class Worker(RQWorker):
    def subscribe(self) -> None:
        _subscribe(self)


class SimpleWorker(RQSimpleWorker):
    def subscribe(self) -> None:
        _subscribe(self)
