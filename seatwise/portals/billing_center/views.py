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

from babel.numbers import format_percent
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import to_locale
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.billing.changes import (
    plan_change,
    plan_change_review,
    renewal_seats_review,
    renewal_seats_set,
)
from seatwise.billing.invoice_payments import invoice_pay
from seatwise.billing.orders import PURCHASE_SOURCES, seats_purchase, seats_purchase_review
from seatwise.billing.pricing import Preview
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import plan_get
from seatwise.core.countries import country_name
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.rendering import invoice_pdf
from seatwise.invoicing.selectors import document_for, invoice_amount_due
from seatwise.invoicing.snapshot import line_description, tax_note_in
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import payment_method_add
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    WrongPlace,
    billing_admin_required,
    billing_center_account,
    wrong_place_case,
)
from seatwise.portals.billing_center.forms import (
    REFUSAL_FIELDS,
    CardForm,
    ConfirmForm,
    PayForm,
    PlanChoiceForm,
    SeatsForm,
    new_form_key,
)
from seatwise.portals.billing_center.selectors import (
    INVOICES_PER_PAGE,
    PlanOption,
    amount_due,
    invoice_history_page,
    invoice_in_account,
    plan_options,
    plans_by_id,
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
    # Changes scheduled for the renewal (billing.changes): the plan's name, the seats.
    pending_plan: str | None = None
    renewal_seats: int | None = None


def _row(
    priced: PricedSubscription, language: str, pending_plans: dict[int, Plan] | None = None
) -> SubscriptionRow:
    subscription = priced.subscription
    term_amount = priced.term_amount
    ends = (
        subscription.status == Subscription.Status.PENDING_CANCELLATION
        or not subscription.auto_renew
    )
    pending = (pending_plans or {}).get(subscription.pending_plan_id or 0)
    return SubscriptionRow(
        subscription=subscription,
        last_day=subscription.term_end - timedelta(days=1),
        ends=ends,
        pending_plan=(
            f"{pending.get_tier_display()} · {pending.get_interval_display()}"
            if pending is not None and not ends
            else None
        ),
        renewal_seats=subscription.renewal_seats if not ends else None,
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
    priced_rows = live_subscriptions_priced(account_id=account.pk, currency=account.currency)
    # A query more only when a change is scheduled.
    pending_plans = plans_by_id(
        {p.subscription.pending_plan_id for p in priced_rows if p.subscription.pending_plan_id}
    )
    rows = [_row(priced, language, pending_plans) for priced in priced_rows]
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
    payable: bool = False  # Pay Now is offered


def _invoice_row(invoice: Invoice, language: str) -> InvoiceRow:
    due: Decimal | None = amount_due(invoice) if invoice.kind == Invoice.Kind.INVOICE else None
    return InvoiceRow(
        invoice=invoice,
        total=format_money(invoice.gross_total, invoice.currency, language),
        due=format_money(due, invoice.currency, language) if due is not None else None,
        payable=due is not None and payable_now(invoice, due),
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


# --- Change Plan and Change Seats (issue 4, item 5) ---------------------------------------------
#
# Each change is reviewed first (a GET: the exact lines, VAT and total, and when it takes
# effect), then confirmed (a POST of the reviewed choice, its total and the key issued with
# the review). The key makes the purchase idempotent (``billing.orders``): a double click or
# a reload of the confirmation charges once. The services refuse a total other than the one
# reviewed, so what the customer saw is what is charged.


@dataclass(frozen=True, slots=True)
class ReviewLine:
    description: str
    quantity: int
    amount: str


@dataclass(frozen=True, slots=True)
class ReviewTotals:
    """A preview's lines and totals, formatted for the reader."""

    lines: list[ReviewLine]
    net: str
    tax: str
    rate: str
    gross: str
    tax_note: str
    gross_amount: Decimal


def _review_totals(preview: Preview, language: str) -> ReviewTotals:
    totals = preview.totals
    currency = totals.currency
    return ReviewTotals(
        lines=[
            ReviewLine(
                description=line_description(line=line, language=language),
                quantity=line.quantity,
                amount=format_money(line.amount, currency, language),
            )
            for line in preview.lines
        ],
        net=format_money(totals.net, currency, language),
        tax=format_money(totals.tax, currency, language),
        rate=format_percent(
            totals.tax_decision.rate / 100, locale=to_locale(language), decimal_quantization=False
        ),
        gross=format_money(totals.gross, currency, language),
        tax_note=tax_note_in(tax=totals.tax_decision, language=language),
        gross_amount=totals.gross,
    )


def _service_key(admin: BillingAdmin, form_key: str) -> str:
    """The purchase's idempotency key: the form's, scoped to the account."""
    return f"bc-{admin.account.pk}-{form_key}"


def _plan_name(plan: Plan) -> str:
    return f"{plan.product.name} {plan.get_tier_display()} ({plan.get_interval_display()})"


def _plan_label(option: PlanOption, *, current: bool, language: str, currency: str) -> str:
    price = (
        format_money(option.unit_amount, currency, language)
        if option.unit_amount is not None
        else "—"
    )
    label = _("%(tier)s · %(interval)s: %(price)s per seat and term") % {
        "tier": option.plan.get_tier_display(),
        "interval": option.plan.get_interval_display(),
        "price": price,
    }
    if not current:
        return label
    current_label = _("current plan")
    return f"{label} ({current_label})"


def _day(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _with_query(name: str, subscription_id: int, **query: object) -> str:
    return f"{reverse(name, args=[subscription_id])}?{urlencode(query)}"


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_plan(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """**Change Plan**: the plans of the product → **Review** (``?plan=<id>``: the lines, VAT,
    total and when it takes effect) → **Confirm** (POST) → the Subscriptions page says what
    happened."""
    subscription = _subscription_or_404(admin, subscription_id)
    if request.method == "POST":
        return _plan_confirm(request, admin, subscription)
    account = admin.account
    language = admin.person.language
    options = plan_options(subscription=subscription, currency=account.currency)
    choices = [
        (
            option.plan.pk,
            _plan_label(
                option,
                current=option.plan.pk == subscription.plan_id,
                language=language,
                currency=account.currency,
            ),
        )
        for option in options
        if option.unit_amount is not None or option.plan.pk == subscription.plan_id
    ]
    form = PlanChoiceForm(
        request.GET if "plan" in request.GET else None,
        plans=choices,
        initial={"plan": subscription.pending_plan_id or subscription.plan_id},
    )
    review: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        new_plan = next(o.plan for o in options if o.plan.pk == form.cleaned_data["plan"])
        try:
            decision = plan_change_review(subscription=subscription, new_plan=new_plan)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if decision.kind == "none":
                form.add_error("plan", _("This is your current plan. Choose another one."))
            else:
                price = next(o.unit_amount for o in options if o.plan.pk == new_plan.pk)
                review = {
                    "kind": decision.kind,
                    "plan": _plan_name(new_plan),
                    "current_plan": _plan_name(subscription.plan),
                    "pending_plan": (
                        _plan_name(subscription.pending_plan)
                        if subscription.pending_plan is not None
                        else None
                    ),
                    "effective_on": decision.effective_on,
                    "unit_price": (
                        format_money(price, account.currency, language) if price else None
                    ),
                    "totals": (
                        _review_totals(decision.preview, language)
                        if decision.kind == "now" and decision.preview is not None
                        else None
                    ),
                    "confirm": ConfirmForm(
                        initial={
                            "choice": new_plan.pk,
                            "form_key": new_form_key(),
                            "expected_total": (
                                decision.preview.totals.gross
                                if decision.kind == "now" and decision.preview is not None
                                else None
                            ),
                        }
                    ),
                }
    return _page(
        request,
        admin,
        "subscriptions",
        "billing_center/subscription_plan.html",
        {
            "subscription": subscription,
            "form": form,
            "review": review,
            "last_day": subscription.term_end - timedelta(days=1),
            "payment_method": default_payment_method(account_id=account.pk) if review else None,
        },
    )


def _plan_confirm(
    request: HttpRequest, admin: BillingAdmin, subscription: Subscription
) -> HttpResponse:
    form = ConfirmForm(request.POST)
    new_plan = plan_get(plan_id=form.cleaned_data["choice"]) if form.is_valid() else None
    if new_plan is None or new_plan.product_id != subscription.product_id:
        messages.error(request, _("The confirmation was incomplete. Review the change again."))
        return redirect("billing:subscription_plan", subscription.pk)
    try:
        result = plan_change(
            subscription=subscription,
            new_plan=new_plan,
            by=admin.actor,
            idempotency_key=_service_key(admin, form.cleaned_data["form_key"]),
            expected_gross=form.cleaned_data["expected_total"],
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect(_with_query("billing:subscription_plan", subscription.pk, plan=new_plan.pk))
    name = _plan_name(new_plan)
    invoice = result.invoice
    if result.status == "completed":
        messages.success(
            request,
            (
                _("Your plan is now %(plan)s. Invoice %(number)s was paid by card.")
                % {"plan": name, "number": invoice.number}
                if invoice is not None
                else _("Your plan is now %(plan)s.") % {"plan": name}
            ),
        )
    elif result.status == "scheduled":
        assert result.effective_on is not None
        messages.success(
            request,
            _("From %(day)s your plan is %(plan)s. Nothing was charged now.")
            % {"day": _day(result.effective_on), "plan": name},
        )
    elif result.status == "cleared":
        messages.success(
            request,
            _("The scheduled plan change is cancelled: you keep %(plan)s.") % {"plan": name},
        )
    elif result.status == "unchanged":
        messages.success(request, _("Nothing changed: you are on %(plan)s.") % {"plan": name})
    elif result.status == "processing":
        messages.warning(
            request,
            _("%(message)s Your plan changes as soon as the payment is confirmed.")
            % {"message": result.message},
        )
    else:
        messages.error(
            request,
            _("%(message)s Your plan was not changed.") % {"message": result.message},
        )
    return redirect("billing:subscriptions")


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_seats(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """**Change Seats**: the new total → **Review** (``?seats=<n>``: more seats are charged pro
    rata now, with the exact lines and total; fewer seats apply from the renewal) →
    **Confirm** (POST) → the Subscriptions page says what happened."""
    subscription = _subscription_or_404(admin, subscription_id)
    if request.method == "POST":
        return _seats_confirm(request, admin, subscription)
    language = admin.person.language
    form = SeatsForm(
        request.GET if "seats" in request.GET else None,
        initial={"seats": subscription.renewal_seats or subscription.seats},
    )
    review: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        seats: int = form.cleaned_data["seats"]
        try:
            if seats > subscription.seats:
                preview = seats_purchase_review(
                    subscription=subscription, seats_to_add=seats - subscription.seats
                )
                review = {
                    "kind": "add",
                    "seats": seats,
                    "add": seats - subscription.seats,
                    "totals": _review_totals(preview, language),
                    "confirm": ConfirmForm(
                        initial={
                            "kind": "add",
                            "choice": seats - subscription.seats,
                            "form_key": new_form_key(),
                            "expected_total": preview.totals.gross,
                        }
                    ),
                }
            else:
                decision = renewal_seats_review(subscription=subscription, seats=seats)
                if decision.status == "unchanged":
                    form.add_error(
                        "seats",
                        _("This is the current number of seats. Enter another number.")
                        if subscription.renewal_seats is None
                        else _("This change is already scheduled."),
                    )
                else:
                    review = {
                        "kind": "reduce" if decision.status == "scheduled" else "clear",
                        "seats": seats,
                        "effective_on": decision.effective_on,
                        "confirm": ConfirmForm(
                            initial={"kind": "renewal", "choice": seats, "form_key": new_form_key()}
                        ),
                    }
        except ServiceError as error:
            add_service_error(form, error)
    return _page(
        request,
        admin,
        "subscriptions",
        "billing_center/subscription_seats.html",
        {
            "subscription": subscription,
            "form": form,
            "review": review,
            "last_day": subscription.term_end - timedelta(days=1),
            "payment_method": (
                default_payment_method(account_id=admin.account.pk)
                if review and review["kind"] == "add"
                else None
            ),
        },
    )


def _seats_confirm(
    request: HttpRequest, admin: BillingAdmin, subscription: Subscription
) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["kind"] not in ("add", "renewal"):
        messages.error(request, _("The confirmation was incomplete. Review the change again."))
        return redirect("billing:subscription_seats", subscription.pk)
    number: int = form.cleaned_data["choice"]
    try:
        if form.cleaned_data["kind"] == "add":
            purchase = seats_purchase(
                subscription=subscription,
                seats_to_add=number,
                by=admin.actor,
                idempotency_key=_service_key(admin, form.cleaned_data["form_key"]),
                expected_gross=form.cleaned_data["expected_total"],
            )
        else:
            change = renewal_seats_set(subscription=subscription, seats=number, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
        query = (
            {"seats": subscription.seats + number}
            if form.cleaned_data["kind"] == "add"
            else {"seats": number}
        )
        return redirect(_with_query("billing:subscription_seats", subscription.pk, **query))
    if form.cleaned_data["kind"] == "add":
        if purchase.status == "completed":
            messages.success(
                request,
                _(
                    "%(added)d seats were added: the subscription now has %(seats)d seats. "
                    "Invoice %(number)s was paid by card."
                )
                % {
                    "added": number,
                    "seats": subscription.seats,
                    "number": purchase.invoice.number,
                },
            )
        elif purchase.status == "processing":
            messages.warning(
                request,
                _("%(message)s The seats are added as soon as the payment is confirmed.")
                % {"message": purchase.message},
            )
        else:
            messages.error(
                request, _("%(message)s No seats were added.") % {"message": purchase.message}
            )
    elif change.status == "scheduled":
        messages.success(
            request,
            _("From %(day)s the subscription has %(seats)d seats. Nothing is refunded.")
            % {"day": _day(change.effective_on), "seats": number},
        )
    elif change.status == "cleared":
        messages.success(
            request,
            _("The scheduled seat reduction is cancelled: the subscription keeps %(seats)d seats.")
            % {"seats": number},
        )
    else:
        messages.success(request, _("Nothing changed."))
    return redirect("billing:subscriptions")


# --- Pay Now (issue 4, item 4: pay an open invoice by card) ---------------------------------------


def payable_now(invoice: Invoice, due: Decimal) -> bool:
    """Pay Now is offered for an open invoice with something due. A seat purchase's or a plan
    change's invoice is open only while its own charge's outcome is unknown
    (``billing.orders``): paying it again could charge twice, so it is not offered."""
    return (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status == Invoice.Status.OPEN
        and invoice.source not in PURCHASE_SOURCES
        and due > 0
    )


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def invoice_pay_view(request: HttpRequest, admin: BillingAdmin, invoice_id: int) -> HttpResponse:
    """**Pay Now**: what is due on an open invoice, by the card on file → **Pay in full**
    (POST, idempotent by the form's key) → the invoice history says what happened."""
    invoice = invoice_in_account(account_id=admin.account.pk, invoice_id=invoice_id)
    if invoice is None or invoice.kind != Invoice.Kind.INVOICE:
        raise Http404
    language = admin.person.language
    due = invoice_amount_due(invoice)
    card = default_payment_method(account_id=admin.account.pk)
    if card is not None and not card.is_automatic:
        card = None
    if request.method == "POST":
        form = PayForm(request.POST)
        if not form.is_valid() or card is None:
            messages.error(request, _("The payment form was incomplete. Open Pay Now again."))
            return redirect("billing:invoices")
        if invoice.source in PURCHASE_SOURCES:
            messages.error(
                request,
                _("Invoice %(number)s is paid by its own purchase.") % {"number": invoice.number},
            )
            return redirect("billing:invoices")
        try:
            result = invoice_pay(
                invoice=invoice,
                amount=None,
                by=admin.actor,
                idempotency_key=form.cleaned_data["form_key"],
                payment_method=card,
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("billing:invoices")
        if result.status == "paid":
            messages.success(request, result.message)
        elif result.status == "processing":
            messages.warning(request, result.message)
        else:
            messages.error(request, result.message)
        return redirect("billing:invoices")
    if not payable_now(invoice, due):
        messages.info(
            request,
            _("Invoice %(number)s has nothing to pay now.") % {"number": invoice.number},
        )
        return redirect("billing:invoices")
    return _page(
        request,
        admin,
        "invoices",
        "billing_center/invoice_pay.html",
        {
            "invoice": invoice,
            "total": format_money(invoice.gross_total, invoice.currency, language),
            "due": format_money(due, invoice.currency, language),
            "payment_method": card,
            "form": PayForm(initial={"form_key": new_form_key()}),
        },
    )
