"""The console's start page (the case queue at a glance and the search box) and its search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from seatwise.portals.support.access import Agent, agent_required
from seatwise.portals.support.forms import SearchForm
from seatwise.support.queue import case_queue_page
from seatwise.support.search import console_search

QUEUE_PREVIEW = 10


@require_safe
@agent_required
def home(request: HttpRequest, agent: Agent) -> HttpResponse:
    unassigned, more_unassigned = case_queue_page(
        view="unassigned", agent_id=agent.person.pk, after=None, limit=QUEUE_PREVIEW
    )
    mine, more_mine = case_queue_page(
        view="mine", agent_id=agent.person.pk, after=None, limit=QUEUE_PREVIEW
    )
    return render(
        request,
        "support/home.html",
        {
            "section": "home",
            "form": SearchForm(),
            "unassigned": unassigned,
            "more_unassigned": more_unassigned is not None,
            "mine": mine,
            "more_mine": more_mine is not None,
        },
    )


@require_safe
@agent_required
def search(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = SearchForm(request.GET or None)
    hits = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        hits = console_search(query=query) if query else []
    return render(
        request,
        "support/search.html",
        {"section": "search", "form": form, "query": query, "hits": hits},
    )
