"""``manage.py verify_invoice_chain``: recompute every document's hash and check every chain,
and every archived file (``invoicing.archive``).

Exit code 0 and ``OK: N documents in M series`` when every chain holds; otherwise one line per
broken chain naming its first broken link (a changed document, a deleted one, a gap in the
numbers), and one per archived file that was changed or is missing a day after its document's
issue (``archive: INV-2026-000001.pdf …``), on stderr, and exit code 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seatwise.invoicing.chain import chain_verify


class Command(BaseCommand):
    help = (
        "Verify the hash chains and gapless numbering of issued invoices and credit notes, "
        "and their archived files."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}")
            raise SystemExit(1)
        self.stdout.write(f"OK: {report.documents} documents in {len(report.series)} series")
