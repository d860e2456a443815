"""The RQ worker class of the tests' worker processes (tests/tasks.py): RQ's SimpleWorker, whose
thread listening for commands (RQ's pub/sub channel) waits one second for a message, not sixty.

With RQ 3.0 and redis-py 8, a burst worker that has run out of jobs closes that channel while the
thread may still be inside its wait, and the close waits for the wait to end: up to a minute
before the process exits, after all its jobs are done. Production workers run for days and stop
rarely; a test starts hundreds of them and waits for each one to exit.
"""

from __future__ import annotations

from rq.worker import SimpleWorker


class QuickExitSimpleWorker(SimpleWorker):
    def subscribe(self) -> None:
        """RQ's ``Worker.subscribe``, with a one-second wait."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )
