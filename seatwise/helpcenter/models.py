"""What the help center keeps in the database: only the state of its search index.

The articles themselves are files (``articles.py``). The search index built from them is a
table of the database vendor's own kind, created by migration ``0002_search_index`` and
written only by ``search.search_index_rebuild``: an SQLite FTS5 table or a PostgreSQL table
with a tsvector column. This model records the fingerprint of the content it was built from,
so that a process reading other content (an upgrade with new articles) rebuilds it by itself.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The one row of SearchIndexState.
STATE_ID = 1


class SearchIndexState(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=STATE_ID)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64)
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("help search index state")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=STATE_ID), name="helpcenter_search_index_state_one_row"
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint
