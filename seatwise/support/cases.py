"""Opening a support case from the help center's contact options.

- A **signed-in** person's request is a case at once, linked to their own account, with a case
  number (``CS-000042``) shown to them and e-mailed in their language.
- A **visitor** gives a name and an e-mail address; the request waits (``unconfirmed``, no
  number, not in the console's queue) until they open the link e-mailed to them
  (``case_confirm``), so that nobody can open cases in someone else's name. The address is then
  proven, which matters: an account admin's address is one of the two ways to be allowed to
  change the billing contact (help article "Change the billing contact").
- A request to change the billing contact names the new contact (name and e-mail address).

The form carries a key issued when it was shown: a double-submitted form finds the request it
made (only its own sender's: a key never leads to someone else's case). Limits counted
atomically (``core.ratelimit``) stop floods: per client and per e-mail address for visitors,
which also keeps the confirmation e-mails sent to one address few; per person for signed-in
customers, whose allowance nobody else can use up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, NotFound, Refused
from seatwise.core.ratelimit import rate_limit_hit
from seatwise.core.validation import clean_email, clean_language, clean_message, clean_text
from seatwise.notifications.services import email_queue
from seatwise.support.lock_objects import case_lock
from seatwise.support.models import (
    CASE_MESSAGE_MAX,
    CASE_SUBJECT_MAX,
    COMPANY_NAME_MAX,
    Case,
    CaseEvent,
)
from seatwise.support.tokens import case_confirmation_token_check, case_confirmation_token_make

CONFIRM_EMAIL = "support_case_confirm"
OPENED_EMAIL = "support_case_opened"
# Requests per hour: from one client, to one e-mail address, by one signed-in person.
REQUESTS_PER_CLIENT = 5
REQUESTS_PER_ADDRESS = 3
REQUESTS_PER_PERSON = 10
WINDOW = timedelta(hours=1)
REQUEST_KEY_MAX = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRequest:
    """What the contact form asks, whoever sends it."""

    topic: str
    subject: str = ""
    message: str = ""
    company_name: str = ""
    new_contact: NewContact | None = None
    source_article: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Visitor:
    name: str
    email: str
    language: str


def case_number(case_id: int) -> str:
    return f"CS-{case_id:06d}"


def thread_id(case: Case) -> str:
    """The ``References`` of every e-mail of a case: one conversation in the mail program."""
    return f"<case-{case.number}@{settings.SEATWISE_MAIL_DOMAIN}>"


def _clean_message(value: str, *, required: bool) -> str:
    return clean_message(value, field="message", max_length=CASE_MESSAGE_MAX, required=required)


def _clean(request: CaseRequest, *, language: str, visitor: bool) -> CaseRequest:
    if request.topic not in Case.Topic.values:
        raise Invalid("invalid_topic", _("Choose what your request is about."), field="topic")
    company = clean_text(
        request.company_name,
        field="company_name",
        max_length=COMPANY_NAME_MAX,
        required=visitor and request.topic == Case.Topic.BILLING_CONTACT_CHANGE,
    )
    if request.topic == Case.Topic.BILLING_CONTACT_CHANGE:
        if request.new_contact is None:
            raise Invalid(
                "new_contact_required",
                _("Give the name and e-mail address of the new billing contact."),
                field="new_contact_email",
            )
        contact = NewContact(
            first_name=clean_text(
                request.new_contact.first_name, field="new_contact_first_name", max_length=NAME_MAX
            ),
            last_name=clean_text(
                request.new_contact.last_name, field="new_contact_last_name", max_length=NAME_MAX
            ),
            email=clean_email(
                request.new_contact.email, field="new_contact_email", max_length=EMAIL_MAX
            ),
        )
        with override(language):
            subject = str(
                _("Change the billing contact to %(name)s")
                % {"name": f"{contact.first_name} {contact.last_name}"}
            )[:CASE_SUBJECT_MAX]
        message = _clean_message(request.message, required=False)
        return replace(
            request, subject=subject, message=message, company_name=company, new_contact=contact
        )
    return replace(
        request,
        subject=clean_text(request.subject, field="subject", max_length=CASE_SUBJECT_MAX),
        message=_clean_message(request.message, required=True),
        company_name=company,
        new_contact=None,
    )


def _clean_key(key: str | None) -> str:
    cleaned = (key or "").strip()
    return cleaned if 16 <= len(cleaned) <= REQUEST_KEY_MAX and cleaned.isascii() else ""


def _limit(key: str, limit: int) -> None:
    if not rate_limit_hit(key=key, limit=limit, window=WINDOW).allowed:
        raise Refused(
            "too_many_requests",
            _(
                "We have received several requests from you within the hour. Please wait for "
                "our answer, or write to us by e-mail."
            ),
        )


def _earlier(key: str, *, email: str) -> Case | None:
    """The request made earlier with this form's key by the same requester."""
    if not key:
        return None
    return Case.objects.filter(request_key=key, requester_email=email).first()


def _insert(case: Case) -> Case | None:
    """Insert ``case``; None when its request key was used by a concurrent submission."""
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        if case.request_key and Case.objects.filter(request_key=case.request_key).exists():
            return None
        raise
    return case


def _open(case: Case, *, by: Actor) -> None:
    """Give ``case`` its number and open it; e-mail the number to the requester."""
    case.number = case_number(case.pk)
    case.status = Case.Status.OPEN
    case.opened_at = timezone.now()
    case.save(update_fields=["number", "status", "opened_at"])
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.OPENED, actor_label=by.label, actor_person_id=by.person_id
    )
    audit_record(
        by=by,
        action="support.case_open",
        obj=case,
        account_id=case.account_id,
        new={"number": case.number, "topic": case.topic, "requester": case.requester_email},
    )
    email_queue(
        kind=OPENED_EMAIL,
        to_address=case.requester_email,
        to_person_id=case.requester_person_id,
        account_id=case.account_id,
        language=case.requester_language,
        context={"case": case, "name": case.requester_name},
        headers={"References": thread_id(case)},
        dedupe_key=f"support-case-opened-{case.pk}",
    )


def case_open(
    *, person: Person, request: CaseRequest, client: str, by: Actor, request_key: str | None = None
) -> Case:
    """A signed-in customer's request: a case of their own account, open at once."""
    if person.account_id is None or person.is_staff or not person.is_active:
        raise Refused(
            "not_a_customer", _("Only members of a customer account can open a support case.")
        )
    key = _clean_key(request_key)
    if (earlier := _earlier(key, email=person.email)) is not None:
        return earlier
    if Case.objects.filter(request_key=key).exists():
        key = ""  # someone else's key: a new request, without it
    cleaned = _clean(request, language=person.language, visitor=False)
    contact = cleaned.new_contact
    with transaction.atomic():
        _limit(f"support.case:person:{person.pk}", REQUESTS_PER_PERSON)
        case = _insert(
            Case(
                topic=cleaned.topic,
                status=Case.Status.UNCONFIRMED,
                account_id=person.account_id,
                requester_person=person,
                requester_name=person.full_name,
                requester_email=person.email,
                requester_language=person.language,
                company_name=cleaned.company_name,
                subject=cleaned.subject,
                message=cleaned.message,
                source_article=cleaned.source_article[:64],
                new_contact_first_name=contact.first_name if contact else "",
                new_contact_last_name=contact.last_name if contact else "",
                new_contact_email=contact.email if contact else "",
                client=client[:64],
                request_key=key,
            )
        )
        if case is None:
            found = _earlier(key, email=person.email)
            if found is None:
                raise Refused("request_key_taken", _("Please send the form again."))
            return found
        _open(case, by=by)
    return case


def confirmation_link(case: Case) -> str:
    token = case_confirmation_token_make(case)
    path = reverse("help:contact_confirm", kwargs={"case_id": case.pk, "token": token})
    return f"{settings.SEATWISE_SITE_URL}{path}"


def case_request(
    *,
    visitor: Visitor,
    request: CaseRequest,
    client: str,
    by: Actor,
    request_key: str | None = None,
) -> Case:
    """A visitor's request: kept unconfirmed, and a confirmation link e-mailed to the address
    they gave. Nothing about any account is revealed to them, whatever they typed."""
    name = clean_text(visitor.name, field="name", max_length=2 * NAME_MAX + 1)
    email = clean_email(visitor.email, field="email", max_length=EMAIL_MAX)
    language = clean_language(visitor.language)
    key = _clean_key(request_key)
    if (earlier := _earlier(key, email=email)) is not None:
        return earlier
    if Case.objects.filter(request_key=key).exists():
        key = ""  # someone else's key: a new request, without it
    cleaned = _clean(request, language=language, visitor=True)
    contact = cleaned.new_contact
    with transaction.atomic():
        _limit(f"support.case:client:{client}", REQUESTS_PER_CLIENT)
        _limit(f"support.case:email:{email}", REQUESTS_PER_ADDRESS)
        case = _insert(
            Case(
                topic=cleaned.topic,
                status=Case.Status.UNCONFIRMED,
                requester_name=name,
                requester_email=email,
                requester_language=language,
                company_name=cleaned.company_name,
                subject=cleaned.subject,
                message=cleaned.message,
                source_article=cleaned.source_article[:64],
                new_contact_first_name=contact.first_name if contact else "",
                new_contact_last_name=contact.last_name if contact else "",
                new_contact_email=contact.email if contact else "",
                client=client[:64],
                request_key=key,
            )
        )
        if case is None:
            found = _earlier(key, email=email)
            if found is None:
                raise Refused("request_key_taken", _("Please send the form again."))
            return found
        audit_record(
            by=by,
            action="support.case_request",
            obj=case,
            account_id=None,
            new={"topic": case.topic, "requester": email},
        )
        email_queue(
            kind=CONFIRM_EMAIL,
            to_address=email,
            language=language,
            context={
                "name": name,
                "subject": case.subject,
                "link": confirmation_link(case),
                "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            },
            dedupe_key=f"support-case-confirm-{case.pk}",
        )
    return case


def case_confirmation_valid(*, case_id: int, token: str) -> bool:
    """Whether ``token`` is the (unexpired) confirmation link of the request ``case_id``."""
    case = Case.objects.filter(pk=case_id).first() if 0 < case_id < 2**63 else None
    return case is not None and case_confirmation_token_check(case, token)


def case_confirm(*, case_id: int, token: str, by: Actor) -> Case:
    """The visitor opened the e-mailed link: their request becomes an open case with a number.
    Opening the link again shows the same case; a wrong or expired link is "not found"."""
    case = Case.objects.filter(pk=case_id).first() if 0 < case_id < 2**63 else None
    if case is None or not case_confirmation_token_check(case, token):
        raise NotFound(
            "invalid_link",
            _("This link is not valid any more. Send your request again from the help center."),
        )
    with transaction.atomic():
        locked = case_lock(case.pk)
        if locked.status == Case.Status.UNCONFIRMED:
            _open(locked, by=by)
    return locked


def unconfirmed_requests_prune(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget visitors' requests whose link was never opened (they never became cases)."""
    old = Case.objects.filter(
        status=Case.Status.UNCONFIRMED, created_at__lt=timezone.now() - older_than
    )
    deleted, _details = old.delete()
    return deleted
