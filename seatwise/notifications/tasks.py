from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from seatwise.notifications.attachments import attachment_render
from seatwise.notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)


@task(queue_name="mail")
def deliver_email(*, email_id: int) -> None:
    """Send a queued e-mail. Idempotent: an e-mail already sent is not sent again.

    Attachments are rendered first, outside the transaction, so that no row lock (nor, on
    SQLite, the database's write lock) is held while a PDF is being made.
    """
    queued = OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True).first()
    if queued is None:
        return
    files = [attachment_render(ref) for ref in queued.attachments]
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to_address],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers={
                **(email.headers or {}),
                "Message-ID": f"<seatwise-{email.pk}@{settings.SEATWISE_MAIL_DOMAIN}>",
            },
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        for file in files:
            message.attach(file.filename, file.content, file.mimetype)
        try:
            message.send()
        except Exception as error:
            email.last_error = str(error)[:500]
            OutgoingEmail.objects.filter(pk=email.pk).update(
                attempts=email.attempts, last_error=email.last_error
            )
            logger.warning("e-mail %s not delivered: %s", email.pk, error)
            raise
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["sent_at", "attempts", "last_error"])
