"""**Audit trail**: what was done in the admin's own account, by whom, when, from which
client, with the values before and after, filtered by person, action and dates, page by page
and as a CSV file. Never another account's entries: the account is the admin's, whatever the
query string says. Never cached: ``Cache-Control: no-store``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from seatwise.audit.selectors import audit_entries, audit_page
from seatwise.portals.admin_center.access import Admin, account_admin_required
from seatwise.portals.audit_trail import (
    Audience,
    AuditFilterForm,
    audit_csv_response,
    audit_rows,
    before_param,
    export_filename,
)
from seatwise.portals.shared import render_page


@require_GET
@never_cache
@account_admin_required
def audit(request: HttpRequest, admin: Admin) -> HttpResponse:
    """The account's trail, newest first, 50 entries a page."""
    form = AuditFilterForm(request.GET)
    context: dict[str, object] = {"form": form, "valid": form.is_valid()}
    if form.is_valid():
        before = before_param(request.GET.get("before", ""))
        entries, cursor = audit_page(
            query=form.audit_query(account_id=admin.account.pk), before=before
        )
        context |= {
            "rows": audit_rows(entries, audience=Audience.CUSTOMER),
            "next_query": form.query_string(before=cursor.token()) if cursor else "",
            "first_query": (form.query_string() or "?") if before else "",
            "export_url": reverse("admin_center:audit_export") + form.query_string(),
        }
    return render_page(request, "admin_center/audit.html", context, frame=admin.frame("audit"))


@require_GET
@never_cache
@account_admin_required
def audit_export(request: HttpRequest, admin: Admin) -> HttpResponseBase:
    """The account's trail as the filters select it, as a CSV file; with filters that are
    not valid, the page that says why."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return redirect(reverse("admin_center:audit") + "?" + request.GET.urlencode())
    return audit_csv_response(
        entries=audit_entries(query=form.audit_query(account_id=admin.account.pk)),
        audience=Audience.CUSTOMER,
        filename=export_filename(account_id=admin.account.pk, today=timezone.localdate()),
    )
