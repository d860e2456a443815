"""The console's account pages: everything customer service needs to know about an account
(people and roles, billing contact, subscriptions and seats, invoices and credit notes, the
cards masked, open quotes, service orders, cases) and its people page by page (its audit
trail: ``views/audit.py``). Each page costs the same few queries whatever the size of the
account or of the database."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from seatwise.accounts.selectors import account_get
from seatwise.portals.support.access import Agent, agent_required
from seatwise.portals.support.forms import QueueForm
from seatwise.support.selectors import account_overview, account_people_page

PEOPLE_PER_PAGE = 50


@require_safe
@agent_required
def account(request: HttpRequest, agent: Agent, account_id: int) -> HttpResponse:
    overview = account_overview(account_id=account_id)
    if overview is None:
        raise Http404
    return render(request, "support/account.html", {"section": "search", "o": overview})


@require_safe
@agent_required
def people(request: HttpRequest, agent: Agent, account_id: int) -> HttpResponse:
    found = account_get(account_id)
    if found is None:
        raise Http404
    form = QueueForm(request.GET or None)
    after = form.cleaned_data.get("after") if form.is_valid() else None
    rows, next_after = account_people_page(
        account_id=account_id, after=after, limit=PEOPLE_PER_PAGE
    )
    return render(
        request,
        "support/account_people.html",
        {
            "section": "search",
            "account": found,
            "people": rows,
            "next_query": f"?after={next_after}" if next_after else "",
            "show_first": after is not None,
        },
    )
