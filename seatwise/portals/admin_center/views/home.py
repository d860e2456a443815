"""The Admin Center's overview (user counts, the subscriptions) and the account page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from seatwise.accounts.selectors import billing_contact_of
from seatwise.portals.admin_center.access import Admin, account_admin_required
from seatwise.portals.admin_center.selectors import user_counts
from seatwise.portals.shared import render_page
from seatwise.subscriptions.licensing import live_subscriptions


@require_GET
@account_admin_required
def home(request: HttpRequest, admin: Admin) -> HttpResponse:
    return render_page(
        request,
        "admin_center/home.html",
        {
            "counts": user_counts(admin.account.pk),
            "subscriptions": live_subscriptions(admin.account.pk),
        },
        frame=admin.frame("home"),
    )


@require_GET
@account_admin_required
def account(request: HttpRequest, admin: Admin) -> HttpResponse:
    """The account: its name, its kind and its billing contact (rule 1: admins may see it)."""
    return render_page(
        request,
        "admin_center/account.html",
        {"billing_admin": billing_contact_of(admin.account)},
        frame=admin.frame("account"),
    )
