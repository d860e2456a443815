from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatwise.api.models import OperatorToken


class Command(BaseCommand):
    help = "Create an operator token for the provisioning API and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the token is for, e.g. 'crm-sync'.")

    def handle(self, *args: Any, **options: Any) -> None:
        _token, raw = OperatorToken.issue(options["name"][:100])
        self.stdout.write(raw)
