"""Customer service changes the billing contact of an account, on a verified request (help
article "Change the billing contact").

An online account's billing contact changes only this way; a corporate account's billing
contact changes it in the Corporate Billing Portal (**Bill To**), or asks customer service, who
then use this same service. One action, allowed only on an open request whose verification
(``support.verification``) passed less than ``VALID_FOR`` ago against the card that is still the
account's default card and still valid:

- the new contact becomes the billing contact (``accounts.handover``: a member by that address,
  or a new member invited with a link to set a password; never someone outside the account);
- the previous contact and the new one are e-mailed, each in their own language; the previous
  one with how to report a change they did not want (the case number and customer service's
  address); on a corporate account the new one also gets the link to set the Corporate Billing
  Portal's password (the User ID stays, its password is cleared with the hand-over);
- the case is closed as "Billing contact changed".

A refused attempt changes nothing but leaves its trace: a timeline entry and an audit entry
with the reason, committed on their own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.corporate_signin import RESET_LINK_MAX_AGE, corporate_password_reset_link
from seatwise.accounts.handover import Handover, NewContact, billing_contact_handover
from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import CorporateCredential, Person
from seatwise.accounts.passwords import password_set_link
from seatwise.accounts.services import EMAIL_UNAVAILABLE
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Refused, ServiceError
from seatwise.notifications.services import email_queue
from seatwise.payments.selectors import default_payment_method
from seatwise.support.cases import thread_id
from seatwise.support.lock_objects import case_lock
from seatwise.support.models import Case, CaseEvent
from seatwise.support.services import agent_check, case_close, case_event_add
from seatwise.support.verification import VALID_FOR, card_is_expired

OLD_CONTACT_EMAIL = "support_billing_contact_changed_old"
NEW_CONTACT_EMAIL = "support_billing_contact_changed_new"


def _check(case: Case) -> None:
    """Why the change may not be made now, as a refusal; nothing when it may."""
    if case.status != Case.Status.OPEN or not case.is_billing_contact_change:
        raise Refused(
            "not_a_billing_contact_request",
            _("This case is not an open request to change the billing contact."),
        )
    if case.account_id is None:
        raise Refused("no_account", _("Link this case to the account it concerns first."))
    now = timezone.now()
    if case.verified_at is None or case.verified_at < now - VALID_FOR:
        raise Refused(
            "not_verified",
            _(
                "Verify the requester first: the change needs a verification of the last "
                "%(n)d minutes."
            )
            % {"n": int(VALID_FOR.total_seconds() // 60)},
        )
    card = default_payment_method(account_id=case.account_id)
    if card is None or card.pk != case.verified_payment_method_id or card_is_expired(card):
        raise Refused(
            "card_changed",
            _("The card on file changed since the verification. Verify the requester again."),
        )


def _emails(*, case: Case, handover: Handover) -> None:
    account = handover.holder.account
    assert account is not None
    credential = CorporateCredential.objects.filter(account_id=account.pk).first()
    headers = {"References": thread_id(case)}
    common = {
        "case": case,
        "account_name": account.name,
        "support_email": settings.SEATWISE_SUPPORT_EMAIL,
        "support_phone": settings.SEATWISE_SUPPORT_PHONE,
        "corporate": account.is_corporate,
    }
    if handover.previous is not None:
        previous = handover.previous
        email_queue(
            kind=OLD_CONTACT_EMAIL,
            to_address=previous.email,
            to_person_id=previous.pk,
            account_id=account.pk,
            language=previous.language,
            reply_to=settings.SEATWISE_SUPPORT_EMAIL,
            context={
                **common,
                "person": previous,
                "new_name": handover.holder.full_name,
                "new_email": handover.holder.email,
            },
            headers=headers,
        )
    holder = handover.holder
    email_queue(
        kind=NEW_CONTACT_EMAIL,
        to_address=holder.email,
        to_person_id=holder.pk,
        account_id=account.pk,
        language=holder.language,
        reply_to=settings.SEATWISE_SUPPORT_EMAIL,
        context={
            **common,
            "person": holder,
            "previous_name": handover.previous.full_name if handover.previous else "",
            # A new member sets the password of their product sign-in; a corporate account's
            # contact also the Corporate Billing Portal's (cleared with the hand-over).
            "password_link": password_set_link(holder) if handover.is_new_member else "",
            "user_id": credential.user_id if credential else "",
            "portal_link": corporate_password_reset_link(credential) if credential else "",
            "days": RESET_LINK_MAX_AGE.days,
        },
        headers=headers,
    )


def _refusal_record(*, case: Case, error: ServiceError, by: Actor) -> None:
    with transaction.atomic():
        locked = case_lock(case.pk)
        case_event_add(case=locked, kind=CaseEvent.Kind.CHANGE_REFUSED, by=by, reason=error.code)
        audit_record(
            by=by,
            action="support.billing_contact_change_refused",
            obj=locked,
            account_id=locked.account_id,
            new={"reason": error.code},
        )


def case_billing_contact_change(*, case: Case, agent: Person, by: Actor) -> Handover:
    """Make the request's new contact the account's billing contact (see the module docstring)."""
    agent_check(agent)
    try:
        with transaction.atomic():
            locked = case_lock(case.pk)
            _check(locked)
            assert locked.account_id is not None
            account = account_lock(locked.account_id)
            handover = billing_contact_handover(
                account=account,
                contact=NewContact(
                    first_name=locked.new_contact_first_name,
                    last_name=locked.new_contact_last_name,
                    email=locked.new_contact_email,
                ),
                by=by,
                rename_member=False,
                reason=f"support:{locked.number}",
            )
            _emails(case=locked, handover=handover)
            case_event_add(
                case=locked,
                kind=CaseEvent.Kind.BILLING_CONTACT_CHANGED,
                by=by,
                body=handover.holder.email,
            )
            audit_record(
                by=by,
                action="support.billing_contact_change",
                obj=locked,
                account_id=account.pk,
                old={"billing_contact": handover.previous.pk if handover.previous else None},
                new={"billing_contact": handover.holder.pk, "case": locked.number},
            )
            told = {handover.holder.email} | (
                {handover.previous.email} if handover.previous else set()
            )
            case_close(
                case=locked,
                resolution=Case.Resolution.BILLING_CONTACT_CHANGED,
                note="",
                by=by,
                notify=locked.requester_email not in told,
            )
    except ServiceError as error:
        _refusal_record(case=case, error=error, by=by)
        if error.code == EMAIL_UNAVAILABLE:
            # The customer's pages do not say whose the address is; customer service may know.
            raise Refused(
                error.code,
                _(
                    "The new contact's e-mail address belongs to someone outside this account "
                    "(another customer's person, vendor staff or a former member): it cannot "
                    "take the role. Ask the requester for another address."
                ),
                field=error.field,
            ) from error
        raise
    return handover
