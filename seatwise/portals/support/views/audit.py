"""The console's audit trails: one account's (from the account's page) and every account's
(with an account filter), newest first, filtered by person, action and dates, page by page
and as CSV files. Agents read every entry as it was recorded: the agent who acted, the
client's address and browser, the system job's name."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from seatwise.accounts.models import Account
from seatwise.accounts.selectors import account_get
from seatwise.audit.selectors import audit_entries, audit_page
from seatwise.portals.audit_trail import (
    Audience,
    AuditFilterForm,
    audit_csv_response,
    audit_rows,
    before_param,
    export_filename,
)
from seatwise.portals.support.access import Agent, agent_required


def _account(account_id: int) -> Account:
    found = account_get(account_id)
    if found is None:
        raise Http404
    return found


def _page(
    request: HttpRequest, form: AuditFilterForm, *, account_id: int | None, base: str, export: str
) -> dict[str, object]:
    context: dict[str, object] = {"form": form, "valid": form.is_valid(), "base": base}
    if form.is_valid():
        before = before_param(request.GET.get("before", ""))
        entries, cursor = audit_page(query=form.audit_query(account_id=account_id), before=before)
        context |= {
            "rows": audit_rows(entries, audience=Audience.STAFF),
            "next_query": form.query_string(before=cursor.token()) if cursor else "",
            "first_query": (form.query_string() or "?") if before else "",
            "export_url": export + form.query_string(),
        }
    return context


@require_safe
@agent_required
def account_audit(request: HttpRequest, agent: Agent, account_id: int) -> HttpResponse:
    account = _account(account_id)
    form = AuditFilterForm(request.GET)
    context = _page(
        request,
        form,
        account_id=account.pk,
        base=reverse("support:account_audit", args=[account.pk]),
        export=reverse("support:account_audit_export", args=[account.pk]),
    )
    return render(
        request, "support/account_audit.html", {"section": "search", "account": account, **context}
    )


@require_safe
@agent_required
def account_audit_export(request: HttpRequest, agent: Agent, account_id: int) -> HttpResponseBase:
    account = _account(account_id)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        page = reverse("support:account_audit", args=[account.pk])
        return redirect(f"{page}?{request.GET.urlencode()}")
    return audit_csv_response(
        entries=audit_entries(query=form.audit_query(account_id=account.pk)),
        audience=Audience.STAFF,
        filename=export_filename(account_id=account.pk, today=timezone.localdate()),
    )


@require_safe
@agent_required
def audit(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Every account's trail, or one account's by the ``account`` filter."""
    form = AuditFilterForm(request.GET, with_account=True)
    context = _page(
        request,
        form,
        account_id=None,
        base=reverse("support:audit"),
        export=reverse("support:audit_export"),
    )
    return render(request, "support/audit.html", {"section": "audit", **context})


@require_safe
@agent_required
def audit_export(request: HttpRequest, agent: Agent) -> HttpResponseBase:
    form = AuditFilterForm(request.GET, with_account=True)
    if not form.is_valid():
        return redirect(f"{reverse('support:audit')}?{request.GET.urlencode()}")
    query = form.audit_query(account_id=None)
    return audit_csv_response(
        entries=audit_entries(query=query),
        audience=Audience.STAFF,
        filename=export_filename(account_id=query.account_id, today=timezone.localdate()),
    )
