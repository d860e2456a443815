"""The claim of a gateway call, shared by charges and refunds: one caller at a time talks to the
gateway about a row (``Charge`` or ``Refund``), and only the holder of the latest claim records
what the gateway said.

A row is inserted ``pending`` with its first claim (the gateway cannot have seen its key yet).
It can be claimed again when its outcome is ``unknown`` or ``not_attempted``, or when it is
still ``pending`` after the call grace (its caller died somewhere, perhaps after the gateway
acted: until the gateway says otherwise the outcome is unknown, so ``prior`` says to ask the
gateway before calling it again). ``attempt`` is the fencing token: the row's ``attempts`` when
claimed. Call ``claim`` inside the transaction that holds the row's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils import timezone

PENDING = "pending"
UNKNOWN = "unknown"
NOT_ATTEMPTED = "not_attempted"


class GatewayCallRow(Protocol):
    pk: int
    status: str
    attempts: int
    attempted_at: datetime | None

    def save(self, *, update_fields: list[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to talk to the gateway about row ``row_id``; ``prior`` is the row's status
    before the claim, None for a row just inserted."""

    row_id: int
    attempt: int
    prior: str | None


def first_claim(row: GatewayCallRow) -> Claim:
    """The claim of a row just inserted ``pending`` with ``attempts=1``."""
    return Claim(row_id=row.pk, attempt=1, prior=None)


def is_claimable(row: GatewayCallRow, *, stale_before: datetime) -> bool:
    if row.status in {NOT_ATTEMPTED, UNKNOWN}:
        return True
    return row.status == PENDING and (row.attempted_at is None or row.attempted_at < stale_before)


def claim(row: GatewayCallRow) -> Claim:
    """Claim the locked ``row`` (checked ``is_claimable``): ``pending`` again, one more attempt."""
    prior = UNKNOWN if row.status == PENDING else row.status
    row.status = PENDING
    row.attempts += 1
    row.attempted_at = timezone.now()
    row.save(update_fields=["status", "attempts", "attempted_at"])
    return Claim(row_id=row.pk, attempt=row.attempts, prior=prior)
