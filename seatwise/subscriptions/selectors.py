from __future__ import annotations

from seatwise.subscriptions.models import LicenseAssignment, Subscription


def subscriptions_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Subscription], int | None]:
    qs = (
        Subscription.objects.filter(account_id=account_id)
        .select_related("product", "plan")
        .order_by("pk")
    )
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def assignments_page(
    *, subscription_id: int, after: int | None, limit: int
) -> tuple[list[LicenseAssignment], int | None]:
    qs = LicenseAssignment.objects.filter(subscription_id=subscription_id).order_by("pk")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def subscription_get(subscription_id: int) -> Subscription | None:
    return Subscription.objects.select_related("product", "plan").filter(pk=subscription_id).first()
