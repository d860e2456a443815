"""The Redis + RQ task backend, with retries.

django-tasks-rq's backend, each job created with ``Retry(max=RETRIES)``: RQ runs again a job
that raised and (RQ 3) a job abandoned by a worker killed mid-task, once that worker's
execution has expired. Every task of Seatwise is idempotent, so another run is harmless.
"""

from __future__ import annotations

from typing import Any

import django_rq
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, failed_callback, success_callback
from django_tasks_rq.backend import RQBackend as BaseRQBackend
from rq import Retry
from rq.callbacks import Callback
from rq.job import JobStatus

RETRIES = 3
RETRY_INTERVALS = [10, 60, 300]  # seconds between the runs


class RQBackend(BaseRQBackend):
    # Tasks carry priorities (e-mail first, archiving last) for the database backend's one
    # queue; here each queue is first in, first out, and the workers take the mail queue
    # first and the documents queue last (scripts/serve.sh worker), which is what those
    # priorities are for.
    supports_priority = True

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        """As django-tasks-rq enqueues, with ``retry``; priorities are not used (above)."""
        self.validate_task(task)
        result: Any = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=Retry(max=RETRIES, interval=RETRY_INTERVALS),
        )
        if task.run_after is None:
            job = queue.enqueue_job(job)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
        return result
