"""Invoice contacts: up to five people besides the billing contact who receive a corporate
account's invoice and receipt e-mails (the help article invoice-history). They gain no
rights: an invoice contact is not a person of the account and cannot sign in anywhere.

Both services are idempotent: adding an address that is already an invoice contact returns it
unchanged, removing one that is gone writes nothing. The limit of five is checked under the
account's lock, so two concurrent additions never make six.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import (
    EMAIL_MAX,
    INVOICE_CONTACTS_MAX,
    NAME_MAX,
    Account,
    InvoiceContact,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Refused
from seatwise.core.validation import clean_email, clean_language, clean_text

INVOICE_CONTACT_AUDIT_FIELDS = ["name", "email", "language"]


def invoice_contacts_of(account: Account) -> list[InvoiceContact]:
    """The account's invoice contacts, oldest first (at most five: no paging needed)."""
    return list(InvoiceContact.objects.filter(account_id=account.pk).order_by("pk"))


def invoice_contact_add(
    *, account: Account, name: str, email: str, by: Actor, language: str | None = None
) -> InvoiceContact:
    """Add an invoice contact (name and e-mail; e-mails in ``language``, by default the
    account's). Refused beyond five, and for the billing contact's own address (they get the
    e-mails already)."""
    cleaned_name = clean_text(name, field="name", max_length=2 * NAME_MAX + 1)
    cleaned_email = clean_email(email, field="email", max_length=EMAIL_MAX)
    cleaned_language = clean_language(language or account.language)
    with transaction.atomic():
        locked = account_lock(account.pk)
        existing = InvoiceContact.objects.filter(account_id=locked.pk, email=cleaned_email).first()
        if existing is not None:
            return existing
        if locked.people.filter(is_billing_contact=True, email=cleaned_email).exists():
            raise Refused(
                "is_billing_contact",
                _("The billing contact receives the invoice e-mails already."),
                field="email",
            )
        if InvoiceContact.objects.filter(account_id=locked.pk).count() >= INVOICE_CONTACTS_MAX:
            raise Refused(
                "too_many_invoice_contacts",
                _("An account has at most %(max)d invoice contacts. Remove one first.")
                % {"max": INVOICE_CONTACTS_MAX},
                field="email",
            )
        contact = InvoiceContact.objects.create(
            account=locked, name=cleaned_name, email=cleaned_email, language=cleaned_language
        )
        audit_record(
            by=by,
            action="invoice_contact.add",
            obj=contact,
            account_id=locked.pk,
            new=snapshot(contact, INVOICE_CONTACT_AUDIT_FIELDS),
        )
    return contact


def invoice_contact_remove(*, contact: InvoiceContact, by: Actor) -> None:
    """Remove an invoice contact; they receive no more invoice e-mails."""
    with transaction.atomic():
        account_lock(contact.account_id)
        current = InvoiceContact.objects.filter(pk=contact.pk).first()
        if current is None:
            return
        audit_record(
            by=by,
            action="invoice_contact.remove",
            obj=current,
            account_id=current.account_id,
            old=snapshot(current, INVOICE_CONTACT_AUDIT_FIELDS),
        )
        current.delete()
