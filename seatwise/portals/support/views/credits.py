"""Crediting an invoice from the console: a credit note that says how it is settled, and the
refund it promises made at once (``billing.credits``). The form carries its own key, so a
second submission of the same form issues nothing more."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from seatwise.billing.credits import invoice_credit, invoice_refundable
from seatwise.core.errors import ServiceError
from seatwise.invoicing.models import Invoice
from seatwise.portals.forms import add_service_error
from seatwise.portals.support.access import Agent, agent_required
from seatwise.portals.support.forms import CreditForm


def _invoice(account_id: int, invoice_id: int) -> Invoice:
    found = (
        Invoice.objects.select_related("account")
        .filter(pk=invoice_id, account_id=account_id, kind=Invoice.Kind.INVOICE)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "HEAD", "POST"])
@agent_required
def credit(request: HttpRequest, agent: Agent, account_id: int, invoice_id: int) -> HttpResponse:
    invoice = _invoice(account_id, invoice_id)
    if request.method == "POST":
        form = CreditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                note = invoice_credit(
                    invoice=invoice,
                    reason=data["reason"],
                    give_back=data["give_back"],
                    amount_net=data["amount_net"],
                    idempotency_key=f"support:{agent.person.pk}:{data['key']}",
                    by=agent.actor,
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Credit note %(number)s issued: %(settlement)s.")
                    % {"number": note.number, "settlement": note.get_settlement_display()},
                )
                return redirect("support:account", account_id=account_id)
    else:
        form = CreditForm(initial={"key": secrets.token_urlsafe(24)})
    return render(
        request,
        "support/credit.html",
        {
            "section": "search",
            "account": invoice.account,
            "invoice": invoice,
            "refundable": invoice_refundable(invoice),
            "form": form,
        },
    )
