"""Row locks of the subscriptions app. On SQLite the IMMEDIATE transaction mode serialises
writers; on PostgreSQL these take the row lock. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.subscriptions.models import Subscription


def subscription_lock(subscription_id: int) -> Subscription:
    """The subscription, locked (its plan and product read along, not locked)."""
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("account", "plan", "product", "pending_plan")
        .get(pk=subscription_id)
    )


def subscription_lock_in_account(*, account_id: int, subscription_id: int) -> Subscription | None:
    """The subscription of that account, locked; None when it is not the account's."""
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("account", "plan", "product", "pending_plan")
        .filter(pk=subscription_id, account_id=account_id)
        .first()
    )
