"""``manage.py verify_invoice_chain``: recompute every document's hash and check every chain.

Exit code 0 and ``OK: N documents in M series`` when every chain holds; otherwise one line per
broken chain naming its first broken link (a changed document, a deleted one, a gap in the
numbers) on stderr, and exit code 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seatwise.invoicing.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the hash chains and gapless numbering of issued invoices and credit notes."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}")
            raise SystemExit(1)
        self.stdout.write(f"OK: {report.documents} documents in {len(report.series)} series")
