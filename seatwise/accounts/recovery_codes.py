"""One-time recovery codes of two-factor sign-in, for a person or a Corporate Billing Portal
User ID.

Ten codes are made when the authenticator app is set up (and again on request, which voids the
earlier ones). They are shown once and stored as SHA-256 digests only: each has 120 random bits
(24 base32 characters), enough that a plain hash keeps a copy of the table from revealing them
(OWASP ASVS 5.0 asks a password hash only of lookup secrets under 112 bits). django-otp's
``otp_static`` plugin would keep them in clear, so Seatwise keeps its own table
(``RecoveryCode``). A code is accepted at the sign-in's code step instead of a TOTP code, once:
it is used up by a conditional update, so two requests with the same code cannot both pass.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.utils import timezone

from seatwise.accounts.models import CorporateCredential, Person, RecoveryCode

COUNT = 10
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case
_LENGTH = 24  # 24 × 5 = 120 bits
_GROUP = 4
# What a person may type: the code with or without its hyphens and spaces, in any case.
RECOVERY_CODE_PATTERN = r"(?:[A-Za-z2-7][\s-]*){24}"
_SEPARATORS = re.compile(r"[\s-]+")

Owner = Person | CorporateCredential


def _normalized(code: str) -> str:
    return _SEPARATORS.sub("", code or "").lower()


def looks_like_recovery_code(code: str) -> bool:
    text = _normalized(code)
    return len(text) == _LENGTH and all(c in _ALPHABET for c in text)


def _digest(code: str) -> str:
    return hashlib.sha256(_normalized(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + _GROUP] for i in range(0, _LENGTH, _GROUP))


def _owned(owner: Owner) -> dict[str, Owner]:
    return {"person": owner} if isinstance(owner, Person) else {"credential": owner}


def recovery_codes_replace(owner: Owner) -> list[str]:
    """Void the owner's codes and make ``COUNT`` new ones; returns them in clear, to be shown
    once. Called inside the caller's transaction (which writes the audit entry)."""
    codes = [_new_code() for _ in range(COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(**_owned(owner)).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(**_owned(owner), digest=_digest(code)) for code in codes]
        )
    return codes


def recovery_codes_delete(owner: Owner) -> None:
    RecoveryCode.objects.filter(**_owned(owner)).delete()


def recovery_codes_left(owner: Owner) -> int:
    return RecoveryCode.objects.filter(**_owned(owner), used_at__isnull=True).count()


def recovery_code_use(owner: Owner, code: str) -> bool:
    """Use up one of the owner's unused codes; False if ``code`` is none of them."""
    if not looks_like_recovery_code(code):
        return False
    used = RecoveryCode.objects.filter(
        **_owned(owner), digest=_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1
