from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from seatwise.api.scopes import ALL_SCOPES, scopes_parse
from seatwise.api.services import api_token_create
from seatwise.audit.actors import Actor
from seatwise.core.errors import ServiceError


def expiry_parse(value: str, *, now: datetime) -> datetime:
    """``--expires``: a number of days from now, or a date (the token expires at its start,
    00:00 UTC)."""
    if value.isdigit():
        return now + timedelta(days=int(value))
    try:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    except ValueError:
        raise CommandError(
            f"--expires takes a number of days or a date YYYY-MM-DD, not {value!r}."
        ) from None


class Command(BaseCommand):
    help = (
        "Create a token for the provisioning API and print it (shown only once; only its "
        "SHA-256 is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the token is for, e.g. 'crm-sync'.")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            metavar="SCOPE",
            help=(
                "A scope the token holds (repeat it for more): "
                + ", ".join(ALL_SCOPES)
                + "; RESOURCE:* for both of a resource, * for all."
            ),
        )
        parser.add_argument(
            "--account",
            action="append",
            type=int,
            metavar="ID",
            help="Limit the token to this account (repeat it for more). Default: every account.",
        )
        parser.add_argument(
            "--expires",
            metavar="DAYS|YYYY-MM-DD",
            help="The token expires after this many days, or at the start of this date (UTC).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scopes = scopes_parse(options["scope"])
        except ValueError as error:
            raise CommandError(f"Unknown scope {error}. Scopes: {', '.join(ALL_SCOPES)}.") from None
        expires_at = (
            expiry_parse(options["expires"], now=timezone.now()) if options["expires"] else None
        )
        try:
            token, raw = api_token_create(
                name=options["name"],
                scopes=scopes,
                account_ids=options["account"],
                expires_at=expires_at,
                by=Actor.system("create_api_token"),
            )
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        # The token alone on standard output, so that a script can capture it.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.name!r} created (id {token.pk}). It is shown only this once."
        )
