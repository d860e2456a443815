"""The link that confirms a visitor's e-mail address before their request becomes a case.

Django's token generator (the one behind password-reset links) with its own salt: valid for
``PASSWORD_RESET_TIMEOUT`` seconds, bound to the case and the address it was sent to. Opening
it again once the case is open shows the same case; nobody without the e-mail can open it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator

if TYPE_CHECKING:
    from seatwise.support.models import Case


class CaseConfirmationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "seatwise.support.tokens.CaseConfirmationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        # ``user`` is the Case (the generator's API names it so).
        created = user.created_at.replace(microsecond=0).isoformat()
        return f"{user.pk}:{user.requester_email}:{created}:{timestamp}"


_generator = CaseConfirmationTokenGenerator()


def case_confirmation_token_make(case: Case) -> str:
    return str(_generator.make_token(case))  # type: ignore[arg-type]


def case_confirmation_token_check(case: Case, token: str) -> bool:
    return bool(_generator.check_token(case, token))  # type: ignore[arg-type]
