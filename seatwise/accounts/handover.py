"""Handing the billing-contact role to another person: the one mechanism behind **Bill To** in
the Corporate Billing Portal (``accounts.bill_to``) and the change made by customer service
after verifying the requester (``support.billing_contact``).

The new billing contact is a member of the account: a member with that e-mail address takes the
role; an address nobody has yet becomes a new member (without a password: the caller e-mails
the link to set one). Billing contacts are account admins, so the holder becomes one too. An
address of someone outside the account (another customer's, vendor staff, a former member) is
refused, with an answer that does not say which (``services.email_unavailable``): the role never
leaves the account. The swap itself is ``services.billing_contact_set``
(one locked transaction, exactly one billing contact before and after). The caller sends the
e-mails, because what they say depends on who made the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Account, Person
from seatwise.accounts.services import (
    account_admin_grant,
    billing_contact_set,
    email_unavailable,
    person_add,
    person_profile_update,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Refused
from seatwise.core.validation import clean_email, clean_text


@dataclass(frozen=True, slots=True, kw_only=True)
class NewContact:
    first_name: str
    last_name: str
    email: str

    def cleaned(self) -> NewContact:
        return NewContact(
            first_name=clean_text(self.first_name, field="first_name", max_length=NAME_MAX),
            last_name=clean_text(self.last_name, field="last_name", max_length=NAME_MAX),
            email=clean_email(self.email, field="email", max_length=EMAIL_MAX),
        )


@dataclass(frozen=True, slots=True)
class Handover:
    previous: Person | None
    holder: Person
    # The holder was added to the account by this hand-over and has no password yet.
    is_new_member: bool


def new_contact_outside_account(*, account: Account, email: str) -> bool:
    """Whether ``email`` belongs to someone who cannot take the role: not an active member of
    ``account`` (another customer's person, vendor staff, a former member)."""
    found = Person.objects.filter(email__iexact=email).first()
    return found is not None and (
        found.account_id != account.pk or not found.is_active or found.is_staff
    )


def _holder(*, account: Account, spec: NewContact, rename: bool, by: Actor) -> tuple[Person, bool]:
    found = Person.objects.filter(email__iexact=spec.email).first()
    if found is None:
        try:
            person = person_add(
                account=account,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                language=account.language,
                is_account_admin=True,
                by=by,
            )
        except Refused as error:
            # Taken by someone else since it was looked up: the same neutral answer.
            if error.code == "email_taken":
                raise email_unavailable(field="email") from None
            raise
        return person, True
    if new_contact_outside_account(account=account, email=spec.email):
        raise email_unavailable(field="email")
    if rename and (found.first_name, found.last_name) != (spec.first_name, spec.last_name):
        person_profile_update(
            person=found,
            first_name=spec.first_name,
            last_name=spec.last_name,
            language=found.language,
            by=by,
        )
    if not found.is_account_admin:
        account_admin_grant(person=found, by=by)
    found.refresh_from_db()
    return found, False


def billing_contact_handover(
    *, account: Account, contact: NewContact, by: Actor, rename_member: bool, reason: str
) -> Handover:
    """Make the person at ``contact.email`` the billing contact of ``account``.

    ``rename_member``: a member found by the address takes the given name (Bill To edits the
    name; customer service leaves a member's profile alone). ``reason`` is kept in the audit
    entry (``"bill_to"``, ``"support:<case number>"``). Refused, with nothing written, when the
    address is the current billing contact's or belongs to someone outside the account.
    """
    spec = contact.cleaned()
    with transaction.atomic():
        locked = account_lock(account.pk)
        previous = Person.objects.filter(account_id=locked.pk, is_billing_contact=True).first()
        if previous is not None and previous.email == spec.email:
            raise Refused(
                "already_billing_contact",
                _("%(email)s is already the billing contact of this account.")
                % {"email": spec.email},
                field="email",
            )
        holder, is_new = _holder(account=locked, spec=spec, rename=rename_member, by=by)
        billing_contact_set(account=locked, person=holder, by=by)
        holder.refresh_from_db()
        audit_record(
            by=by,
            action="account.billing_contact_handover",
            obj=locked,
            account_id=locked.pk,
            old={"billing_contact": previous.pk if previous else None},
            new={
                "billing_contact": holder.pk,
                "email": holder.email,
                "new_member": is_new,
                "reason": reason,
            },
        )
    if previous is not None:
        previous.refresh_from_db()
    return Handover(previous=previous, holder=holder, is_new_member=is_new)
