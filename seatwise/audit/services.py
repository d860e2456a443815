from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.core.bulk import rows_insert


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


def audit_record_many(
    *,
    by: Actor,
    action: str,
    entries: Sequence[tuple[models.Model, int | None, dict[str, Any] | None]],
) -> None:
    """``audit_record`` of the same ``action`` on many objects, in one INSERT (a batch job's
    writes): each entry is (object, account id, new). Call it inside the writes' transaction."""
    rows_insert(
        [
            AuditEntry(
                actor_kind=by.kind,
                actor_label=by.label[:200],
                actor_person_id=by.person_id,
                account_id=account_id,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                new=new,
                client_ip=by.client.address if by.client else None,
                client_agent=by.client.agent if by.client else "",
            )
            for obj, account_id, new in entries
        ]
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
