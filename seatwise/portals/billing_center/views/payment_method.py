"""**Payment Method**: the card on file, masked, and **Update Payment Method**."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from seatwise.core.errors import ServiceError
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import payment_method_add
from seatwise.portals.billing_center.access import BillingAdmin, billing_admin_required
from seatwise.portals.billing_center.forms import REFUSAL_FIELDS, CardForm
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import render_page
from seatwise.portals.step_up import PERSON, step_up_required


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
@step_up_required(PERSON)
def payment_method(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    """Payment Method: the card on file (masked) and **Update Payment Method** with a new card,
    which becomes the default for renewals and orders. The card goes to the gateway; only its
    token and mask are stored, and the number and CVC are never shown back."""
    form = CardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            method = payment_method_add(
                account=admin.account,
                card=form.card(),
                by=admin.actor,
                make_default=True,
                idempotency_key=form.cleaned_data["form_key"] or None,
            )
        except ServiceError as error:
            field = REFUSAL_FIELDS.get(error.code)
            if field is not None:
                form.add_error(field, str(error.message))
            else:
                add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your payment method is updated: renewals and orders are charged to %(card)s.")
                % {"card": method.masked},
            )
            return redirect("billing:payment_method")
    return render_page(
        request,
        "billing_center/payment_method.html",
        {"form": form, "payment_method": default_payment_method(account_id=admin.account.pk)},
        frame=admin.frame("payment_method"),
    )
