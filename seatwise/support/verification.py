"""Verifying who asks to change the billing contact of an account (help article "Change the
billing contact"): customer service acts only when the requester

1. can verify the card on file: its last four digits, its expiry month and year and the card
   holder's name, as the requester states them, all match the account's default card, which
   must not have expired; and
2. is the card holder (the name they gave is the holder's name) **or** an account admin of the
   account (the e-mail address they gave, confirmed through a link or their sign-in, is an
   active account admin's).

The agent types what the requester says and is told only whether it matches, with the reason
when it does not; the agent never sees more of the card than the console shows everyone (brand,
last four digits, expiry, holder). Which of the card's details was wrong is recorded nowhere,
so that neither the console nor the audit trail helps anyone guess a card detail by detail.

Every attempt is a timeline entry and an audit entry, passed or not. Three failed attempts
within 24 hours lock the case's verification for 24 hours from the last one
(``MAX_FAILURES``, ``LOCK``); a passed verification holds for ``VALID_FOR`` and only for the
card it was made against.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import check_characters
from seatwise.payments.models import PaymentMethod
from seatwise.payments.selectors import default_payment_method
from seatwise.support.lock_objects import case_lock
from seatwise.support.models import Case, CaseEvent
from seatwise.support.services import agent_check, case_event_add

MAX_FAILURES = 3
LOCK = timedelta(hours=24)
VALID_FOR = timedelta(minutes=30)
HOLDER_MAX = 128


class Reason(StrEnum):
    PASSED = "passed"
    LOCKED = "locked"
    NO_ACCOUNT = "no_account"
    NO_CARD = "no_card"
    CARD_EXPIRED = "card_expired"
    CARD_MISMATCH = "card_mismatch"
    NOT_HOLDER_OR_ADMIN = "not_holder_or_admin"


# Reasons that are guesses: they count towards the lock.
COUNTED = frozenset({Reason.CARD_MISMATCH, Reason.NOT_HOLDER_OR_ADMIN})

MESSAGES: dict[Reason, Promise] = {
    Reason.PASSED: _(
        "Matches. The card on file is verified and the requester may ask for the change."
    ),
    Reason.LOCKED: _(
        "Verification is locked after repeated failures. Nothing was compared. Try again "
        "after the time shown."
    ),
    Reason.NO_ACCOUNT: _("Link this case to the account it concerns first."),
    Reason.NO_CARD: _(
        "Does not match: the account has no card on file, so the requester cannot be verified."
    ),
    Reason.CARD_EXPIRED: _(
        "Does not match: the card on file has expired, so the requester cannot be verified."
    ),
    Reason.CARD_MISMATCH: _("Does not match: the card details are not those of the card on file."),
    Reason.NOT_HOLDER_OR_ADMIN: _(
        "Does not match: the requester is neither the card holder nor an account admin of "
        "this account."
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CardAnswers:
    """What the requester says about the card on file, as the agent types it."""

    last4: str
    exp_month: int
    exp_year: int
    holder_name: str


@dataclass(frozen=True, slots=True)
class Verification:
    reason: Reason
    locked_until: datetime | None = None

    @property
    def passed(self) -> bool:
        return self.reason is Reason.PASSED

    @property
    def message(self) -> Promise:
        return MESSAGES[self.reason]


def normalized_name(value: str) -> str:
    """A name compared as people say it: case, accents, punctuation and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(letters.casefold().split())


def _clean(answers: CardAnswers) -> CardAnswers:
    last4 = (answers.last4 or "").strip()
    if len(last4) != 4 or not last4.isdigit() or not last4.isascii():
        raise Invalid("invalid_last4", _("Enter the four digits."), field="last4")
    if not 1 <= answers.exp_month <= 12:
        raise Invalid("invalid_expiry", _("Enter a month from 1 to 12."), field="exp_month")
    year = answers.exp_year + 2000 if 0 <= answers.exp_year < 100 else answers.exp_year
    if not 2000 <= year <= 2099:
        raise Invalid("invalid_expiry", _("Enter the year as on the card."), field="exp_year")
    holder = " ".join((answers.holder_name or "").split())
    if not holder:
        raise Invalid("required", _("This field is required."), field="holder_name")
    if len(holder) > HOLDER_MAX:
        raise Invalid(
            "too_long",
            _("Use at most %(max)d characters.") % {"max": HOLDER_MAX},
            field="holder_name",
        )
    check_characters(holder, field="holder_name")
    return CardAnswers(last4=last4, exp_month=answers.exp_month, exp_year=year, holder_name=holder)


def card_is_expired(card: PaymentMethod, *, today: datetime | None = None) -> bool:
    return card.expires_on < (today or timezone.now()).date()


def _card_matches(card: PaymentMethod, answers: CardAnswers) -> bool:
    return (
        card.last4 == answers.last4
        and (card.exp_month, card.exp_year) == (answers.exp_month, answers.exp_year)
        and normalized_name(card.holder_name) == normalized_name(answers.holder_name)
        and bool(normalized_name(card.holder_name))
    )


def requester_is_account_admin(case: Case) -> bool:
    if case.account_id is None:
        return False
    return Person.objects.filter(
        account_id=case.account_id,
        email__iexact=case.requester_email,
        is_account_admin=True,
        is_active=True,
    ).exists()


def _judge(case: Case, answers: CardAnswers, now: datetime) -> Reason:
    if case.verification_locked_until is not None and case.verification_locked_until > now:
        return Reason.LOCKED
    if case.account_id is None:
        return Reason.NO_ACCOUNT
    card = default_payment_method(account_id=case.account_id)
    if card is None:
        return Reason.NO_CARD
    if card_is_expired(card, today=now):
        return Reason.CARD_EXPIRED
    if not _card_matches(card, answers):
        return Reason.CARD_MISMATCH
    holder = normalized_name(card.holder_name)
    if normalized_name(case.requester_name) != holder and not requester_is_account_admin(case):
        return Reason.NOT_HOLDER_OR_ADMIN
    return Reason.PASSED


def _failures_since(case: Case, since: datetime) -> int:
    return CaseEvent.objects.filter(
        case=case,
        kind=CaseEvent.Kind.VERIFICATION_FAILED,
        reason__in=[r.value for r in COUNTED],
        at__gte=since,
    ).count()


def case_verify(*, case: Case, answers: CardAnswers, agent: Person, by: Actor) -> Verification:
    """Compare the requester's answers with the card on file; record the attempt either way.

    Raises ``Invalid`` (recording nothing) only for answers that are not even well formed.
    """
    agent_check(agent)
    cleaned = _clean(answers)
    with transaction.atomic():
        locked = case_lock(case.pk)
        if locked.status != Case.Status.OPEN or not locked.is_billing_contact_change:
            raise Refused(
                "not_verifiable",
                _("Only open requests to change the billing contact are verified."),
            )
        now = timezone.now()
        reason = _judge(locked, cleaned, now)
        card = (
            default_payment_method(account_id=locked.account_id)
            if reason is Reason.PASSED and locked.account_id is not None
            else None
        )
        fields = ["verified_at", "verified_payment_method_id", "verified_by_id"]
        if card is not None:
            locked.verified_at, locked.verified_payment_method_id = now, card.pk
            locked.verified_by_id = agent.pk
        elif reason is not Reason.LOCKED:
            # A failed attempt withdraws an earlier pass: the change needs fresh evidence.
            locked.verified_at = locked.verified_payment_method_id = locked.verified_by_id = None
        if reason in COUNTED:
            case_event_add(
                case=locked, kind=CaseEvent.Kind.VERIFICATION_FAILED, by=by, reason=reason
            )
            if _failures_since(locked, now - LOCK) >= MAX_FAILURES:
                locked.verification_locked_until = now + LOCK
                fields.append("verification_locked_until")
        else:
            kind = (
                CaseEvent.Kind.VERIFICATION_PASSED
                if reason is Reason.PASSED
                else CaseEvent.Kind.VERIFICATION_FAILED
            )
            case_event_add(case=locked, kind=kind, by=by, reason=reason)
        locked.save(update_fields=fields)
        audit_record(
            by=by,
            action="support.verification_pass" if card is not None else "support.verification_fail",
            obj=locked,
            account_id=locked.account_id,
            new={
                "reason": reason.value,
                "payment_method": card.pk if card is not None else None,
                "locked_until": (
                    locked.verification_locked_until.isoformat()
                    if locked.verification_locked_until and locked.verification_locked_until > now
                    else None
                ),
            },
        )
    return Verification(
        reason=reason,
        locked_until=(
            locked.verification_locked_until
            if locked.verification_locked_until and locked.verification_locked_until > now
            else None
        ),
    )
