"""Sign-in to the Corporate Billing Portal: User ID and password, lockout, password reset.

The portal has its own credentials, separate from the product sign-in (the help article
sign-in-billing): a User ID in user-name or e-mail form, printed on every e-mailed invoice, and
a password held by the account's billing contact. Whoever cannot sign in there is not the
billing admin: only the billing contact holds the portal's password.

- Errors are the ones the help article quotes: "Invalid User ID" for an unknown User ID,
  "Invalid User ID/password" for a known one with a wrong password. A credential whose
  password was never set (or was cleared when the billing contact changed) fails like a
  wrong password.
- Lockout and rate limits: ``accounts.signin_throttle``, shared with the product sign-in. A
  browser that signed in before (its device cookie) is judged by its own failures only; other
  clients find the User ID locked after ``SEATWISE_SIGNIN_LOGIN_FAILURES`` failures from such
  clients within the cooloff, even against the right password, and a client that failed with
  too many different logins refused for all of them. Each lock of the User ID, or of a
  device, is audited; the lock's message points to Forgot Password?, whose link lifts the
  lock and makes the browser that sets the password a trusted one.
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
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import corporate_credential_lock
from seatwise.accounts.models import EMAIL_MAX, CorporateCredential
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import corporate_password_set
from seatwise.accounts.signin_throttle import (
    LockScope,
    Refusal,
    SigninClient,
    SigninKind,
    signin_attempt_begin,
    signin_attempt_failed,
    signin_attempt_succeeded,
    signin_unlock,
)
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid, Refused
from seatwise.core.prepared import prepared
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue

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


def _minutes() -> int:
    return int(settings.SEATWISE_SIGNIN_COOLOFF.total_seconds() // 60)


def _locked_message() -> str:
    return str(
        _(
            "There were too many failed sign-ins with this User ID. For your security, "
            "sign-in to the Corporate Billing Portal is locked for %(minutes)d minutes. "
            "To sign in sooner, set a new password with Forgot Password?"
        )
        % {"minutes": _minutes()}
    )


def _throttled_message() -> str:
    return str(
        _(
            "There were too many failed sign-ins from your network. For your security, "
            "sign-in to the Corporate Billing Portal from here is paused for %(minutes)d "
            "minutes. To sign in sooner, set a new password with Forgot Password?"
        )
        % {"minutes": _minutes()}
    )


def corporate_authenticate(
    *, user_id: str, password: str, client: SigninClient | None = None
) -> CorporateCredential:
    """Check a Corporate Billing Portal sign-in; return the credential or refuse.

    ``client`` is the client's address and the device cookie it sent
    (``portals.device_cookies.signin_client``); without it the attempt is an untrusted client's
    about which nothing is known. Refusals (``ServiceError`` codes): ``invalid_user_id`` (no
    such User ID), ``invalid_password`` (known User ID, wrong or unset password), ``locked``
    (the User ID is locked for untrusted clients, or this device for its own failures and the
    User ID too; refused whatever the password), ``throttled`` (this client failed with too
    many different logins). The attempt is counted before the password is checked
    (``signin_throttle``), so concurrent guesses never pass a limit.
    """
    attempt = signin_attempt_begin(
        kind=SigninKind.CORPORATE, login=user_id, client=client or SigninClient()
    )
    if attempt.refusal is Refusal.THROTTLED:
        raise Refused("throttled", _throttled_message(), field="user_id")
    if attempt.refusal is Refusal.LOCKED:
        raise Refused("locked", _locked_message(), field="user_id")
    found = _find(user_id)
    if found is None:
        make_password(password)  # the same hash work as for a known User ID
        signin_attempt_failed(attempt)
        raise Invalid("invalid_user_id", _("Invalid User ID"), field="user_id")
    checked_hash = found.password
    # A match counts only for the hash that was checked: if the password changed while it was
    # being hashed, this attempt fails.
    if (
        _password_matches(password, checked_hash)
        and CorporateCredential.objects.filter(pk=found.pk, password=checked_hash).exists()
    ):
        signin_attempt_succeeded(attempt)
        return found
    lockout = signin_attempt_failed(attempt)
    if lockout is not None:
        with transaction.atomic():
            audit_record(
                by=SIGNIN_ACTOR,
                action=(
                    "corporate_credential.lockout"
                    if lockout.scope is LockScope.LOGIN
                    else "corporate_credential.device_lockout"
                ),
                obj=found,
                account_id=found.account_id,
                new={"failed_signins": lockout.failures, "locked_until": lockout.until.isoformat()},
            )
    raise Invalid("invalid_password", _("Invalid User ID/password"), field="password")


# --- the portal's session ----------------------------------------------------------------


def corporate_session_hash(credential: CorporateCredential) -> str:
    """A fingerprint of the credential's password, kept in the portal's session.

    When the password changes (a reset, or a new billing contact, which clears it), the
    fingerprint no longer matches and every open portal session ends.
    """
    return salted_hmac(_SESSION_SALT, credential.password, algorithm="sha256").hexdigest()


@prepared
def _credential_with_account(credential_id: int) -> QuerySet[CorporateCredential]:
    return CorporateCredential.objects.select_related("account").filter(pk=credential_id)


def corporate_session_credential(
    *, credential_id: int, session_hash: str
) -> CorporateCredential | None:
    """The credential of a portal session, or None when the session is no longer valid."""
    credential = next(iter(_credential_with_account(credential_id)), None)
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
    """Set the portal password from a reset link; the link is then void. Ends the User ID's
    lock for untrusted clients too: the link proves access to the billing contact's mailbox
    (the portal's view also makes the browser that used it a trusted device)."""
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
        locked_until = signin_unlock(kind=SigninKind.CORPORATE, login=current.user_id)
        if locked_until is not None:
            audit_record(
                by=by,
                action="corporate_credential.unlock",
                obj=current,
                account_id=current.account_id,
                old={"locked_until": locked_until.isoformat()},
                new={"locked_until": None},
            )
    credential.refresh_from_db()
    return credential
