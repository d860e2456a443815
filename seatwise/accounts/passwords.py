"""Passwords of the product credentials: set, change, reset by e-mailed link.

The link is Django's password-reset token: single use (it changes with the password hash),
valid for ``PASSWORD_RESET_TIMEOUT`` seconds. The same link lets an invited person set their
first password.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

RESET_EMAILS_PER_HOUR = 3


def password_set_link(person: Person) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("auth:password_set", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SEATWISE_SITE_URL}{path}"


def _validated(password: str, person: Person, field: str) -> str:
    try:
        validate_password(password, user=person)
    except ValidationError as error:
        raise Invalid("weak_password", " ".join(error.messages), field=field) from None
    return password


def person_password_set(*, person: Person, password: str, by: Actor) -> Person:
    """Set a person's password (from a reset or invitation link)."""
    _validated(password, person, "new_password1")
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        audit_record(by=by, action="person.password_set", obj=person, account_id=person.account_id)
    return person


def person_password_change(
    *, person: Person, current_password: str, new_password: str, by: Actor
) -> Person:
    """Change one's own password, proving the current one."""
    if not person.check_password(current_password):
        raise Invalid(
            "wrong_password", _("Your current password is not correct."), field="current_password"
        )
    _validated(new_password, person, "new_password1")
    with transaction.atomic():
        person.set_password(new_password)
        person.save(update_fields=["password"])
        audit_record(
            by=by, action="person.password_change", obj=person, account_id=person.account_id
        )
    return person


def password_reset_request(*, email: str, by: Actor) -> bool:
    """E-mail a reset link to an active person with this address, at most a few per hour.

    Returns whether a link was sent; callers show the same page either way, so that nobody
    learns from it whether an address has an account.
    """
    person = Person.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        return False
    since = timezone.now() - timedelta(hours=1)
    if (
        OutgoingEmail.objects.filter(
            kind="password_reset", to_person_id=person.pk, created_at__gte=since
        ).count()
        >= RESET_EMAILS_PER_HOUR
    ):
        return False
    with transaction.atomic():
        email_queue(
            kind="password_reset",
            to_address=person.email,
            to_person_id=person.pk,
            account_id=person.account_id,
            language=person.language,
            context={"person": person, "link": password_set_link(person)},
        )
        audit_record(
            by=by, action="person.password_reset_request", obj=person, account_id=person.account_id
        )
    return True
