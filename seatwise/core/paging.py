"""Keyset paging: the one way Seatwise lists rows, at the same cost whatever the table size."""

from __future__ import annotations

from django.db import models


def keyset_page[M: models.Model](
    qs: models.QuerySet[M], *, after: int | None, limit: int
) -> tuple[list[M], int | None]:
    """One page of ``qs`` by ascending id after ``after``, and the id to continue after.

    Fetches ``limit + 1`` rows to know whether more follow: no COUNT, no OFFSET.
    """
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return keyset_split(list(qs.order_by("pk")[: limit + 1]), limit=limit)


def keyset_split[M: models.Model](rows: list[M], *, limit: int) -> tuple[list[M], int | None]:
    """``limit + 1`` rows read for a page of ``limit``: the page, and the id to continue after
    (None when no row follows)."""
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)
