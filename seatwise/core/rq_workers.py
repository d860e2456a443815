"""The RQ workers: each task runs in the worker's own process, as the database backend's
``db_worker`` runs it, and the listener for commands waits one second for a message, not sixty.

RQ's default ``Worker`` forks a process for each task, which starts from the parent's state and
drops what it loaded when the task ends: WeasyPrint and its fonts, the templates, the compiled
queries and schemas, loaded again by every order's tasks. ``ServingWorker`` (``scripts/serve.sh
worker``) runs them in its own process instead, and loads before its first task what they use
(``core.tasking.worker_preload``, as ``manage.py task_worker`` does for the database backend).
B3 on PostgreSQL + Redis (``bench/orders.py``, 30 orders, four
workers): 1.1 orders/s forking, 2.4 forking with the parent preloaded, 4.5-4.9 in process
(one worker: 0.56, 1.5, 3.0).

A worker killed in the middle of a task loses no work: its job stays "started" in RQ's registry
until its time-out has passed, but what the task was doing is taken up by the every-minute jobs
(``core.schedule``: open purchases resumed, e-mails relayed, documents archived), a charge cut
off in flight by the reconciler once the gateway's grace has passed
(``tests/test_scale_out.py``).

With RQ 3.0 and redis-py 8, a worker that stops (SIGTERM from systemd or ``make run``'s
Ctrl-C, or a burst worker out of jobs) closes its command channel while the listening thread
may still be inside its wait, and the close waits for the wait to end: up to a minute before
the process exits, after all its work is done. The tests' workers run ``SimpleWorker`` (in
burst mode, without the preload: a test starts hundreds; the crash tests' fault hook kills the
worker itself).
"""

from __future__ import annotations

from typing import Any

from rq.worker import SimpleWorker as RQSimpleWorker

from seatwise.core.tasking import worker_preload


class SimpleWorker(RQSimpleWorker):
    """Each task in the worker's own process; the command listener waits one second."""

    def subscribe(self) -> None:
        """RQ's ``subscribe``, with a one-second wait."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class ServingWorker(SimpleWorker):
    """``scripts/serve.sh worker``: loads what the tasks use before its first one."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        worker_preload()
        return super().work(*args, **kwargs)
