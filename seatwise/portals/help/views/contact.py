"""The contact options' form: opens a support case (``support.cases``).

A signed-in customer's request is a case at once and its number is shown; a visitor's waits
for the link e-mailed to them, whose page confirms it with a button (a POST: a mail scanner
that opens links must not confirm anything) and then shows the number. The number is shown
only to the browser that opened the case, from its session.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor, Client
from seatwise.core.clients import client_address
from seatwise.core.errors import ServiceError
from seatwise.portals.forms import add_service_error
from seatwise.portals.help.forms import ContactForm, new_form_key
from seatwise.support.cases import (
    CaseRequest,
    Visitor,
    case_confirm,
    case_confirmation_valid,
    case_open,
    case_request,
)
from seatwise.support.models import Case

OPENED_KEY = "help_opened_case"
SENT_KEY = "help_request_sent_to"
_SLUG = re.compile(r"^[a-z0-9-]{1,64}$")


def _topic(request: HttpRequest) -> str:
    value = request.GET.get("topic", "")
    return value if value in Case.Topic.values else ""


def _article(request: HttpRequest) -> str:
    value = request.GET.get("article", "")
    return value if _SLUG.match(value) else ""


def _customer(request: HttpRequest) -> Person | None:
    user = request.user
    if isinstance(user, Person) and user.is_authenticated and user.account_id is not None:
        return user
    return None


def _client(request: HttpRequest) -> str:
    # The client as the sign-in limits see it (behind SEATWISE_PROXY_COUNT proxies, not the
    # proxy), so that the form's per-client limit counts each client on its own.
    return client_address(request)


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and _customer(request) is None:
        # Vendor staff (and former members) open no cases as customers.
        return render(request, "help/contact_unavailable.html", status=403)
    person = _customer(request)
    topic = _topic(request)
    article = _article(request)
    if not topic:
        return render(
            request, "help/contact_topics.html", {"topics": Case.Topic.choices, "article": article}
        )
    form = ContactForm(
        request.POST or None,
        topic=topic,
        visitor=person is None,
        initial={"form_key": new_form_key()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = CaseRequest(
            topic=topic,
            subject=data.get("subject", ""),
            message=data.get("message", ""),
            company_name=data.get("company_name", ""),
            new_contact=NewContact(
                first_name=data["new_contact_first_name"],
                last_name=data["new_contact_last_name"],
                email=data["new_contact_email"],
            )
            if topic == Case.Topic.BILLING_CONTACT_CHANGE
            else None,
            source_article=article,
        )
        try:
            if person is not None:
                case = case_open(
                    person=person,
                    request=spec,
                    client=_client(request),
                    by=Actor.for_person(person, client=Client.of(request)),
                    request_key=data["form_key"],
                )
            else:
                case = case_request(
                    visitor=Visitor(
                        name=data["name"], email=data["email"], language=get_language() or "en"
                    ),
                    request=spec,
                    client=_client(request),
                    by=Actor.system("help-center", client=Client.of(request)),
                    request_key=data["form_key"],
                )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if case.status == Case.Status.UNCONFIRMED:
                request.session[SENT_KEY] = case.requester_email
                return redirect("help:contact_sent")
            request.session[OPENED_KEY] = case.pk
            return redirect("help:case_opened")
    return render(
        request,
        "help/contact.html",
        {
            "form": form,
            "topic": topic,
            "topic_label": Case.Topic(topic).label,
            "article": article,
            "person": person,
        },
        status=422 if form.errors else 200,
    )


@never_cache
@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get(SENT_KEY)
    if not email:
        return redirect("help:home")
    return render(request, "help/contact_sent.html", {"email": email})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, case_id: int, token: str) -> HttpResponse:
    if request.method == "GET":
        ok = case_confirmation_valid(case_id=case_id, token=token)
        return render(
            request, "help/contact_confirm.html", {"token_ok": ok}, status=200 if ok else 404
        )
    try:
        case = case_confirm(
            case_id=case_id, token=token, by=Actor.system("help-center", client=Client.of(request))
        )
    except ServiceError:
        return render(request, "help/contact_confirm.html", {"token_ok": False}, status=404)
    request.session[OPENED_KEY] = case.pk
    return redirect("help:case_opened")


@never_cache
@require_safe
def opened(request: HttpRequest) -> HttpResponse:
    case_id = request.session.get(OPENED_KEY)
    case = (
        Case.objects.filter(pk=case_id, status__in=[Case.Status.OPEN, Case.Status.CLOSED]).first()
        if isinstance(case_id, int)
        else None
    )
    if case is None:
        return redirect("help:home")
    return render(request, "help/case_opened.html", {"case": case})
