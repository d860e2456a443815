"""Delivering the outbox so that no message is ever lost, and none is sent twice but for one
documented case.

Each attempt has three steps, and no transaction or row lock is held while the mail server is
being talked to:

1. **Claim** (``email_claim``): one conditional ``UPDATE`` moves a due message to ``sending``,
   counts the attempt and sets ``claimed_until``. Only one worker can win it.
2. **Send**, outside every transaction: the attachments are rendered, the message goes to the
   mailer with its stable ``Message-ID`` (``<seatwise-<id>@<mail domain>>``).
3. **Record** the outcome (``_record``), again by a conditional ``UPDATE`` that only the
   claimant's attempt can make: ``sent``; or, for a temporary failure (an SMTP 4xx reply, a
   refused or dropped connection, a timeout), ``queued`` again with the next attempt after an
   exponential backoff with jitter; or ``failed`` for a permanent one (an SMTP 5xx reply about
   the message or its recipients) and once ``SEATWISE_EMAIL_MAX_ATTEMPTS`` attempts were made.
   A failed message stays visible to the operator (``manage.py outbox --failed``) and can be
   sent again (``manage.py outbox --retry``).

A worker killed after sending and before recording leaves the message ``sending`` with a
claim that expires after ``CLAIM_TIMEOUT``, longer than any send can take; the relay
(``outbox_relay``, every minute) then has it sent again, with the same ``Message-ID``, so that
mail programs can tell the copy. That single message is the only one that can arrive twice.
"""

from __future__ import annotations

import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from seatwise.notifications.attachments import attachment_render
from seatwise.notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)

# A claim outlives any send: the SMTP timeout (SEATWISE_SMTP_TIMEOUT, 20 s by default) and the
# rendering of the attachments. After it, an unfinished attempt is taken over by another one.
CLAIM_TIMEOUT = timedelta(minutes=5)
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# A message still waiting for its first attempt this long after it was queued lost its task.
FIRST_ATTEMPT_GRACE = timedelta(minutes=2)
RELAY_BATCH = 500
ERROR_MAX = 500

Verdict = Literal["sent", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    error: str = ""


def message_id(email: OutgoingEmail) -> str:
    return f"<seatwise-{email.pk}@{settings.SEATWISE_MAIL_DOMAIN}>"


def max_attempts() -> int:
    return int(getattr(settings, "SEATWISE_EMAIL_MAX_ATTEMPTS", 12))


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: doubling from
    ``BACKOFF_FIRST`` up to ``BACKOFF_MAX``, half of it fixed and half random (so that many
    messages that failed together do not all come back at once)."""
    exponent = min(max(attempts - 1, 0), 30)
    delay: timedelta = min(BACKOFF_FIRST * (2**exponent), BACKOFF_MAX)
    spread = (rng or random.SystemRandom()).random()
    return delay / 2 + delay / 2 * spread


def classify(error: BaseException) -> Verdict:
    """A permanent failure (never retried) or a temporary one.

    Permanent: the server refused the message or its recipients with a 5xx reply. Everything
    else is temporary: 4xx replies, refused or dropped connections, timeouts, and problems of
    the connection itself (authentication, TLS), which an operator can fix without the
    message being lost.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return "failed" if codes and all(500 <= code < 600 for code in codes) else "retry"
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return "failed" if 500 <= error.smtp_code < 600 else "retry"
    return "retry"


def describe(error: BaseException) -> str:
    """The error as the operator reads it: an SMTP reply as the server gave it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [
            f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values()
        ]
        return f"recipients refused: {'; '.join(replies)}"[:ERROR_MAX]
    code, text = getattr(error, "smtp_code", None), getattr(error, "smtp_error", None)
    if isinstance(code, int) and isinstance(text, bytes | str):
        reply = text.decode(errors="replace") if isinstance(text, bytes) else text
        return f"{type(error).__name__}: {code} {reply}"[:ERROR_MAX]
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def email_claim(*, email_id: int, now: datetime) -> OutgoingEmail | None:
    """Take a due message for one attempt, or None when it is not due, sent, failed or taken."""
    claimed = (
        OutgoingEmail.objects.filter(
            pk=email_id,
            status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING],
        )
        # The first attempt is due at once, whatever the clocks of the host that queued the
        # message and of this one say; a retry when its time has come.
        .filter(Q(attempts=0) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(
            status=OutgoingEmail.Status.SENDING,
            claimed_until=now + CLAIM_TIMEOUT,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return OutgoingEmail.objects.get(pk=email_id)


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={**(email.headers or {}), "Message-ID": message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for ref in email.attachments:
        file = attachment_render(ref)
        message.attach(file.filename, file.content, file.mimetype)
    return message


def _record(email: OutgoingEmail, outcome: Outcome, *, now: datetime) -> bool:
    """Record the outcome of the attempt ``email`` was claimed for; False when the claim was
    lost meanwhile (another attempt took the message over), so that it records nothing."""
    mine = OutgoingEmail.objects.filter(
        pk=email.pk, status=OutgoingEmail.Status.SENDING, attempts=email.attempts
    )
    if outcome.verdict == "sent":
        return bool(
            mine.update(
                status=OutgoingEmail.Status.SENT, sent_at=now, claimed_until=None, last_error=""
            )
        )
    if outcome.verdict == "retry" and email.attempts < max_attempts():
        return bool(
            mine.update(
                status=OutgoingEmail.Status.QUEUED,
                next_attempt_at=now + backoff(email.attempts),
                claimed_until=None,
                last_error=outcome.error,
            )
        )
    return bool(
        mine.update(
            status=OutgoingEmail.Status.FAILED,
            failed_at=now,
            claimed_until=None,
            last_error=outcome.error,
        )
    )


def email_deliver(*, email_id: int) -> Outcome | None:
    """One attempt to send a queued message (see the module docstring); None when there was
    nothing to do (not due, already sent or failed, taken by another worker)."""
    email = email_claim(email_id=email_id, now=timezone.now())
    if email is None:
        return None
    try:
        _message(email).send()
    except Exception as error:
        outcome = Outcome(classify(error), describe(error))
        logger.warning(
            "e-mail %s not delivered (attempt %s, %s): %s",
            email.pk,
            email.attempts,
            outcome.verdict,
            outcome.error,
        )
    else:
        outcome = Outcome("sent")
    if not _record(email, outcome, now=timezone.now()):
        logger.warning("e-mail %s: attempt %s was taken over", email.pk, email.attempts)
    return outcome


def due_for_relay(*, now: datetime, limit: int = RELAY_BATCH) -> list[int]:
    """Messages whose attempt is due and no task will make: retries whose time has come,
    claims that expired (a killed worker), and first attempts whose task was lost."""
    waiting = Q(status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now) & (
        Q(attempts__gt=0) | Q(created_at__lte=now - FIRST_ATTEMPT_GRACE)
    )
    abandoned = Q(status=OutgoingEmail.Status.SENDING, claimed_until__lte=now)
    return list(
        OutgoingEmail.objects.filter(waiting | abandoned)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def email_retry(*, email: OutgoingEmail) -> bool:
    """Send a failed message again (the operator's ``outbox --retry``): queued, due now, its
    attempts counted anew. False when it was not failed."""
    return bool(
        OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.FAILED).update(
            status=OutgoingEmail.Status.QUEUED,
            next_attempt_at=timezone.now(),
            attempts=0,
            failed_at=None,
        )
    )
