"""What support agents do with a case in the console: take it, note, reply, link it to the
account it concerns, close it.

Only vendor staff act here (``agent_check``). Every action takes the case's lock, writes one
timeline entry (``CaseEvent``) and one audit entry, and changes nothing when refused. A reply
is e-mailed to the requester in their language, threaded with the case's other e-mails by the
case number; nothing the agent types is sent anywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import clean_message
from seatwise.notifications.services import email_queue
from seatwise.support.cases import thread_id
from seatwise.support.lock_objects import case_lock
from seatwise.support.models import CASE_MESSAGE_MAX, Case, CaseEvent

REPLY_EMAIL = "support_case_reply"
CLOSED_EMAIL = "support_case_closed"


def agent_check(agent: Person) -> None:
    if not (agent.is_staff and agent.is_active and agent.account_id is None):
        raise Refused("not_an_agent", _("Only customer service can work on support cases."))


def _text(value: str, *, field: str, required: bool = True) -> str:
    return clean_message(value, field=field, max_length=CASE_MESSAGE_MAX, required=required)


def _open_case(case_id: int) -> Case:
    case = case_lock(case_id)
    if case.status != Case.Status.OPEN:
        raise Refused("case_not_open", _("This case is not open."))
    return case


def case_event_add(
    *,
    case: Case,
    kind: str,
    by: Actor,
    body: str = "",
    reason: str = "",
    email_id: int | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor_label=by.label[:200],
        actor_person_id=by.person_id,
        body=body,
        reason=reason,
        email_id=email_id,
    )


def case_assign(*, case: Case, agent: Person, by: Actor) -> Case:
    """Assign the case to ``agent`` (the console's "Assign to me")."""
    agent_check(agent)
    with transaction.atomic():
        locked = _open_case(case.pk)
        if locked.assignee_id == agent.pk:
            return locked
        old = locked.assignee_id
        locked.assignee = agent
        locked.save(update_fields=["assignee"])
        case_event_add(case=locked, kind=CaseEvent.Kind.ASSIGNED, by=by, body=agent.email)
        audit_record(
            by=by,
            action="support.case_assign",
            obj=locked,
            account_id=locked.account_id,
            old={"assignee": old},
            new={"assignee": agent.pk},
        )
    return locked


def case_note(*, case: Case, text: str, by: Actor) -> CaseEvent:
    """An internal note: seen by customer service only, never sent."""
    body = _text(text, field="text")
    with transaction.atomic():
        locked = case_lock(case.pk)
        event = case_event_add(case=locked, kind=CaseEvent.Kind.NOTE, by=by, body=body)
        audit_record(
            by=by,
            action="support.case_note",
            obj=locked,
            account_id=locked.account_id,
            new={"event": event.pk, "length": len(body)},
        )
    return event


def case_reply(*, case: Case, text: str, agent: Person, by: Actor) -> CaseEvent:
    """E-mail ``text`` to the requester: greeting, footer and subject in their language, the
    case number in the subject, threaded with the case's other e-mails."""
    agent_check(agent)
    body = _text(text, field="text")
    with transaction.atomic():
        locked = _open_case(case.pk)
        email = email_queue(
            kind=REPLY_EMAIL,
            to_address=locked.requester_email,
            to_person_id=locked.requester_person_id,
            sender_person_id=agent.pk,
            account_id=locked.account_id,
            language=locked.requester_language,
            reply_to=settings.SEATWISE_SUPPORT_EMAIL,
            context={
                "case": locked,
                "name": locked.requester_name,
                "text": body,
                "agent_name": agent.first_name,
            },
            headers={"In-Reply-To": thread_id(locked), "References": thread_id(locked)},
        )
        event = case_event_add(
            case=locked, kind=CaseEvent.Kind.REPLY, by=by, body=body, email_id=email.pk
        )
        audit_record(
            by=by,
            action="support.case_reply",
            obj=locked,
            account_id=locked.account_id,
            new={"event": event.pk, "email": email.pk},
        )
    return event


def case_account_link(*, case: Case, account: Account, by: Actor) -> Case:
    """Link a visitor's case to the account it concerns (found by the agent from the company
    name). A signed-in customer's case stays with their own account. Linking another account
    forgets a verification made against the previous one."""
    with transaction.atomic():
        locked = _open_case(case.pk)
        if locked.requester_person_id is not None:
            raise Refused(
                "account_fixed",
                _("This case was opened by a signed-in customer: it concerns their account."),
            )
        if locked.account_id == account.pk:
            return locked
        old = locked.account_id
        locked.account = account
        locked.verified_at = None
        locked.verified_payment_method_id = None
        locked.verified_by_id = None
        locked.save(
            update_fields=["account", "verified_at", "verified_payment_method_id", "verified_by_id"]
        )
        case_event_add(case=locked, kind=CaseEvent.Kind.ACCOUNT_LINKED, by=by, body=account.name)
        audit_record(
            by=by,
            action="support.case_account_link",
            obj=locked,
            account_id=account.pk,
            old={"account": old},
            new={"account": account.pk},
        )
    return locked


def case_close(*, case: Case, resolution: str, note: str, by: Actor, notify: bool = True) -> Case:
    """Close the case with a resolution; the requester is told by e-mail (unless ``notify`` is
    false: the caller told them already)."""
    if resolution not in Case.Resolution.values:
        raise Invalid("invalid_resolution", _("Choose a resolution."), field="resolution")
    text = _text(note, field="note", required=False)
    with transaction.atomic():
        locked = _open_case(case.pk)
        locked.status = Case.Status.CLOSED
        locked.resolution = resolution
        locked.resolution_note = text
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "resolution", "resolution_note", "closed_at"])
        email_id = None
        if notify:
            email_id = email_queue(
                kind=CLOSED_EMAIL,
                to_address=locked.requester_email,
                to_person_id=locked.requester_person_id,
                account_id=locked.account_id,
                language=locked.requester_language,
                reply_to=settings.SEATWISE_SUPPORT_EMAIL,
                context={"case": locked, "name": locked.requester_name, "note": text},
                headers={"In-Reply-To": thread_id(locked), "References": thread_id(locked)},
            ).pk
        case_event_add(
            case=locked,
            kind=CaseEvent.Kind.CLOSED,
            by=by,
            body=text,
            reason=resolution,
            email_id=email_id,
        )
        audit_record(
            by=by,
            action="support.case_close",
            obj=locked,
            account_id=locked.account_id,
            old={"status": Case.Status.OPEN},
            new={"status": Case.Status.CLOSED, "resolution": resolution},
        )
    return locked
