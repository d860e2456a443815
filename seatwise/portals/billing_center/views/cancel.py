"""**Cancel Subscription** (to the end of the term) and **Reactivate Subscription** (before
it ends). While an invoice is overdue, the cancel page shows it with **Pay Now** instead of the
confirmation (``billing.cancellation``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.billing.cancellation import subscription_cancel, subscription_reactivate
from seatwise.billing.selectors import invoices_overdue
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.models import Invoice
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    billing_admin_required,
    subscription_or_404,
)
from seatwise.portals.shared import render_page
from seatwise.subscriptions.models import Subscription


def _last_day(subscription: Subscription) -> str:
    return date_format(subscription.term_end - timedelta(days=1), "SHORT_DATE_FORMAT")


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """An overdue invoice as the cancel page shows it, its amount formatted for the reader."""

    invoice: Invoice
    due_date: date | None
    due: str


def _overdue(admin: BillingAdmin) -> tuple[list[OverdueRow], str]:
    """The account's overdue invoices and their total, formatted in the account's currency for
    the reader; no rows when none is overdue."""
    account = admin.account
    language = admin.person.language
    overdue = invoices_overdue(account_id=account.pk, on=timezone.localdate())
    rows = [
        OverdueRow(
            invoice=item.invoice,
            due_date=item.invoice.due_date,
            due=format_money(item.due, item.invoice.currency, language),
        )
        for item in overdue
    ]
    total = sum((item.due for item in overdue), Decimal("0.00"))
    return rows, format_money(total, account.currency, language)


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_cancel_view(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """Cancel Subscription: a confirmation page, then **Yes, Cancel**: the subscription is
    "Pending Cancellation" and runs to the end of its term. While an invoice is overdue the page
    lists it with **Pay Now** and offers no confirmation; a POST then is refused by the service
    and comes back to this page."""
    subscription = subscription_or_404(admin, subscription_id)
    if request.method == "POST":
        was_pending = subscription.status == Subscription.Status.PENDING_CANCELLATION
        try:
            subscription = subscription_cancel(subscription=subscription, by=admin.actor)
        except ServiceError as error:
            if error.code == "invoice_overdue":
                # The cancel page shows the overdue invoices with Pay Now.
                return redirect("billing:subscription_cancel", subscription_id=subscription.pk)
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
    overdue, overdue_total = _overdue(admin)
    return render_page(
        request,
        "billing_center/subscription_cancel.html",
        {
            "subscription": subscription,
            "last_day": subscription.term_end - timedelta(days=1),
            # Not empty: cancelling is refused, and no form is offered.
            "overdue": overdue,
            "overdue_total": overdue_total,
        },
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
