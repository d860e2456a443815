from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from seatwise.audit.actors import Actor
from seatwise.payments.reconcile import charges_reconcile


class Command(BaseCommand):
    help = "Settle charges whose outcome is unknown by asking the payment gateway."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            help="Seconds after which a pending charge counts as abandoned (default 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settled = charges_reconcile(
            older_than=timedelta(seconds=options["older_than"]),
            by=Actor.system("payments.reconcile_charges"),
        )
        self.stdout.write(f"{settled} charge(s) settled")
