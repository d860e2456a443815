"""The **Payment Profile** tab: the account's recurring payment method (the card masked; or bank
transfer, check, SEPA direct debit with its mandate and the IBAN masked) and **Edit** ›
**Payment Type** › **Save**. The rules are ``payments.profiles``'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from seatwise.accounts.models import CorporateCredential
from seatwise.core.errors import ServiceError
from seatwise.invoicing.seller import seller
from seatwise.payments.profiles import PaymentProfileView, payment_profile_of, payment_profile_set
from seatwise.portals.billing_center.forms import REFUSAL_FIELDS
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.payment_profile_forms import PaymentProfileForm
from seatwise.portals.corporate.session import corporate_required, portal_actor
from seatwise.portals.forms import add_service_error, posted_form_key
from seatwise.portals.shared import render_page
from seatwise.portals.step_up import CORPORATE, step_up_required

TAB = "payment_profile"


def _seller_details() -> dict[str, Any]:
    current = seller()
    return {
        "seller_name": current.name,
        "seller_iban": " ".join(
            current.iban[start : start + 4] for start in range(0, len(current.iban), 4)
        ),
        "seller_bic": current.bic,
        "seller_bank": current.bank_name,
        "remittance_address": current.remittance_address,
    }


@never_cache
@require_safe
@corporate_required
def payment_profile(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """The Payment Profile tab: the payment type and its details, with **Edit**."""
    profile: PaymentProfileView = payment_profile_of(credential.account)
    return render_page(
        request,
        "corporate/payment_profile.html",
        {"profile": profile, **_seller_details()},
        frame=portal_frame(credential, TAB),
    )


@sensitive_post_parameters("card_number", "cvc", "iban")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
@step_up_required(CORPORATE)
def payment_profile_edit(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Edit**: the **Payment Type** and what it needs, then **Save**."""
    account = credential.account
    profile = payment_profile_of(account)
    form = PaymentProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"payment_type": profile.payment_type},
        seller_name=seller().name,
    )
    form_key = posted_form_key(form)
    if request.method == "POST" and form.is_valid():
        try:
            saved = payment_profile_set(
                account=account,
                payment_type=form.cleaned_data["payment_type"],
                card=form.new_card(),
                card_key=form.new_card_key(),
                debit=form.direct_debit(),
                request_key=form_key,
                by=portal_actor(credential, request),
            )
        except ServiceError as error:
            card_field = REFUSAL_FIELDS.get(error.code)
            if card_field is not None and form.uses_new_card():
                form.card_form.add_error(card_field, str(error.message))
            else:
                add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your Payment Profile is saved: %(type)s.") % {"type": saved.profile.label},
            )
            return redirect("corporate:payment_profile")
    return render_page(
        request,
        "corporate/payment_profile_edit.html",
        {
            "form": form,
            "card_form": form.card_form,
            "form_key": form_key,
            "profile": profile,
            **_seller_details(),
        },
        frame=portal_frame(credential, TAB),
    )
