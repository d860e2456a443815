from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CLIENT_AGENT_MAX = 256


class ImmutableAuditEntry(Exception):
    """An audit entry was about to be changed or deleted: the trail is append-only."""


def _refuse(what: str) -> NoReturn:
    raise ImmutableAuditEntry(
        f"Audit entries are never {what}: the audit trail is append-only "
        "(a whole account's trail goes only with seatwise.audit.purge.audit_trail_purge)."
    )


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reads and inserts only: every way the ORM has to change or delete rows refuses.

    The database refuses too (a trigger of migration ``0004``), for whatever goes around the
    ORM; this refusal is the one a developer meets first, with a stack trace to the caller.
    """

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("updated")

    def _update(self, values: Any) -> NoReturn:  # Model.save()'s UPDATE of an existing row
        _refuse("updated")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        _refuse("updated")

    def delete(self) -> NoReturn:
        _refuse("deleted")

    def _raw_delete(self, using: Any) -> NoReturn:  # the deletion collector's fast path
        _refuse("deleted")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        if kwargs.get("update_conflicts"):
            _refuse("updated")
        return super().bulk_create(objs, *args, **kwargs)


class AuditEntry(models.Model):
    """One write: who, what, on which account, old and new values, when, from which client.

    Append-only: the model's manager, ``save()`` and ``delete()`` refuse to change or delete
    an entry (``ImmutableAuditEntry``), and so does the database (triggers of migration
    ``0004``). ``account_id`` and ``actor_person_id`` are plain columns, not foreign keys, so
    that the trail outlives whatever it describes and never blocks a delete.
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
    # The client of the request that made the write (``audit.actors.Client``): its address
    # and its User-Agent. Empty for writes no request made (jobs, tasks, commands).
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    client_agent = models.CharField(
        max_length=CLIENT_AGENT_MAX, blank=True, default="", db_default=""
    )

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # Related lookups and refresh_from_db() go through the refusing manager too.
        base_manager_name = "objects"
        # The trail is read newest first, by time (``at``, then ``id``), page by page from a
        # keyset (seatwise.audit.selectors): one index for each way it is read, so that a
        # page is one index range whatever the size of the table.
        indexes = [
            models.Index(fields=["account_id", "at", "id"], name="audit_account_at_idx"),
            models.Index(
                fields=["account_id", "action", "at", "id"], name="audit_account_action_at_idx"
            ),
            # By actor, in one account or in all: a person's label is their e-mail address,
            # which never changes, and a person's entries are those of their own account (or,
            # for vendor staff, of the accounts they served), so no account column is needed.
            models.Index(fields=["actor_label", "at", "id"], name="audit_actor_at_idx"),
            # The support console's trail of every account, by time or by action.
            models.Index(fields=["at", "id"], name="audit_at_idx"),
            models.Index(fields=["action", "at", "id"], name="audit_action_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert the entry; an entry already stored is never saved again."""
        if not self._state.adding:
            _refuse("updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("deleted")
