from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One write: who, what, on which account, old and new values, when.

    Append-only. ``account_id`` and ``actor_person_id`` are plain columns, not foreign keys,
    so that the trail outlives whatever it describes and never blocks a delete.
    """

    class ActorKind(models.TextChoices):
        PERSON = "person", _("Person")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_label = models.CharField(max_length=200)
    actor_person_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["account_id", "id"], name="audit_account_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The support console's audit trail of an account, newest first, filtered by
            # action or by actor (seatwise.support.selectors.audit_page, audit_actions).
            models.Index(fields=["account_id", "action", "id"], name="audit_account_action_idx"),
            models.Index(
                fields=["account_id", "actor_label", "id"], name="audit_account_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
