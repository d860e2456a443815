"""Keyset paging of every list: ``?after=<id>&limit=<n>`` → ``{"items": [...], "next_after": id}``.

A page is the ``limit`` rows with the smallest ids greater than ``after``. ``next_after`` is the
``after`` of the next page, or null on the last one. No COUNT, no OFFSET: the cost of a page
does not grow with the table or with how far the client has paged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from django.conf import settings
from ninja import Schema
from pydantic import Field

from seatwise.core.validation import ID_MAX

MAX_LIMIT = 100


class PageQuery(Schema):
    after: int | None = Field(
        None, ge=0, le=ID_MAX, description="Return the items with an id greater than this."
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_LIMIT,
        description="At most this many items (1 to 100). Default: 50.",
    )

    def page_size(self) -> int:
        if self.limit is not None:
            return self.limit
        return max(1, min(MAX_LIMIT, int(settings.SEATWISE_API_PAGE_SIZE)))


NextAfter = Annotated[
    int | None,
    Field(description="The ``after`` of the next page; null on the last page."),
]


def page(items: Sequence[Any], next_after: int | None) -> dict[str, Any]:
    """The body of a page, from a selector's ``(rows, next_after)``."""
    return {"items": items, "next_after": next_after}
