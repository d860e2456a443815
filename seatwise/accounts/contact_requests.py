"""Admin Center › Add licenses › **Email the billing admin** (the help article add-licenses).

An account admin who is not the billing admin is told to ask the billing admin for product or
license changes; the button really sends an e-mail. It goes to the billing admin in *their*
language, with the requester's name, e-mail address and note, and replies go straight to the
requester.

**The limit**: ``REQUESTS_PER_HOUR`` messages per requester (a person of one account) and clock
hour, counted by ``core.ratelimit`` (one atomic upsert per message, so that requests sent at the
same moment cannot pass the limit together). Only the signed-in requester can use up their own
count: nobody else can keep them from asking, and the billing admin gets at most that many
messages an hour from each of their admins. A refused request counts nothing.

**One message per form**: the form carries the key it was shown with; the same form sent again
(a double click, a reload, many tabs at once) returns the message it sent the first time, and
neither sends another nor counts against the limit.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Refused
from seatwise.core.ratelimit import rate_limit_hit
from seatwise.core.validation import check_characters
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

KIND = "billing_admin_request"
NOTE_MAX = 2000
REQUESTS_PER_HOUR = 3
LIMIT_WINDOW = timedelta(hours=1)
# The shape of a form's key (as the portals issue them); any other is ignored.
REQUEST_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _billing_url(*, corporate: bool) -> str:
    """Where the billing admin acts on the request: the Corporate Billing Portal's sign-in for
    a corporate account, the Billing Center for an online one."""
    name = "corporate:signin" if corporate else "billing:home"
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = "/"
    return f"{settings.SEATWISE_SITE_URL}{path}"


def _limit_key(requester: Person) -> str:
    """The requester's own count: their account and themselves."""
    return f"{KIND}:{requester.account_id}:{requester.pk}"


def _dedupe_key(requester: Person, request_key: str) -> str | None:
    """The message's key in the outbox: one message per requester and form."""
    if not REQUEST_KEY_RE.match(request_key or ""):
        return None
    return f"{KIND}:{requester.pk}:{request_key}"


def billing_admin_contact_last(requester: Person) -> OutgoingEmail | None:
    """The requester's latest message to the billing admin within the last hour, if any."""
    since = timezone.now() - timedelta(hours=1)
    return (
        OutgoingEmail.objects.filter(
            kind=KIND, sender_person_id=requester.pk, created_at__gte=since
        )
        .order_by("-pk")
        .first()
    )


def billing_admin_contact(
    *, requester: Person, note: str, by: Actor, request_key: str = ""
) -> OutgoingEmail:
    """E-mail the billing admin of the requester's account on the requester's behalf.

    Only an account admin who is not the billing admin may ask (rule 1: only they and the
    billing contact may know who it is). At most ``REQUESTS_PER_HOUR`` per requester per hour
    (see the module docstring); a refused request writes nothing and counts nothing. Each
    message sent leaves an audit entry. ``request_key``: the key of the form that asks; the
    message already sent under it is returned as it is.
    """
    if requester.account_id is None or not requester.is_active or not requester.is_account_admin:
        raise Refused(
            "not_an_account_admin",
            _("Only account admins can e-mail the billing admin from the Admin Center."),
        )
    if requester.is_billing_contact:
        raise Refused("is_billing_admin", _("You are the billing admin of this account."))
    cleaned = (note or "").strip()
    if len(cleaned) > NOTE_MAX:
        raise Refused(
            "too_long",
            _("Use at most %(max)d characters.") % {"max": NOTE_MAX},
            field="note",
        )
    check_characters(cleaned, field="note", multiline=True)
    dedupe_key = _dedupe_key(requester, request_key)
    with transaction.atomic():
        # The count is taken first: it also queues the requester's simultaneous requests
        # behind one another (the counter's row lock on PostgreSQL, the write lock on SQLite),
        # so that the form's earlier message, if any, is seen below.
        limit = rate_limit_hit(
            key=_limit_key(requester), limit=REQUESTS_PER_HOUR, window=LIMIT_WINDOW
        )
        earlier = (
            OutgoingEmail.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        )
        if earlier is not None:
            # The same form again: its message, sent once and counted once.
            transaction.set_rollback(True)
            return earlier
        if not limit.allowed:
            raise Refused(
                "too_many_requests",
                _(
                    "You can e-mail the billing admin at most %(count)d times an hour, and "
                    "you have reached that limit. Please wait for their answer, or try again "
                    "later."
                )
                % {"count": REQUESTS_PER_HOUR},
            )
        account = Account.objects.get(pk=requester.account_id)
        billing_admin = Person.objects.filter(
            account_id=account.pk, is_billing_contact=True
        ).first()
        if billing_admin is None:
            raise Refused("no_billing_admin", _("This account has no billing admin."))
        email = email_queue(
            kind=KIND,
            to_address=billing_admin.email,
            to_person_id=billing_admin.pk,
            sender_person_id=requester.pk,
            account_id=account.pk,
            language=billing_admin.language,
            reply_to=requester.email,
            dedupe_key=dedupe_key,
            context={
                "billing_admin": billing_admin,
                "requester_name": requester.full_name,
                "requester_email": requester.email,
                "account_name": account.name,
                "note": cleaned,
                "billing_url": _billing_url(corporate=account.is_corporate),
            },
        )
        audit_record(
            by=by,
            action="billing_admin.contact",
            obj=email,
            account_id=account.pk,
            new={
                "requester": requester.pk,
                "billing_admin": billing_admin.pk,
                "note_length": len(cleaned),
            },
        )
    return email
