"""**Cancel Subscription** (to the end of the term) and **Reactivate Subscription** (before
it ends)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.core.errors import ServiceError
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    billing_admin_required,
    subscription_or_404,
)
from seatwise.portals.shared import render_page
from seatwise.subscriptions.cancellation import subscription_cancel, subscription_reactivate
from seatwise.subscriptions.models import Subscription


def _last_day(subscription: Subscription) -> str:
    return date_format(subscription.term_end - timedelta(days=1), "SHORT_DATE_FORMAT")


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_cancel_view(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """Cancel Subscription: a confirmation page, then **Yes, Cancel**: the subscription is
    "Pending Cancellation" and runs to the end of its term."""
    subscription = subscription_or_404(admin, subscription_id)
    if request.method == "POST":
        was_pending = subscription.status == Subscription.Status.PENDING_CANCELLATION
        try:
            subscription = subscription_cancel(subscription=subscription, by=admin.actor)
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("billing:subscriptions")
        message = (
            _("Your %(product)s subscription is already cancelled: it stays usable until %(day)s.")
            if was_pending
            else _(
                "Your %(product)s subscription is cancelled: it stays usable until %(day)s and "
                "expires then. Until that day you can reactivate it."
            )
        )
        messages.success(
            request,
            message % {"product": subscription.product.name, "day": _last_day(subscription)},
        )
        return redirect("billing:subscriptions")
    if subscription.status != Subscription.Status.ACTIVE:
        # Nothing to confirm (already pending, suspended or ended): the page shows its status.
        return redirect("billing:subscriptions")
    return render_page(
        request,
        "billing_center/subscription_cancel.html",
        {"subscription": subscription, "last_day": subscription.term_end - timedelta(days=1)},
        frame=admin.frame("subscriptions"),
    )


@login_required
@require_POST
@billing_admin_required
def subscription_reactivate_view(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """Reactivate Subscription: takes a pending cancellation back before the term ends."""
    subscription = subscription_or_404(admin, subscription_id)
    was_active = subscription.status == Subscription.Status.ACTIVE
    try:
        subscription = subscription_reactivate(subscription=subscription, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("billing:subscriptions")
    message = (
        _("Your %(product)s subscription is active.")
        if was_active
        else _("Your %(product)s subscription is reactivated: it renews on %(day)s.")
    )
    messages.success(
        request,
        message
        % {
            "product": subscription.product.name,
            "day": date_format(subscription.term_end, "SHORT_DATE_FORMAT"),
        },
    )
    return redirect("billing:subscriptions")
