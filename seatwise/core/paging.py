"""Keyset paging: the one way Seatwise lists rows, at the same cost whatever the table size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from seatwise.core.prepared import Prepared


def keyset_page[M: models.Model](
    qs: models.QuerySet[M], *, after: int | None, limit: int
) -> tuple[list[M], int | None]:
    """One page of ``qs`` by ascending id after ``after``, and the id to continue after.

    Fetches ``limit + 1`` rows to know whether more follow: no COUNT, no OFFSET.
    """
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return keyset_split(list(qs.order_by("pk")[: limit + 1]), limit=limit)


def keyset_prepared[M: models.Model](
    query: Prepared[M], *values: int | str, after: int | None, limit: int
) -> tuple[list[M], int | None]:
    """``keyset_page`` of a prepared query (``core.prepared``) whose build takes ``values``,
    then ``after`` when one is given (``def build(account_id, *after, limit)``: a filter
    ``pk > after`` when it is), ``limit`` as its shape, and returns ``limit + 1`` rows in id
    order."""
    rows = query(*values, *(() if after is None else (after,)), limit=limit)
    return keyset_split(rows, limit=limit)


def keyset_split[M: models.Model](rows: list[M], *, limit: int) -> tuple[list[M], int | None]:
    """``limit + 1`` rows read for a page of ``limit``: the page, and the id to continue after
    (None when no row follows)."""
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)
