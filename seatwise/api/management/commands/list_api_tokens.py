from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from seatwise.api.models import OperatorToken

COLUMNS = ("ID", "NAME", "STATUS", "SCOPES", "ACCOUNTS", "EXPIRES", "LAST USED")


def _when(value: datetime | None, *, never: str = "never") -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else never


class Command(BaseCommand):
    help = (
        "List the provisioning API's tokens: name, status, scopes, accounts, expiry and last "
        "use (never the token itself, which is not stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Include revoked tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        tokens = OperatorToken.objects.order_by("pk")
        if not options["all"]:
            tokens = tokens.filter(revoked_at__isnull=True)
        rows = [COLUMNS]
        for token in tokens:
            if token.revoked_at is not None:
                status = "revoked"
            elif token.is_expired(now):
                status = "expired"
            else:
                status = "live"
            rows.append(
                (
                    str(token.pk),
                    token.name,
                    status,
                    ",".join(token.scopes) or "-",
                    ",".join(map(str, token.account_ids))
                    if token.account_ids is not None
                    else "all",
                    _when(token.expires_at),
                    _when(token.last_used_at),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
