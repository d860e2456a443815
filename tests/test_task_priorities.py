"""What a worker takes first: e-mail before anything, documents to archive after everything a
customer waits for; on the database backend's one queue by the tasks' priorities, on Redis by
the order of the queues the worker takes (``mail``, ``default``, ``documents``)."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(transaction=True)


def _ran() -> list[str]:
    """The names of the tasks the worker ran, in the order it started them."""
    if settings.SEATWISE_TASK_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        paths = DBTaskResult.objects.order_by("started_at", "id").values_list(
            "task_path", flat=True
        )
        return [path.rsplit(".", 1)[1] for path in paths]
    import django_rq
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    jobs: list[Job] = []
    for name in settings.TASK_QUEUES:
        queue = django_rq.get_queue(name)
        ids = FinishedJobRegistry(queue=queue).get_job_ids()
        jobs += [job for job in Job.fetch_many(ids, connection=queue.connection) if job]
    jobs.sort(key=lambda job: job.started_at)
    return [job.func_name.rsplit(".", 1)[1] for job in jobs]


def test_a_worker_sends_e_mail_first_and_archives_documents_last(run_worker):
    from seatwise.invoicing.tasks import documents_archive_task
    from seatwise.notifications.tasks import deliver_email
    from seatwise.ordering.tasks import quotes_expire_task

    # Given, enqueued in this order: documents to archive, an ordinary job, an e-mail (none
    # of them has anything to do)
    documents_archive_task.enqueue(invoice_ids=[])
    quotes_expire_task.enqueue()
    deliver_email.enqueue(email_id=0)

    # When one worker runs them
    run_worker()

    # Then it ran the e-mail first and the archiving last
    assert _ran() == ["deliver_email", "quotes_expire_task", "documents_archive_task"]
