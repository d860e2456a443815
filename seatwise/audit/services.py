from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.core.bulk import values_insert


def audit_record(
    *,
    by: Actor,
    action: str,
    obj: models.Model,
    account_id: int | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write the audit entry of a write, with the actor's client when a request made it. Call
    it inside the write's own transaction."""
    return AuditEntry.objects.create(
        actor_kind=by.kind,
        actor_label=by.label[:200],
        actor_person_id=by.person_id,
        account_id=account_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        old=old,
        new=new,
        client_ip=by.client.address if by.client else None,
        client_agent=by.client.agent if by.client else "",
    )


# The columns of the entries ``audit_record_many`` writes (``old`` is null: a batch creates).
_MANY_FIELDS = (
    "at",
    "actor_kind",
    "actor_label",
    "actor_person_id",
    "account_id",
    "action",
    "object_type",
    "object_id",
    "new",
    "client_ip",
    "client_agent",
)


def audit_record_many(
    *,
    by: Actor,
    action: str,
    model: type[models.Model],
    entries: Sequence[tuple[int, int | None, dict[str, Any] | None]],
) -> None:
    """``audit_record`` of the same ``action`` on many objects of ``model``, in one set-based
    insert of plain rows (a batch job's writes; ``core.bulk.values_insert``): each entry is
    (the object's primary key, account id, new), all stamped with one time. Call it inside
    the writes' transaction."""
    at = timezone.now()
    label, person_id = by.label[:200], by.person_id
    client_ip = by.client.address if by.client else None
    client_agent = by.client.agent if by.client else ""
    object_type = model._meta.label_lower
    values_insert(
        AuditEntry,
        _MANY_FIELDS,
        [
            (
                at,
                by.kind,
                label,
                person_id,
                account_id,
                action,
                object_type,
                str(object_id),
                new,
                client_ip,
                client_agent,
            )
            for object_id, account_id, new in entries
        ],
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """JSON-safe values of ``fields`` for an audit entry's old/new columns."""
    result: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, str | int | bool | float):
            value = str(value)
        result[name] = value
    return result
