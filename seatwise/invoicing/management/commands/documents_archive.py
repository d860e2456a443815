"""``manage.py documents_archive``: render and archive every issued document that has no
archived files yet (those issued before archiving existed, or whose task was lost).

Idempotent: a document archived already is left as it is. Prints how many were archived.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seatwise.audit.actors import Actor
from seatwise.invoicing.archive import documents_archive_pending


class Command(BaseCommand):
    help = "Archive the PDF and UBL of every issued document that has none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        done = documents_archive_pending(by=Actor.system("documents_archive"))
        self.stdout.write(f"{done} documents archived")
