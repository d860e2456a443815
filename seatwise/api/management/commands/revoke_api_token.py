from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from seatwise.api.models import OperatorToken


class Command(BaseCommand):
    help = "Revoke every live operator token of the given name; the API refuses them at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The name the token was created with.")

    def handle(self, *args: Any, **options: Any) -> None:
        revoked = OperatorToken.objects.filter(
            name=options["name"], revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        self.stdout.write(f"{revoked} token(s) revoked.")
