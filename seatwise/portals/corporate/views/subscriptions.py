"""The Subscriptions tab: the account's subscriptions, and **Auto Renew** of each, off with a
**Cancel Reason** (service runs to the **Service Order End Date**) or on again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from seatwise.accounts.models import CorporateCredential
from seatwise.core.errors import ServiceError
from seatwise.portals.corporate.account_forms import AutoRenewOffForm
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.session import corporate_required, portal_actor
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import render_page
from seatwise.subscriptions.auto_renew import (
    CancelReason,
    auto_renew_off,
    auto_renew_on,
    cancel_reason_display,
    service_order_end_date,
)
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import live_subscriptions


@dataclass(frozen=True, slots=True)
class CorporateRow:
    subscription: Subscription
    # The term is [term_start, term_end): service runs to the day before term_end.
    service_order_end: date


@never_cache
@require_safe
@corporate_required
def home(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """The Subscriptions tab: the account's subscriptions, read-only for now."""
    rows = [
        CorporateRow(s, s.term_end - timedelta(days=1))
        for s in live_subscriptions(account_id=credential.account_id)
    ]
    return render_page(
        request,
        "corporate/subscriptions.html",
        {"rows": rows},
        frame=portal_frame(credential, "subscriptions"),
    )


def _subscription_or_404(credential: CorporateCredential, subscription_id: int) -> Subscription:
    subscription = (
        Subscription.objects.select_related("product", "plan")
        .filter(pk=subscription_id, account_id=credential.account_id)
        .first()
    )
    if subscription is None:
        raise Http404
    return subscription


def _renews(subscription: Subscription) -> bool:
    return subscription.auto_renew and subscription.status == Subscription.Status.ACTIVE


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def auto_renew(
    request: HttpRequest, credential: CorporateCredential, subscription_id: int
) -> HttpResponse:
    """**Auto Renew** of one subscription: off with a **Cancel Reason** (service runs to the
    **Service Order End Date**), or on again."""
    subscription = _subscription_or_404(credential, subscription_id)
    end = date_format(service_order_end_date(subscription), "DATE_FORMAT")
    form = AutoRenewOffForm(
        request.POST
        if request.method == "POST" and request.POST.get("auto_renew") == "off"
        else None
    )
    if request.method == "POST":
        by = portal_actor(credential, request)
        wanted = request.POST.get("auto_renew")
        try:
            if wanted == "on":
                was_on = _renews(subscription)
                auto_renew_on(subscription=subscription, by=by)
                if not was_on:
                    messages.success(
                        request,
                        _("Auto Renew is on: %(product)s renews at the end of its term.")
                        % {"product": subscription.product.name},
                    )
                return redirect("corporate:home")
            if wanted == "off" and form.is_valid():
                auto_renew_off(
                    subscription=subscription,
                    reason=CancelReason(
                        code=form.cleaned_data["cancel_reason"],
                        details=form.cleaned_data["cancel_details"],
                    ),
                    by=by,
                )
                messages.success(
                    request,
                    _(
                        "Auto Renew is off: %(product)s is not renewed. Service runs to the "
                        "Service Order End Date, %(end)s."
                    )
                    % {"product": subscription.product.name, "end": end},
                )
                return redirect("corporate:home")
            if wanted not in ("on", "off"):
                form.add_error(None, _("Choose whether the subscription renews."))
        except ServiceError as error:
            add_service_error(form, error)
    return render_page(
        request,
        "corporate/auto_renew.html",
        {
            "subscription": subscription,
            "renews": _renews(subscription),
            "service_order_end": service_order_end_date(subscription),
            "cancel_reason": cancel_reason_display(subscription.cancel_reason)
            if subscription.cancel_reason
            else "",
            "form": form,
        },
        frame=portal_frame(credential, "subscriptions"),
    )
