"""Sign-in to the Corporate Billing Portal: User ID and password, lockout, password reset.

The portal has its own credentials, separate from the product sign-in (the help article
sign-in-billing): a User ID in user-name or e-mail form, printed on every e-mailed invoice, and
a password held by the account's billing contact. Whoever cannot sign in there is not the
billing admin: only the billing contact holds the portal's password.

- Errors are the ones the help article quotes: "Invalid User ID" for an unknown User ID,
  "Invalid User ID/password" for a known one with a wrong password. A credential whose
  password was never set (or was cleared when the billing contact changed) fails like a
  wrong password.
- Lockout: ``FAILURE_LIMIT`` failed sign-ins within ``LOCKOUT`` lock the User ID for
  ``LOCKOUT``; while locked even the right password is refused. Each lockout is audited.
- A password check costs the same hash work whether or not the User ID exists or has a
  usable password, so response times say little about either.
- **Forgot Password?**: a link e-mailed to the billing contact, in their language. It is a
  ``TimestampSigner`` token over the credential id, keyed with the current password hash, so
  it works once (setting the password changes the hash) and for ``RESET_LINK_MAX_AGE``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import corporate_credential_lock
from seatwise.accounts.models import EMAIL_MAX, CorporateCredential
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import corporate_password_set
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

FAILURE_LIMIT = 5
LOCKOUT = timedelta(minutes=15)
RESET_LINK_MAX_AGE = timedelta(days=3)
RESET_EMAILS_PER_HOUR = 3
RESET_EMAIL_KIND = "corporate_password_reset"
SIGNIN_ACTOR = Actor.system("corporate-signin")

_RESET_SALT = "seatwise.accounts.corporate_password_reset"
_SESSION_SALT = "seatwise.accounts.corporate_session"


def _find(user_id: str) -> CorporateCredential | None:
    cleaned = (user_id or "").strip()
    if not cleaned or len(cleaned) > EMAIL_MAX:
        return None
    return (
        CorporateCredential.objects.select_related("account")
        .filter(user_id__iexact=cleaned)
        .first()
    )


def _password_matches(password: str, encoded: str) -> bool:
    if not is_password_usable(encoded):
        # Never set, or cleared: spend the hash work a real check costs, then fail.
        make_password(password)
        return False
    return check_password(password, encoded)


def _locked_message() -> str:
    return str(
        _(
            "There were too many failed sign-ins with this User ID. For your security, "
            "sign-in to the Corporate Billing Portal is locked for %(minutes)d minutes. "
            "To sign in sooner, set a new password with Forgot Password?"
        )
        % {"minutes": int(LOCKOUT.total_seconds() // 60)}
    )


def corporate_authenticate(*, user_id: str, password: str) -> CorporateCredential:
    """Check a Corporate Billing Portal sign-in; return the credential or refuse.

    Refusals (``ServiceError`` codes): ``invalid_user_id`` (no such User ID),
    ``invalid_password`` (known User ID, wrong or unset password), ``locked`` (too many
    failures; refused whatever the password until the lock ends). A failure is counted in
    its own committed transaction, before the refusal is raised.
    """
    found = _find(user_id)
    if found is None:
        make_password(password)  # the same hash work as for a known User ID
        raise Invalid("invalid_user_id", _("Invalid User ID"), field="user_id")
    checked_hash = found.password
    matches = _password_matches(password, checked_hash)
    now = timezone.now()
    with transaction.atomic():
        credential = corporate_credential_lock(found.pk)
        if credential.locked_until is not None and credential.locked_until > now:
            raise Refused("locked", _locked_message(), field="user_id")
        # A match counts only for the hash that was checked: if the password changed while
        # it was being hashed, this attempt fails.
        if matches and credential.password == checked_hash:
            if credential.failed_signins or credential.locked_until is not None:
                CorporateCredential.objects.filter(pk=credential.pk).update(
                    failed_signins=0, last_failed_signin_at=None, locked_until=None
                )
            credential.account = found.account
            return credential
        recent = (
            credential.last_failed_signin_at is not None
            and credential.last_failed_signin_at > now - LOCKOUT
        )
        failures = (credential.failed_signins if recent else 0) + 1
        if failures >= FAILURE_LIMIT:
            locked_until = now + LOCKOUT
            CorporateCredential.objects.filter(pk=credential.pk).update(
                failed_signins=0, last_failed_signin_at=now, locked_until=locked_until
            )
            audit_record(
                by=SIGNIN_ACTOR,
                action="corporate_credential.lockout",
                obj=credential,
                account_id=credential.account_id,
                new={"failed_signins": failures, "locked_until": locked_until.isoformat()},
            )
        else:
            CorporateCredential.objects.filter(pk=credential.pk).update(
                failed_signins=failures, last_failed_signin_at=now, locked_until=None
            )
    raise Invalid("invalid_password", _("Invalid User ID/password"), field="password")


# --- the portal's session ----------------------------------------------------------------


def corporate_session_hash(credential: CorporateCredential) -> str:
    """A fingerprint of the credential's password, kept in the portal's session.

    When the password changes (a reset, or a new billing contact, which clears it), the
    fingerprint no longer matches and every open portal session ends.
    """
    return salted_hmac(_SESSION_SALT, credential.password, algorithm="sha256").hexdigest()


def corporate_session_credential(
    *, credential_id: int, session_hash: str
) -> CorporateCredential | None:
    """The credential of a portal session, or None when the session is no longer valid."""
    credential = (
        CorporateCredential.objects.select_related("account").filter(pk=credential_id).first()
    )
    if credential is None or not is_password_usable(credential.password):
        return None
    if not constant_time_compare(corporate_session_hash(credential), session_hash):
        return None
    return credential


# --- Forgot Password? --------------------------------------------------------------------


def _signer(credential: CorporateCredential) -> signing.TimestampSigner:
    # Keyed with the password hash: once the password is set, every earlier link is void.
    return signing.TimestampSigner(salt=f"{_RESET_SALT}:{credential.password}")


def corporate_password_reset_link(credential: CorporateCredential) -> str:
    token = _signer(credential).sign(str(credential.pk))
    path = reverse("corporate:password_set", kwargs={"token": token})
    return f"{settings.SEATWISE_SITE_URL}{path}"


def corporate_password_token_check(token: str) -> CorporateCredential | None:
    """The credential a reset link is for, or None if the link is forged, used or expired."""
    head = (token or "").split(":", 1)[0]
    if not head.isdigit():
        return None
    credential = CorporateCredential.objects.select_related("account").filter(pk=int(head)).first()
    if credential is None:
        return None
    try:
        value = _signer(credential).unsign(token, max_age=RESET_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return credential if value == str(credential.pk) else None


def corporate_password_reset_request(*, user_id: str, by: Actor) -> bool:
    """**Forgot Password?**: e-mail a link to set the portal password.

    The link goes to the billing contact of the User ID's account, in their language, at most
    ``RESET_EMAILS_PER_HOUR`` times an hour. Returns whether a link was sent; callers show the
    same page either way.
    """
    credential = _find(user_id)
    if credential is None:
        return False
    contact = billing_contact_of(credential.account)
    if contact is None:
        return False
    since = timezone.now() - timedelta(hours=1)
    if (
        OutgoingEmail.objects.filter(
            kind=RESET_EMAIL_KIND, account_id=credential.account_id, created_at__gte=since
        ).count()
        >= RESET_EMAILS_PER_HOUR
    ):
        return False
    with transaction.atomic():
        email_queue(
            kind=RESET_EMAIL_KIND,
            to_address=contact.email,
            to_person_id=contact.pk,
            account_id=credential.account_id,
            language=contact.language,
            context={
                "person": contact,
                "user_id": credential.user_id,
                "account_name": credential.account.name,
                "link": corporate_password_reset_link(credential),
                "days": RESET_LINK_MAX_AGE.days,
            },
        )
        audit_record(
            by=by,
            action="corporate_credential.password_reset_request",
            obj=credential,
            account_id=credential.account_id,
            new={"to_person": contact.pk},
        )
    return True


def corporate_password_reset_complete(*, token: str, password: str) -> CorporateCredential:
    """Set the portal password from a reset link; the link is then void. Ends a lockout too:
    the link proves access to the billing contact's mailbox."""
    credential = corporate_password_token_check(token)
    if credential is None:
        raise Refused(
            "invalid_link",
            _("This link has already been used or has expired. Ask for a new one."),
        )
    contact = billing_contact_of(credential.account)
    by = Actor.for_person(contact) if contact is not None else Actor.system("corporate-reset")
    with transaction.atomic():
        current = corporate_credential_lock(credential.pk)
        if current.password != credential.password:
            # Used in the meantime, by a concurrent request with the same link.
            raise Refused(
                "invalid_link",
                _("This link has already been used or has expired. Ask for a new one."),
            )
        corporate_password_set(account=credential.account, password=password, by=by)
        if current.locked_until is not None or current.failed_signins:
            CorporateCredential.objects.filter(pk=current.pk).update(
                failed_signins=0, last_failed_signin_at=None, locked_until=None
            )
            audit_record(
                by=by,
                action="corporate_credential.unlock",
                obj=current,
                account_id=current.account_id,
                old={
                    "locked_until": current.locked_until.isoformat()
                    if current.locked_until
                    else None
                },
                new={"locked_until": None},
            )
    credential.refresh_from_db()
    return credential
