"""Admin Center › Add Users: a new user with their products and an e-mailed invitation.

A brand-new user gets a welcome e-mail with a link to create a password; the
admin chooses their products (seats) and their language; names are at most 32 characters, the
e-mail address at most 128.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account, Person
from seatwise.accounts.passwords import password_set_link
from seatwise.accounts.services import email_unavailable, person_add
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Refused
from seatwise.notifications.services import email_queue
from seatwise.subscriptions.licensing import LicenseChange, license_products_set
from seatwise.subscriptions.models import Subscription


def _address_taken(*, account: Account, email: str) -> Refused:
    """Why an address that someone already has cannot be invited. A member of this account
    is named as such (the admin sees the account's users anyway); anyone else gets the neutral
    answer that does not tell another customer's person from vendor staff or a former member
    (``accounts.services.email_unavailable``)."""
    holder = Person.objects.filter(email__iexact=email.strip()).first()
    if holder is not None and holder.account_id == account.pk and holder.is_active:
        return Refused(
            "already_member",
            _("%(email)s is already a user of your account.") % {"email": holder.email},
            field="email",
        )
    return email_unavailable(field="email")


def person_invite(
    *,
    account: Account,
    email: str,
    first_name: str,
    last_name: str,
    language: str,
    product_subscriptions: Sequence[Subscription],
    notify: bool,
    by: Actor,
) -> Person:
    """Add a user without a password, give them a seat of each product, and invite them.

    All in one transaction: if the address is taken or a product has no free seat, nobody is
    added and no seat is taken; an address someone outside the account has is refused without
    saying whose it is (``_address_taken``). The invitation (in the invitee's language, with a
    link to set their password and the list of their products) is always sent, whatever
    ``notify`` says: without it a new user could never sign in. ``notify`` ("Do not notify
    users about this change" unticked) only concerns later license changes and is kept in the
    audit trail.
    """
    with transaction.atomic():
        try:
            person = person_add(
                account=account,
                email=email,
                first_name=first_name,
                last_name=last_name,
                language=language,
                by=by,
            )
        except Refused as error:
            if error.code == "email_taken":
                raise _address_taken(account=account, email=email) from None
            raise
        change: LicenseChange = license_products_set(
            person=person, subscriptions=product_subscriptions, notify=False, by=by
        )
        inviter = (
            Person.objects.filter(pk=by.person_id, account_id=account.pk).first()
            if by.person_id is not None
            else None
        )
        invitation = email_queue(
            kind="invitation",
            to_address=person.email,
            to_person_id=person.pk,
            sender_person_id=by.person_id,
            account_id=account.pk,
            language=person.language,
            context={
                "person": person,
                "account_name": account.name,
                "inviter_name": inviter.full_name if inviter is not None else "",
                "products": [s.product.name for s in change.added],
                "link": password_set_link(person),
            },
        )
        audit_record(
            by=by,
            action="person.invite",
            obj=person,
            account_id=account.pk,
            new={
                "subscriptions": [s.pk for s in change.added],
                "notify": notify,
                "email": invitation.pk,
            },
        )
    return person
