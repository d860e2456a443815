from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatwise.notifications.delivery import email_retry
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.tasks import deliver_email


class Command(BaseCommand):
    help = (
        "The outbox: the latest e-mails with their state; --failed lists those that could not "
        "be sent, with their error; --retry sends failed ones again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--show", type=int, help="Print the plain-text body of this e-mail.")
        parser.add_argument(
            "--failed", action="store_true", help="List the failed e-mails and their errors."
        )
        parser.add_argument(
            "--retry",
            nargs="*",
            type=int,
            metavar="ID",
            help="Send these failed e-mails again (every failed one when no id is given).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["show"]:
            self._show(options["show"])
        elif options["retry"] is not None:
            self._retry(options["retry"])
        elif options["failed"]:
            failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
            for email in failed.order_by("-pk")[: options["limit"]]:
                self.stdout.write(
                    f"{email.pk:>6}  {email.failed_at:%Y-%m-%d %H:%M}  {email.attempts:>2} tries  "
                    f"{email.to_address:35}  {email.subject}\n        {email.last_error}"
                )
        else:
            for email in OutgoingEmail.objects.order_by("-pk")[: options["limit"]]:
                self.stdout.write(
                    f"{email.pk:>6}  {email.created_at:%Y-%m-%d %H:%M}  {email.status:7}  "
                    f"{email.to_address:35}  {email.subject}"
                )

    def _show(self, email_id: int) -> None:
        email = OutgoingEmail.objects.filter(pk=email_id).first()
        if email is None:
            raise CommandError(f"No e-mail {email_id}.")
        self.stdout.write(f"To: {email.to_address}\nSubject: {email.subject}\n")
        if email.reply_to:
            self.stdout.write(f"Reply-To: {email.reply_to}\n")
        self.stdout.write(f"State: {email.status} after {email.attempts} attempt(s)\n")
        if email.last_error:
            self.stdout.write(f"Last error: {email.last_error}\n")
        self.stdout.write(f"\n{email.body_text}")

    def _retry(self, ids: list[int]) -> None:
        failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
        emails = list(failed.filter(pk__in=ids) if ids else failed)
        unknown = sorted(set(ids) - {email.pk for email in emails})
        if unknown:
            raise CommandError(f"Not failed (or no such e-mail): {unknown}")
        for email in emails:
            if email_retry(email=email):
                deliver_email.enqueue(email_id=email.pk)
        self.stdout.write(f"{len(emails)} e-mail(s) queued again.")
