"""``manage.py help_index``: rebuild the help center's search index from the content files.

Searching rebuilds the index by itself when the content changed (``search.help_search``);
this command does it at once, for example after deploying new articles.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seatwise.helpcenter.articles import ArticleError, library
from seatwise.helpcenter.search import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the help center's search index from the article files."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = library()
        except ArticleError as error:
            raise CommandError("\n".join(error.problems)) from error
        search_index_rebuild(content=content)
        self.stdout.write(
            f"Indexed {len(content.articles)} articles in {len(content.languages)} languages "
            f"(content {content.fingerprint[:12]})."
        )
