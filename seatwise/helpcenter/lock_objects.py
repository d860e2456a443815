"""Row locks of the helpcenter app. On SQLite the IMMEDIATE transaction mode serialises
writers; on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.helpcenter.models import STATE_ID, SearchIndexState


def search_index_state_lock() -> SearchIndexState:
    """The search index's one state row, locked: one index builder at a time. The row must
    exist (``search.search_index_rebuild`` creates it first)."""
    return SearchIndexState.objects.select_for_update().get(pk=STATE_ID)
