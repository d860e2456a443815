"""The **Account** tab: **Bill To** with **Edit** → **Billing Address** → **Save** (a new
contact takes the billing-contact role, article 001), the invoice contacts (up to five, who
receive the invoice e-mails) and the purchase order printed on the invoices: its number and
optional expiration date (``accounts.purchase_orders``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from seatwise.accounts.bill_to import BillTo, bill_to_set
from seatwise.accounts.invoice_contacts import (
    invoice_contact_add as invoice_contact_add_service,
)
from seatwise.accounts.invoice_contacts import (
    invoice_contact_remove as invoice_contact_remove_service,
)
from seatwise.accounts.invoice_contacts import invoice_contacts_of
from seatwise.accounts.models import INVOICE_CONTACTS_MAX, CorporateCredential, InvoiceContact
from seatwise.accounts.purchase_orders import account_purchase_order_set
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import Address
from seatwise.accounts.two_factor import two_factor_confirmed_device
from seatwise.core.countries import country_name
from seatwise.core.errors import ServiceError
from seatwise.portals.corporate.account_forms import (
    BillToForm,
    InvoiceContactForm,
    PurchaseOrderForm,
)
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.session import corporate_logout, corporate_required, portal_actor
from seatwise.portals.forms import add_service_error
from seatwise.portals.sessions import rights_changed
from seatwise.portals.shared import reader_language, render_page
from seatwise.portals.step_up import CORPORATE, step_up_required
from seatwise.sessions.services import portal_sessions_end_others


def _account_context(
    credential: CorporateCredential,
    *,
    contact_form: InvoiceContactForm | None = None,
    po_form: PurchaseOrderForm | None = None,
) -> dict[str, Any]:
    account = credential.account
    contacts = invoice_contacts_of(account)
    return {
        "account": account,
        "contact": billing_contact_of(account),
        "country": country_name(account.country, reader_language()),
        "invoice_contacts": contacts,
        "invoice_contacts_max": INVOICE_CONTACTS_MAX,
        "can_add_contact": len(contacts) < INVOICE_CONTACTS_MAX,
        "contact_form": contact_form or InvoiceContactForm(),
        "po_form": po_form
        or PurchaseOrderForm(
            initial={
                "purchase_order_number": account.purchase_order_number,
                "purchase_order_expires_on": account.purchase_order_expires_on,
            }
        ),
        # The saved expiration date, and whether it has come (no longer printed).
        "po_expires_on": account.purchase_order_expires_on,
        "po_expired": account.purchase_order_expires_on is not None
        and timezone.localdate() >= account.purchase_order_expires_on,
        "two_factor_on": two_factor_confirmed_device(credential) is not None,
    }


def _account_page(request: HttpRequest, *args: object, **kwargs: object) -> str:
    """Where the invoice contacts' forms are: the Account tab."""
    return reverse("corporate:account")


@never_cache
@require_safe
@corporate_required
def account(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """The Account tab: **Bill To** (billing contact, address, VAT ID, User ID) with **Edit**,
    the invoice contacts and the purchase-order number."""
    return render_page(
        request,
        "corporate/account.html",
        _account_context(credential),
        frame=portal_frame(credential, "account"),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
@step_up_required(CORPORATE)
def bill_to_edit(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Edit** in the Bill To section: the **Billing Address** section, then **Save**.

    A new contact name or e-mail of another person hands the billing-contact role (and the
    portal's password) to that person: this session ends, and the new contact sets their own
    password from the link they are e-mailed.
    """
    account = credential.account
    contact = billing_contact_of(account)
    initial = {
        "first_name": contact.first_name if contact else "",
        "last_name": contact.last_name if contact else "",
        "email": contact.email if contact else "",
        "address_line1": account.address_line1,
        "address_line2": account.address_line2,
        "postal_code": account.postal_code,
        "city": account.city,
        "region": account.region,
        "country": account.country,
    }
    form = BillToForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = portal_actor(credential, request)  # the holder before a hand-over
        try:
            saved = bill_to_set(
                account=account,
                bill_to=BillTo(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    address=Address(
                        line1=data["address_line1"],
                        line2=data["address_line2"],
                        postal_code=data["postal_code"],
                        city=data["city"],
                        region=data["region"],
                    ),
                    country=data["country"],
                ),
                by=actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if saved.handed_over:
                corporate_logout(request)
                # The portal's password went with the role: every portal session ends, and
                # both people's other sessions (their rights changed).
                portal_sessions_end_others(
                    credential=credential,
                    keep=request.session,
                    reason="billing_contact_handover",
                    by=actor,
                )
                rights_changed(
                    request,
                    people=[p for p in (saved.previous, saved.contact) if p is not None],
                    reason="billing_contact_handover",
                    by=actor,
                )
                messages.success(
                    request,
                    _(
                        "%(name)s is now the billing contact. We e-mailed them a link to set "
                        "the password of the Corporate Billing Portal, User ID %(user_id)s, "
                        "and told %(previous)s. You are signed out of the portal."
                    )
                    % {
                        "name": saved.contact.full_name,
                        "user_id": credential.user_id,
                        "previous": saved.previous.full_name if saved.previous else "—",
                    },
                )
                return redirect("corporate:signin")
            messages.success(request, _("Your Bill To is saved."))
            return redirect("corporate:account")
    return render_page(
        request,
        "corporate/bill_to_edit.html",
        {"form": form},
        frame=portal_frame(credential, "account"),
    )


@never_cache
@require_POST
@corporate_required
@step_up_required(CORPORATE, back=_account_page)
def invoice_contact_add(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """Add an invoice contact (up to five): they receive the invoice e-mails, no rights."""
    form = InvoiceContactForm(request.POST)
    if form.is_valid():
        try:
            added = invoice_contact_add_service(
                account=credential.account,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                by=portal_actor(credential, request),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(email)s receives the invoice e-mails from now on.") % {"email": added.email},
            )
            return redirect("corporate:account")
    return render_page(
        request,
        "corporate/account.html",
        _account_context(credential, contact_form=form),
        frame=portal_frame(credential, "account"),
    )


@never_cache
@require_POST
@corporate_required
@step_up_required(CORPORATE, back=_account_page)
def invoice_contact_remove(
    request: HttpRequest, credential: CorporateCredential, contact_id: int
) -> HttpResponse:
    contact = InvoiceContact.objects.filter(pk=contact_id, account_id=credential.account_id).first()
    if contact is None:
        if InvoiceContact.objects.filter(pk=contact_id).exists():
            raise Http404  # another account's
        # Removed already (a second click): nothing more to do.
        return redirect("corporate:account")
    invoice_contact_remove_service(contact=contact, by=portal_actor(credential, request))
    messages.success(
        request,
        _("%(email)s receives no more invoice e-mails.") % {"email": contact.email},
    )
    return redirect("corporate:account")


@never_cache
@require_POST
@corporate_required
def purchase_order(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """The purchase order printed on the invoices issued from now on: its number and optional
    expiration date (invoices issued on that day or later carry none)."""
    form = PurchaseOrderForm(request.POST)
    if form.is_valid():
        try:
            account_purchase_order_set(
                account=credential.account,
                number=form.cleaned_data["purchase_order_number"],
                expires_on=form.cleaned_data["purchase_order_expires_on"],
                by=portal_actor(credential, request),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The purchase order is saved."))
            return redirect("corporate:account")
    return render_page(
        request,
        "corporate/account.html",
        _account_context(credential, po_form=form),
        frame=portal_frame(credential, "account"),
    )
