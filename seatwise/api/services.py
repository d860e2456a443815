"""Issuing and revoking the provisioning API's tokens (``manage.py create_api_token``,
``revoke_api_token``), each audited in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.api.models import OperatorToken
from seatwise.api.scopes import Scope
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.core.errors import Invalid

NAME_MAX = 100


def api_token_create(
    *,
    name: str,
    scopes: Sequence[Scope],
    account_ids: Sequence[int] | None = None,
    expires_at: datetime | None = None,
    by: Actor,
) -> tuple[OperatorToken, str]:
    """A new token and its secret, which is returned here only (the row keeps its SHA-256).

    A token holds at least one scope. A token limited to accounts (``account_ids``) names
    existing accounts and cannot hold ``accounts:write``, whose one operation creates an
    account it could not reach. An expiry lies in the future.
    """
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise Invalid("invalid_name", _("Give the token a name of 1 to 100 characters."))
    if not scopes:
        raise Invalid("scope_required", _("Give the token at least one scope."))
    if account_ids is not None:
        account_ids = sorted(set(account_ids))
        if not account_ids:
            raise Invalid("account_required", _("Name at least one account."))
        if Scope.ACCOUNTS_WRITE in scopes:
            raise Invalid(
                "account_restricted",
                _("A token limited to some accounts cannot have the scope accounts:write."),
            )
        found = set(Account.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
        missing = [pk for pk in account_ids if pk not in found]
        if missing:
            raise Invalid(
                "unknown_account",
                _("There is no account with the id %(id)s.") % {"id": missing[0]},
            )
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("expiry_in_past", _("The expiry must lie in the future."))
    with transaction.atomic():
        token, raw = OperatorToken.issue(
            name, scopes=scopes, account_ids=account_ids, expires_at=expires_at
        )
        audit_record(
            by=by,
            action="api_token.create",
            obj=token,
            account_id=None,
            new={
                "name": token.name,
                "scopes": token.scopes,
                "account_ids": token.account_ids,
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            },
        )
    return token, raw


def api_tokens_revoke(*, name: str, by: Actor) -> int:
    """Revoke every live token named ``name``; the API refuses them from the next request.
    Returns how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        tokens = list(OperatorToken.objects.filter(name=name, revoked_at__isnull=True))
        OperatorToken.objects.filter(pk__in=[token.pk for token in tokens]).update(revoked_at=now)
        for token in tokens:
            audit_record(
                by=by,
                action="api_token.revoke",
                obj=token,
                account_id=None,
                new={"name": token.name, "revoked_at": now.isoformat()},
            )
    return len(tokens)
