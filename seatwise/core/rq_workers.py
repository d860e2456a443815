"""The RQ worker class of ``scripts/serve.sh worker`` and of the tests' workers.

**Each job in the worker's own process** (RQ's ``SimpleWorker``), as ``db_worker`` runs its
tasks. RQ's default ``Worker`` forks a work horse per job, which starts from the parent's state
and throws away all the job loaded: WeasyPrint and its fonts (imported with the first PDF, some
1.5 s), the translation catalogs, the compiled queries (``core.prepared``) and XML schemas. On
PostgreSQL with Redis, B3's service orders went from 0.5 to 2.5 confirmed per second with this
class alone. A job that runs past its timeout is still stopped (RQ's alarm signal, in this
process); a job that crashes the process is taken over as one cut short
(``core.housekeeping``), and the service manager starts the worker again.

**Its listener for commands waits one second for a message, not sixty.** With RQ 3.0 and
redis-py 8, a worker that stops (SIGTERM from systemd or ``make run``'s Ctrl-C, or a burst
worker out of jobs) closes its command channel while the listening thread may still be inside
its wait, and the close waits for the wait to end: up to a minute before the process exits,
after all its work is done.
"""

from __future__ import annotations

from rq.worker import SimpleWorker as RQSimpleWorker
from rq.worker.base import BaseWorker


def _subscribe(worker: BaseWorker) -> None:
    """RQ's ``Worker.subscribe``, with a one-second wait."""
    worker.log.info("Worker %s: subscribing to channel %s", worker.name, worker.pubsub_channel_name)
    worker.pubsub = worker.connection.pubsub()
    worker.pubsub.subscribe(**{worker.pubsub_channel_name: worker.handle_payload})
    worker.pubsub_thread = worker.pubsub.run_in_thread(  # type: ignore[assignment]
        sleep_time=1, daemon=True, exception_handler=worker._pubsub_exception_handler
    )


class SimpleWorker(RQSimpleWorker):
    def subscribe(self) -> None:
        _subscribe(self)
