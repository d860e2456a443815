"""**Bill To** of a corporate account: its billing contact and billing address (article 001).

In the Corporate Billing Portal the current billing contact signs in, clicks **Edit** in the
**Bill To** section, changes the **Billing Address** section and clicks **Save** (the help
article change-billing-contact). ``bill_to_set`` is that Save, in one transaction:

- **the same person** (the e-mail address is the billing contact's own): their name is updated;
- **another person** (another e-mail address): the billing-contact role is handed to them
  (``accounts.handover``: a member by that address, or a new member; never someone outside the
  account). The old and the new contact are e-mailed, each in their own language; the new one
  with a link to set the password of the Corporate Billing Portal;
- **the address**: street lines, postal code, city, region and country of the account
  (``services.account_address_set``). A VAT ID that is not valid for a new country is refused.

The Corporate Billing Portal's User ID belongs to the account and stays as it is; its password
belongs to whoever is billing contact, so a hand-over clears it (``billing_contact_set``):
every open portal session ends and the new contact sets their own password from the e-mailed
link. Saving the same Bill To again changes nothing, writes no audit entry, sends no e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.corporate_signin import RESET_LINK_MAX_AGE, corporate_password_reset_link
from seatwise.accounts.handover import NewContact, billing_contact_handover
from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Account, CorporateCredential, Person
from seatwise.accounts.services import Address, account_address_set, person_profile_update
from seatwise.audit.actors import Actor
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import clean_country, clean_email, clean_text, clean_vat_id
from seatwise.notifications.services import email_queue

HANDOVER_OLD_EMAIL = "billing_contact_handover_old"
HANDOVER_NEW_EMAIL = "billing_contact_handover_new"


@dataclass(frozen=True, slots=True, kw_only=True)
class BillTo:
    """What the **Billing Address** section holds."""

    first_name: str
    last_name: str
    email: str
    address: Address
    country: str


@dataclass(frozen=True, slots=True)
class BillToSaved:
    contact: Person
    # The role went to another person: the portal password was cleared with it.
    handed_over: bool
    previous: Person | None


def _clean(bill_to: BillTo) -> BillTo:
    return BillTo(
        first_name=clean_text(bill_to.first_name, field="first_name", max_length=NAME_MAX),
        last_name=clean_text(bill_to.last_name, field="last_name", max_length=NAME_MAX),
        email=clean_email(bill_to.email, field="email", max_length=EMAIL_MAX),
        address=Address(
            line1=clean_text(bill_to.address.line1, field="address_line1", max_length=200),
            line2=clean_text(
                bill_to.address.line2, field="address_line2", max_length=200, required=False
            ),
            postal_code=clean_text(bill_to.address.postal_code, field="postal_code", max_length=20),
            city=clean_text(bill_to.address.city, field="city", max_length=100),
            region=clean_text(
                bill_to.address.region, field="region", max_length=100, required=False
            ),
        ),
        country=clean_country(bill_to.country),
    )


def _refuse_online(account: Account) -> None:
    if not account.is_corporate:
        raise Refused(
            "not_corporate",
            _(
                "The billing contact of an online account is changed by customer service, "
                "after checking who is asking."
            ),
            field="email",
        )


def _handover_emails(*, account: Account, previous: Person | None, holder: Person) -> None:
    credential = CorporateCredential.objects.filter(account_id=account.pk).first()
    user_id = credential.user_id if credential else ""
    if previous is not None:
        email_queue(
            kind=HANDOVER_OLD_EMAIL,
            to_address=previous.email,
            to_person_id=previous.pk,
            account_id=account.pk,
            language=previous.language,
            context={
                "person": previous,
                "account_name": account.name,
                "new_name": holder.full_name,
                "new_email": holder.email,
            },
        )
    email_queue(
        kind=HANDOVER_NEW_EMAIL,
        to_address=holder.email,
        to_person_id=holder.pk,
        account_id=account.pk,
        language=holder.language,
        context={
            "person": holder,
            "account_name": account.name,
            "previous_name": previous.full_name if previous else "",
            "user_id": user_id,
            # The password was cleared in this transaction: the link is keyed with the new
            # hash and works once the transaction commits.
            "link": corporate_password_reset_link(credential) if credential else "",
            "days": RESET_LINK_MAX_AGE.days,
        },
    )


def bill_to_set(*, account: Account, bill_to: BillTo, by: Actor) -> BillToSaved:
    """**Save** of the Bill To's **Billing Address** section (see the module docstring)."""
    _refuse_online(account)
    spec = _clean(bill_to)
    vat_id = account.vat_id
    if spec.country != account.country and vat_id:
        try:
            clean_vat_id(vat_id, country=spec.country)
        except Invalid:
            raise Invalid(
                "vat_id_country",
                _(
                    "The account's VAT ID %(vat_id)s is not valid for this country. Ask "
                    "Corporate Account Services to change the country."
                )
                % {"vat_id": vat_id},
                field="country",
            ) from None
    with transaction.atomic():
        locked = account_lock(account.pk)
        previous = Person.objects.filter(account_id=locked.pk, is_billing_contact=True).first()
        handed_over = previous is None or previous.email != spec.email
        if not handed_over:
            assert previous is not None
            holder = person_profile_update(
                person=previous,
                first_name=spec.first_name,
                last_name=spec.last_name,
                language=previous.language,
                by=by,
            )
        else:
            handover = billing_contact_handover(
                account=locked,
                contact=NewContact(
                    first_name=spec.first_name, last_name=spec.last_name, email=spec.email
                ),
                by=by,
                rename_member=True,
                reason="bill_to",
            )
            holder = handover.holder
            _handover_emails(account=locked, previous=previous, holder=holder)
        account_address_set(account=locked, address=spec.address, country=spec.country, by=by)
    for name in ("address_line1", "address_line2", "postal_code", "city", "region", "country"):
        setattr(account, name, getattr(locked, name))
    if previous is not None:
        previous.refresh_from_db()
    return BillToSaved(contact=holder, handed_over=handed_over, previous=previous)
