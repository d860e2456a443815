"""Admin Center › Add licenses › **Email the billing admin** (articles 000, 002, 004; SPEC rule 4).

An account admin who is not the billing admin is told to ask the billing admin for product or
license changes; the button really sends an e-mail. It goes to the billing admin in *their*
language, with the requester's name, e-mail address and note, and replies go straight to the
requester. A few per hour per requester, so that the button cannot be used to flood anyone.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Refused
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

KIND = "billing_admin_request"
NOTE_MAX = 2000
REQUESTS_PER_HOUR = 3


def _billing_url(*, corporate: bool) -> str:
    """Where the billing admin acts on the request: the Corporate Billing Portal's sign-in for
    a corporate account, the Billing Center for an online one (SPEC, "Accounts")."""
    name = "corporate:signin" if corporate else "billing:home"
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = "/"
    return f"{settings.SEATWISE_SITE_URL}{path}"


def _recent(requester: Person) -> int:
    since = timezone.now() - timedelta(hours=1)
    return OutgoingEmail.objects.filter(
        kind=KIND, sender_person_id=requester.pk, created_at__gte=since
    ).count()


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


def billing_admin_contact(*, requester: Person, note: str, by: Actor) -> OutgoingEmail:
    """E-mail the billing admin of the requester's account on the requester's behalf.

    Only an account admin who is not the billing admin may ask (rule 1: only they and the
    billing contact may know who it is). At most ``REQUESTS_PER_HOUR`` per requester per hour;
    a refused request writes nothing. Each message sent leaves an audit entry.
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
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in cleaned):
        raise Refused("invalid_characters", _("Remove the control characters."), field="note")
    with transaction.atomic():
        # Under the account's lock, so that concurrent requests cannot pass the limit together.
        account = account_lock(requester.account_id)
        if _recent(requester) >= REQUESTS_PER_HOUR:
            raise Refused(
                "too_many_requests",
                _(
                    "You can e-mail the billing admin at most %(count)d times an hour, and "
                    "you have reached that limit. Please wait for their answer, or try again "
                    "later."
                )
                % {"count": REQUESTS_PER_HOUR},
            )
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
