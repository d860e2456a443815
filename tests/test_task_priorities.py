"""What a worker takes first on the database backend's one queue: e-mail before anything,
documents to archive after everything a customer waits for."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_sends_e_mail_first_and_archives_documents_last(run_worker):
    if settings.SEATWISE_TASK_BACKEND != "database":
        pytest.skip("the Redis workers take the mail queue first (scripts/serve.sh worker)")
    from django_tasks_db.models import DBTaskResult

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
    ran = DBTaskResult.objects.order_by("started_at", "id").values_list("task_path", flat=True)
    assert [path.rsplit(".", 1)[1] for path in ran] == [
        "deliver_email",
        "quotes_expire_task",
        "documents_archive_task",
    ]
