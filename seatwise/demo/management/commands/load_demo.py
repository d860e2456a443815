from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatwise.accounts.models import Account
from seatwise.demo.data import DEMO_PASSWORD, DEMO_SIGN_INS
from seatwise.demo.docs import sign_ins_markdown
from seatwise.demo.loader import DemoAlreadyLoaded, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo accounts (one for each situation of the help articles), their people, "
        "subscriptions, seats and cards. See docs/demo.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo accounts (with everything that depends on them) and reload.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only when the database holds no account yet; otherwise do nothing.",
        )
        group.add_argument(
            "--markdown",
            action="store_true",
            help="Print the table of demo sign-ins as Markdown (for docs/demo.md); load nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["markdown"]:
            self.stdout.write(sign_ins_markdown(), ending="")
            return
        if options["if_empty"] and Account.objects.exists():
            self.stdout.write("Accounts exist already: demo data not loaded.")
            return
        try:
            data = demo_load(reset=options["reset"])
        except DemoAlreadyLoaded:
            raise CommandError(
                "The demo data is loaded already. Use --reset to delete and reload it."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(data.accounts)} demo accounts and {len(data.people)} people."
            )
        )
        self.stdout.write(f"Password for every sign-in: {DEMO_PASSWORD}")
        width = max(len(s.login) for s in DEMO_SIGN_INS)
        for sign_in in DEMO_SIGN_INS:
            self.stdout.write(
                f"  {sign_in.login:<{width}}  {sign_in.language}  {sign_in.role}"
                + (f" — {sign_in.account}" if sign_in.account else "")
            )
