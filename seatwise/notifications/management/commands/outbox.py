from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatwise.notifications.models import OutgoingEmail


class Command(BaseCommand):
    help = "Show the latest e-mails Seatwise sent or queued (the embedded mode's outbox)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--show", type=int, help="Print the plain-text body of this e-mail.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["show"]:
            email = OutgoingEmail.objects.get(pk=options["show"])
            self.stdout.write(f"To: {email.to_address}\nSubject: {email.subject}\n")
            if email.reply_to:
                self.stdout.write(f"Reply-To: {email.reply_to}\n")
            self.stdout.write(f"\n{email.body_text}")
            return
        for email in OutgoingEmail.objects.order_by("-pk")[: options["limit"]]:
            state = "sent" if email.sent_at else "queued"
            self.stdout.write(
                f"{email.pk:>6}  {email.created_at:%Y-%m-%d %H:%M}  {state:6}  "
                f"{email.to_address:35}  {email.subject}"
            )
