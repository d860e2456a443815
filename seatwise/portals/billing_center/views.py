"""The Billing Center of online accounts: signed in with the product credentials, the billing
admin sees the account's Subscriptions page; everyone else the "wrong place" page (SPEC rule 2,
articles 000, 002, 004), and the billing admin's self-service (issue 4, item 5): invoice
history with PDF download, the payment method, and Cancel Subscription / Reactivate.

Every page of the billing admin goes through ``access.billing_admin_required``; objects are
looked up inside their own account only, so that another account's ids are "not found". Each
write is a POST that calls one service and redirects (POST-redirect-GET); the services are
idempotent, so that a second click changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.core.countries import country_name
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.rendering import invoice_pdf
from seatwise.invoicing.selectors import document_for
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import payment_method_add
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    WrongPlace,
    billing_admin_required,
    billing_center_account,
    wrong_place_case,
)
from seatwise.portals.billing_center.forms import REFUSAL_FIELDS, CardForm
from seatwise.portals.billing_center.selectors import (
    INVOICES_PER_PAGE,
    amount_due,
    invoice_history_page,
    invoice_in_account,
    subscription_in_account,
)
from seatwise.portals.forms import add_service_error
from seatwise.subscriptions.cancellation import subscription_cancel, subscription_reactivate
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import PricedSubscription, live_subscriptions_priced


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)
    return user


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """One subscription as the page shows it: amounts already formatted for the reader."""

    subscription: Subscription
    last_day: date  # the term is [term_start, term_end): its last day is the day before
    ends: bool  # no renewal: cancellation pending or auto-renew off
    unit_price: str | None
    term_price: str | None


def _row(priced: PricedSubscription, language: str) -> SubscriptionRow:
    subscription = priced.subscription
    term_amount = priced.term_amount
    return SubscriptionRow(
        subscription=subscription,
        last_day=subscription.term_end - timedelta(days=1),
        ends=(
            subscription.status == Subscription.Status.PENDING_CANCELLATION
            or not subscription.auto_renew
        ),
        unit_price=(
            format_money(priced.unit_amount, priced.currency, language)
            if priced.unit_amount is not None
            else None
        ),
        term_price=(
            format_money(term_amount, priced.currency, language)
            if term_amount is not None
            else None
        ),
    )


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The Billing Center's address: the billing admin to Subscriptions, anyone else to the
    "wrong place" page, each by redirect so that the browser shows where it landed."""
    if billing_center_account(_person(request)) is not None:
        return redirect("billing:subscriptions")
    return redirect("billing:wrong_place")


@login_required
@require_safe
def subscriptions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    account = billing_center_account(person)
    if account is None:
        return redirect("billing:wrong_place")
    language = person.language
    rows = [
        _row(priced, language)
        for priced in live_subscriptions_priced(account_id=account.pk, currency=account.currency)
    ]
    return render(
        request,
        "billing_center/subscriptions.html",
        {
            "section": "subscriptions",
            "account": account,
            "person": person,
            "rows": rows,
            "country": country_name(account.country, language),
            "payment_method": default_payment_method(account_id=account.pk),
        },
    )


@login_required
@require_safe
def wrong_place(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if billing_center_account(person) is not None:
        return redirect("billing:subscriptions")
    case = wrong_place_case(person)
    # Rule 1: only billing contacts and account admins may see who the billing contact is.
    # On a standard account the account admin is shown the billing admin to ask; a plain user
    # is told to ask their account admin, and sees no name.
    contact = (
        billing_contact_of(person.account)
        if case == WrongPlace.ONLINE and person.account is not None and person.is_account_admin
        else None
    )
    return render(
        request,
        "billing_center/wrong_place.html",
        {"case": case, "account": person.account, "billing_contact": contact},
    )


# --- the billing admin's self-service ----------------------------------------------------------


def _page(
    request: HttpRequest, admin: BillingAdmin, section: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    return render(
        request,
        template,
        {"section": section, "account": admin.account, "person": admin.person, **context},
    )


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < len(value) < 19 else None


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note as the history shows it, amounts formatted for the reader."""

    invoice: Invoice
    total: str
    due: str | None  # None for a credit note: it is never paid


def _invoice_row(invoice: Invoice, language: str) -> InvoiceRow:
    due: Decimal | None = amount_due(invoice) if invoice.kind == Invoice.Kind.INVOICE else None
    return InvoiceRow(
        invoice=invoice,
        total=format_money(invoice.gross_total, invoice.currency, language),
        due=format_money(due, invoice.currency, language) if due is not None else None,
    )


@login_required
@require_safe
@billing_admin_required
def invoices(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    """Invoice history: the account's invoices and credit notes, newest first, by pages."""
    after = _int_param(request, "after")
    page, next_after = invoice_history_page(
        account_id=admin.account.pk, after=after, limit=INVOICES_PER_PAGE
    )
    language = admin.person.language
    return _page(
        request,
        admin,
        "invoices",
        "billing_center/invoices.html",
        {
            "rows": [_invoice_row(invoice, language) for invoice in page],
            "next_query": f"?{urlencode({'after': next_after})}" if next_after else None,
            "first_page": after is not None,
        },
    )


@login_required
@require_safe
@billing_admin_required
def invoice_download(request: HttpRequest, admin: BillingAdmin, invoice_id: int) -> HttpResponse:
    """The issued document as a PDF (Factur-X), rendered from its snapshot: always the same."""
    invoice = invoice_in_account(account_id=admin.account.pk, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    response = HttpResponse(invoice_pdf(document_for(invoice)), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{invoice.number}.pdf"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def payment_method(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    """Payment Method: the card on file (masked) and **Update Payment Method** with a new card,
    which becomes the default for renewals and orders. The card goes to the gateway; only its
    token and mask are stored, and the number and CVC are never shown back."""
    form = CardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            method = payment_method_add(
                account=admin.account, card=form.card(), by=admin.actor, make_default=True
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
    return _page(
        request,
        admin,
        "payment_method",
        "billing_center/payment_method.html",
        {"form": form, "payment_method": default_payment_method(account_id=admin.account.pk)},
    )


def _subscription_or_404(admin: BillingAdmin, subscription_id: int) -> Subscription:
    subscription = subscription_in_account(
        account_id=admin.account.pk, subscription_id=subscription_id
    )
    if subscription is None:
        raise Http404
    return subscription


def _last_day(subscription: Subscription) -> str:
    return date_format(subscription.term_end - timedelta(days=1), "SHORT_DATE_FORMAT")


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_cancel_view(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """Cancel Subscription: a confirmation page, then **Yes, Cancel** (research §1.7): the
    subscription is "Pending Cancellation" and runs to the end of its term."""
    subscription = _subscription_or_404(admin, subscription_id)
    if request.method == "POST":
        was_pending = subscription.status == Subscription.Status.PENDING_CANCELLATION
        try:
            subscription = subscription_cancel(subscription=subscription, by=admin.actor)
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("billing:subscriptions")
        message = (
            _("Your %(product)s subscription is already cancelled: it stays usable until %(day)s.")
            if was_pending
            else _(
                "Your %(product)s subscription is cancelled: it stays usable until %(day)s and "
                "expires then. Until that day you can reactivate it."
            )
        )
        messages.success(
            request,
            message % {"product": subscription.product.name, "day": _last_day(subscription)},
        )
        return redirect("billing:subscriptions")
    if subscription.status != Subscription.Status.ACTIVE:
        # Nothing to confirm (already pending, suspended or ended): the page shows its status.
        return redirect("billing:subscriptions")
    return _page(
        request,
        admin,
        "subscriptions",
        "billing_center/subscription_cancel.html",
        {"subscription": subscription, "last_day": subscription.term_end - timedelta(days=1)},
    )


@login_required
@require_POST
@billing_admin_required
def subscription_reactivate_view(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """Reactivate Subscription: takes a pending cancellation back before the term ends."""
    subscription = _subscription_or_404(admin, subscription_id)
    was_active = subscription.status == Subscription.Status.ACTIVE
    try:
        subscription = subscription_reactivate(subscription=subscription, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("billing:subscriptions")
    message = (
        _("Your %(product)s subscription is active.")
        if was_active
        else _("Your %(product)s subscription is reactivated: it renews on %(day)s.")
    )
    messages.success(
        request,
        message
        % {
            "product": subscription.product.name,
            "day": date_format(subscription.term_end, "SHORT_DATE_FORMAT"),
        },
    )
    return redirect("billing:subscriptions")
