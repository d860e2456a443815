from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatwise.demo.generate import accounts_generate

BAR_WIDTH = 40


class Command(BaseCommand):
    help = (
        "Add synthetic accounts in bulk (billing contacts, corporate User IDs, invoices, cases, "
        "audit entries) for benchmarks and scale tests: see seatwise/demo/generate.py. "
        "Run it on a database nobody else writes to at the same time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="Accounts to add.")
        parser.add_argument(
            "--batch", type=int, default=50_000, help="Accounts per transaction (50000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, batch = options["count"], options["batch"]
        if count < 1 or batch < 1:
            raise CommandError("--count and --batch are at least 1.")
        started = time.monotonic()
        self.stderr.style_func = None  # a progress bar, not an error: no red

        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total
            elapsed = time.monotonic() - started
            self.stderr.write(
                f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                f"{done}/{total} accounts, {elapsed:.0f} s",
                ending="",
            )
            self.stderr.flush()

        generated = accounts_generate(count=count, batch=batch, progress=progress)
        self.stderr.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {generated.accounts} accounts, {generated.people} people, "
                f"{generated.corporate_credentials} User IDs, {generated.invoices} invoices, "
                f"{generated.credit_notes} credit notes, {generated.cases} cases, "
                f"{generated.audit_entries} audit entries in {time.monotonic() - started:.0f} s."
            )
        )
