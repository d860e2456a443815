"""Reads of the audit trail: one account's (the Admin Center, the support console's account
page) or every account's (the support console), newest first, filtered by actor, action and
time, page by page.

Order is by time, newest first: ``(at, id)`` descending, ``id`` breaking ties. A page is one
query of ``limit + 1`` rows from a keyset (``AuditCursor``, the last row's ``(at, id)``),
never a COUNT or an OFFSET, so that it costs the same at a million entries as at ten
(docs/ARCHITECTURE.md, "Scale"). Each way of reading has its index (``AuditEntry.Meta``):
one account by time ``(account_id, at, id)``, by action ``(account_id, action, at, id)``, by
actor ``(actor_label, at, id)``; every account by time ``(at, id)``, by action ``(action, at,
id)``. A date range bounds the ``at`` of the same range; a second filter is checked on the
rows of the first one's index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

from seatwise.audit.models import AuditEntry
from seatwise.core.validation import ID_MAX

PAGE_SIZE = 50
EXPORT_CHUNK = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,19})\.(\d{1,19})$")


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which entries: of one account (``account_id``) or of every account (None, the support
    console only); by exactly this actor label (a person's e-mail address), this action code,
    and at or after ``since`` and before ``until``."""

    account_id: int | None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where a page ends: the ``(at, id)`` of its last entry. The next page is what is older."""

    at: datetime
    id: int

    @classmethod
    def after(cls, entry: AuditEntry) -> AuditCursor:
        return cls(at=entry.at, id=entry.pk)

    def token(self) -> str:
        """The cursor in a URL: ``<microseconds since 1970>.<id>``."""
        delta = self.at - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> AuditCursor | None:
        """The cursor of ``token``, or None when it is malformed or out of range: a crafted
        value is no error, only the first page."""
        match = _CURSOR.match(token)
        if match is None:
            return None
        micros, pk = int(match[1]), int(match[2])
        if not 0 < pk <= ID_MAX:
            return None
        try:
            at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            return None
        return cls(at=at, id=pk)


def _entries(query: AuditQuery) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if query.account_id is not None:
        qs = qs.filter(account_id=query.account_id)
    if query.actor is not None:
        qs = qs.filter(actor_label=query.actor)
    if query.action is not None:
        qs = qs.filter(action=query.action)
    if query.since is not None:
        qs = qs.filter(at__gte=query.since)
    if query.until is not None:
        qs = qs.filter(at__lt=query.until)
    return qs


def _older_than(qs: QuerySet[AuditEntry], cursor: AuditCursor | None) -> QuerySet[AuditEntry]:
    if cursor is None:
        return qs
    # ``at <= X`` bounds the index range; the rest picks the rows of X older than the cursor.
    return qs.filter(Q(at__lt=cursor.at) | Q(id__lt=cursor.id), at__lte=cursor.at)


def audit_page(
    *, query: AuditQuery, before: AuditCursor | None, limit: int = PAGE_SIZE
) -> tuple[list[AuditEntry], AuditCursor | None]:
    """The entries of ``query`` newest first, older than ``before``, and the cursor of the
    next page (None on the last one). One query."""
    if limit < 1:
        raise ValueError("limit is at least 1")
    qs = _older_than(_entries(query), before).order_by("-at", "-id")
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (AuditCursor.after(rows[-1]) if more else None)


def audit_entries(*, query: AuditQuery, chunk: int = EXPORT_CHUNK) -> Iterator[AuditEntry]:
    """Every entry of ``query`` newest first, read ``chunk`` at a time as pages are (one
    query each, no transaction or cursor held between them), for an export streamed out as
    it is read."""
    before: AuditCursor | None = None
    while True:
        rows, before = audit_page(query=query, before=before, limit=chunk)
        yield from rows
        if before is None:
            return
