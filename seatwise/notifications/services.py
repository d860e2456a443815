"""Queue e-mails rendered in the recipient's language (plain text and HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from seatwise.core.tasking import enqueue_on_commit
from seatwise.notifications.attachments import AttachmentRef, attachment_refs_clean
from seatwise.notifications.models import OutgoingEmail

THREADING_HEADERS = frozenset({"In-Reply-To", "References"})


def render_email(*, template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render ``emails/<template>_subject.txt``, ``.txt`` and ``.html`` in ``language``."""
    with translation.override(language):
        full = {"language": language, "site_url": settings.SEATWISE_SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full).split())
        text = render_to_string(f"emails/{template}.txt", full)
        html = render_to_string(f"emails/{template}.html", full)
    return subject[:255], text, html


def email_queue(
    *,
    kind: str,
    to_address: str,
    language: str,
    context: dict[str, Any],
    account_id: int | None = None,
    to_person_id: int | None = None,
    sender_person_id: int | None = None,
    reply_to: str = "",
    dedupe_key: str | None = None,
    attachments: Sequence[AttachmentRef] = (),
    headers: Mapping[str, str] | None = None,
) -> OutgoingEmail:
    """Queue one e-mail and its delivery task with the caller's transaction.

    With a ``dedupe_key`` the same e-mail is queued at most once, however often this is called.
    ``attachments`` are descriptors (``{"kind": "invoice_pdf", "id": invoice.pk}``) that the
    worker renders when it delivers the e-mail (see ``notifications.attachments``).
    ``headers`` may hold the threading headers ``In-Reply-To`` and ``References``.
    """
    from seatwise.notifications.tasks import deliver_email

    refs = attachment_refs_clean(attachments)
    extra = dict(headers or {})
    unknown = set(extra) - THREADING_HEADERS
    if unknown:
        raise ValueError(f"e-mail headers not allowed: {sorted(unknown)}")

    if dedupe_key is not None:
        existing = OutgoingEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    subject, text, html = render_email(template=kind, language=language, context=context)
    with transaction.atomic():
        try:
            with transaction.atomic():
                email = OutgoingEmail.objects.create(
                    kind=kind,
                    to_address=to_address,
                    to_person_id=to_person_id,
                    sender_person_id=sender_person_id,
                    account_id=account_id,
                    language=language,
                    reply_to=reply_to,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    dedupe_key=dedupe_key,
                    attachments=refs,
                    headers=extra,
                )
        except IntegrityError:
            return OutgoingEmail.objects.get(dedupe_key=dedupe_key)
        # Swept up by the outbox relay (notifications.tasks.outbox_relay_task) if lost.
        enqueue_on_commit(deliver_email, email_id=email.pk)
    return email
