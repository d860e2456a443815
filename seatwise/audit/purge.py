"""The one way audit entries leave the database: with the whole accounts they describe.

The trail is append-only (``AuditEntry``'s manager, ``save()`` and ``delete()`` refuse, and
the database's triggers refuse ``UPDATE`` always and ``DELETE`` without a permit: migration
``audit/0004``). Deleting is permitted to a transaction that holds a row of
``audit_purge_permit``, for as long as it holds it; ``audit_deletes_permitted`` writes that
row and deletes it again before the transaction ends, so no other transaction ever sees it.

Two callers: ``audit_trail_purge``, when whole accounts are deleted (the demo wipe), and the
test suite's emptying of every table between transactional tests (``tests/worlds.py``).
Nothing edits or deletes part of a live account's trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from seatwise.audit.models import AuditEntry

PERMIT_TABLE = "audit_purge_permit"


@contextmanager
def audit_deletes_permitted(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside: this transaction may delete audit entries (in a savepoint of its own, so that
    an error inside gives the permit back with everything else)."""
    token = uuid.uuid4().hex
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (token) VALUES (%s)", [token])  # noqa: S608
        yield
        cursor.execute(f"DELETE FROM {PERMIT_TABLE} WHERE token = %s", [token])  # noqa: S608


def audit_trail_purge(*, account_ids: Sequence[int]) -> int:
    """Delete every audit entry of these accounts, which are being deleted themselves, in the
    caller's transaction; the number deleted."""
    with audit_deletes_permitted():
        # A plain QuerySet: AuditEntry's own refuses every delete.
        plain: models.QuerySet[AuditEntry] = models.QuerySet(model=AuditEntry)
        rows = plain.filter(account_id__in=list(account_ids))
        deleted, _details = rows.delete()
    return deleted
