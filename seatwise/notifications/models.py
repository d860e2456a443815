from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """An e-mail, rendered in its recipient's language when it was queued.

    The row and the task that delivers it commit in the transaction of the change that causes
    the e-mail, so none is lost. ``status`` follows each message through its attempts
    (``notifications.delivery``): queued → sending → sent, or back to queued for a later
    attempt, or failed. It is also the outbox that the operator reads (``manage.py outbox``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64)
    to_address = models.EmailField(max_length=254)
    to_person_id = models.BigIntegerField(null=True, blank=True)
    sender_person_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=5)
    reply_to = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # A caller that must send an e-mail at most once (an order's confirmation) names it here.
    dedupe_key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    # Documents to attach, as descriptors ``{"kind": "invoice_pdf", "id": 42}``: the worker
    # renders them when it delivers (``notifications.attachments``), so the row holds no PDF
    # bytes and the request that queues the e-mail renders none.
    attachments = models.JSONField(default=list, blank=True)
    # Threading headers of a reply (``In-Reply-To``, ``References``): a support case's
    # e-mails form one conversation in the customer's mail program.
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # When the next attempt is due (queued), and until when the running attempt holds the
    # message (sending): an attempt whose worker died is taken over after that.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(
                fields=["sender_person_id", "kind", "created_at"], name="email_sender_idx"
            ),
            models.Index(fields=["account_id", "id"], name="email_account_idx"),
            # The relay's scan of what is due, and the oldest message still unsent.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="email_unsent_idx",
            ),
            models.Index(
                fields=["status", "id"],
                condition=models.Q(status="failed"),
                name="email_failed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed"]),
                name="email_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="email_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"
