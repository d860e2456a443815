"""People leaving an account: a person removed frees their seats in the same transaction.

This lives above ``accounts`` because it changes the licenses of ``subscriptions`` too; the
account's rules (the billing contact stays, an account keeps one admin) are the accounts app's.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Person
from seatwise.accounts.services import PERSON_AUDIT_FIELDS, admin_count
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Refused
from seatwise.subscriptions.services import licenses_release_all


def person_remove(*, person: Person, by: Actor) -> None:
    """Remove a person from their account: their seats are freed and they can no longer sign in.

    The billing contact cannot be removed (hand the role to someone else first), nor the last
    account admin.
    """
    if person.account_id is None:
        raise Refused("not_a_member", _("This person belongs to no account."))
    with transaction.atomic():
        account_lock(person.account_id)
        person.refresh_from_db()
        if person.is_billing_contact:
            raise Refused(
                "is_billing_contact",
                _(
                    "The billing contact cannot be removed. "
                    "Make someone else billing contact first."
                ),
            )
        if person.is_account_admin and admin_count(person.account_id) <= 1:
            raise Refused("last_account_admin", _("An account keeps at least one account admin."))
        account_id = person.account_id
        old = snapshot(person, PERSON_AUDIT_FIELDS)
        licenses_release_all(person=person, by=by)
        person.account = None
        person.is_account_admin = False
        person.is_active = False
        person.set_unusable_password()
        person.save(update_fields=["account", "is_account_admin", "is_active", "password"])
        audit_record(
            by=by,
            action="person.remove",
            obj=person,
            account_id=account_id,
            old=old,
            new=snapshot(person, PERSON_AUDIT_FIELDS),
        )
