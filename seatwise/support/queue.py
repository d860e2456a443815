"""Reads of the console's case queue and case page."""

from __future__ import annotations

from django.db.models import QuerySet

from seatwise.core.paging import keyset_page
from seatwise.support.models import Case, CaseEvent

QUEUE_VIEWS = ("open", "unassigned", "mine", "closed")


def case_queue_page(
    *, view: str, agent_id: int, after: int | None, limit: int
) -> tuple[list[Case], int | None]:
    """A keyset page of cases, oldest first: every open case, the unassigned ones, the agent's
    own open ones, or the closed ones. Unconfirmed requests are never listed."""
    qs: QuerySet[Case] = Case.objects.select_related("account", "assignee")
    if view == "closed":
        qs = qs.filter(status=Case.Status.CLOSED)
    else:
        qs = qs.filter(status=Case.Status.OPEN)
        if view == "unassigned":
            qs = qs.filter(assignee__isnull=True)
        elif view == "mine":
            qs = qs.filter(assignee_id=agent_id)
    return keyset_page(qs, after=after, limit=limit)


def case_get(case_id: int) -> Case | None:
    """An opened case (unconfirmed requests do not exist for the console)."""
    return (
        Case.objects.select_related("account", "assignee", "requester_person")
        .exclude(status=Case.Status.UNCONFIRMED)
        .filter(pk=case_id)
        .first()
    )


def case_timeline(case: Case, *, limit: int = 200) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk")[:limit])
