from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatwise.api.services import api_tokens_revoke
from seatwise.audit.actors import Actor


class Command(BaseCommand):
    help = "Revoke every live operator token of the given name; the API refuses them at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The name the token was created with.")

    def handle(self, *args: Any, **options: Any) -> None:
        revoked = api_tokens_revoke(name=options["name"], by=Actor.system("revoke_api_token"))
        self.stdout.write(f"{revoked} token(s) revoked.")
