"""The console's cases: the queue, a case's page, and the agent's actions on it (assign to me,
internal note, reply by e-mail, link the account, verify the requester, change the billing
contact, close). Every action is a POST that calls one support service and redirects back to
the case (POST-redirect-GET); a refusal is shown on the case page and changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from seatwise.accounts.selectors import account_get
from seatwise.core.errors import ServiceError
from seatwise.helpcenter.articles import library
from seatwise.portals.forms import add_service_error
from seatwise.portals.sessions import rights_changed
from seatwise.portals.step_up import PERSON, step_up_required
from seatwise.portals.support.access import Agent, agent_required
from seatwise.portals.support.forms import (
    CloseForm,
    LinkAccountForm,
    QueueForm,
    SearchForm,
    TextForm,
    VerifyForm,
)
from seatwise.support.billing_contact import case_billing_contact_change
from seatwise.support.models import Case
from seatwise.support.queue import case_get, case_queue_page, case_timeline
from seatwise.support.search import console_search
from seatwise.support.services import (
    case_account_link,
    case_assign,
    case_close,
    case_note,
    case_reply,
)
from seatwise.support.verification import VALID_FOR, CardAnswers, case_verify

CASES_PER_PAGE = 25


def _case(case_id: int) -> Case:
    found = case_get(case_id)
    if found is None:
        raise Http404
    return found


@require_safe
@agent_required
def queue(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = QueueForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "open"
    after = data.get("after")
    cases, next_after = case_queue_page(
        view=view, agent_id=agent.person.pk, after=after, limit=CASES_PER_PAGE
    )
    return render(
        request,
        "support/cases.html",
        {
            "section": "cases",
            "view": view,
            "views": QueueForm.VIEWS,
            "cases": cases,
            "next_query": f"?view={view}&after={next_after}" if next_after else "",
            "first_query": f"?view={view}",
            "show_first": after is not None,
        },
    )


def _page(request: HttpRequest, agent: Agent, case: Case, **forms: Any) -> HttpResponse:
    """The case page, with the forms of its actions (fresh unless one comes with errors)."""
    context: dict[str, Any] = {
        "section": "cases",
        "case": case,
        "events": case_timeline(case),
        "note_form": TextForm(prefix="note"),
        "reply_form": TextForm(prefix="reply"),
        "close_form": CloseForm(),
        "verify_form": VerifyForm(),
        "search_form": SearchForm(initial={"q": case.company_name}),
        "is_mine": case.assignee_id == agent.person.pk,
        "source_article": _article_title(case.source_article),
        **_verification_state(case),
    }
    if case.account_id is None and case.status == Case.Status.OPEN and case.company_name:
        # Candidates for a visitor's case: the accounts the company name leads to.
        query = request.GET.get("q", case.company_name)[:100]
        context["search_form"] = SearchForm(initial={"q": query})
        context["candidates"] = [
            hit for hit in console_search(query=query) if hit.account_id is not None
        ]
    context.update(forms)
    status = 422 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render(request, "support/case.html", context, status=status)


def _article_title(slug: str) -> str:
    """The title of the help article a case came from, in the agent's language."""
    if not slug:
        return ""
    found = library().get(slug=slug, language=get_language() or settings.LANGUAGE_CODE)
    return found.title if found is not None else slug


def _verification_state(case: Case) -> dict[str, Any]:
    now = timezone.now()
    valid_until = case.verified_at + VALID_FOR if case.verified_at else None
    locked_until = case.verification_locked_until
    return {
        "verified_until": valid_until if valid_until and valid_until > now else None,
        "locked_until": locked_until if locked_until and locked_until > now else None,
    }


@require_safe
@agent_required
def case(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    return _page(request, agent, _case(case_id))


@require_POST
@agent_required
def assign(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    try:
        case_assign(case=found, agent=agent.person, by=agent.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The case is assigned to you."))
    return redirect("support:case", case_id=found.pk)


@require_POST
@agent_required
def note(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    form = TextForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            case_note(case=found, text=form.cleaned_data["text"], by=agent.actor)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The note is saved."))
            return redirect("support:case", case_id=found.pk)
    return _page(request, agent, found, note_form=form)


@require_POST
@agent_required
def reply(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    form = TextForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            case_reply(
                case=found, text=form.cleaned_data["text"], agent=agent.person, by=agent.actor
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your reply is on its way to %(email)s.") % {"email": found.requester_email},
            )
            return redirect("support:case", case_id=found.pk)
    return _page(request, agent, found, reply_form=form)


@require_POST
@agent_required
def link_account(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    form = LinkAccountForm(request.POST)
    account = account_get(form.cleaned_data["account_id"]) if form.is_valid() else None
    if account is None:
        messages.error(request, _("This account does not exist."))
        return redirect("support:case", case_id=found.pk)
    try:
        case_account_link(case=found, account=account, by=agent.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The case is linked to %(account)s.") % {"account": account.name}
        )
    return redirect("support:case", case_id=found.pk)


@require_http_methods(["POST"])
@agent_required
def verify(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    form = VerifyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = case_verify(
                case=found,
                answers=CardAnswers(
                    last4=data["last4"].strip(),
                    exp_month=data["exp_month"],
                    exp_year=data["exp_year"],
                    holder_name=data["holder_name"],
                ),
                agent=agent.person,
                by=agent.actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            # The answer is all the agent learns: matches or not, and why not.
            (messages.success if result.passed else messages.error)(request, str(result.message))
            return redirect("support:case", case_id=found.pk)
    return _page(request, agent, found, verify_form=form)


def _case_page(request: HttpRequest, agent: Agent, case_id: int) -> str:
    return reverse("support:case", kwargs={"case_id": case_id})


@require_POST
@agent_required
@step_up_required(PERSON, back=_case_page)
def billing_contact_change(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    try:
        handover = case_billing_contact_change(case=found, agent=agent.person, by=agent.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        rights_changed(
            request,
            people=[p for p in (handover.previous, handover.holder) if p is not None],
            reason="billing_contact_handover",
            by=agent.actor,
        )
        messages.success(
            request,
            _("%(name)s (%(email)s) is now the billing contact. The case is closed.")
            % {"name": handover.holder.full_name, "email": handover.holder.email},
        )
    return redirect("support:case", case_id=found.pk)


@require_POST
@agent_required
def close(request: HttpRequest, agent: Agent, case_id: int) -> HttpResponse:
    found = _case(case_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            case_close(
                case=found,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                by=agent.actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The case is closed."))
            return redirect("support:case", case_id=found.pk)
    return _page(request, agent, found, close_form=form)
