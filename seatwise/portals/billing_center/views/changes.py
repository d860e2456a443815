"""**Change Plan** and **Change Seats** of a subscription.

Each change is reviewed first (a GET: the exact lines, VAT and total, and when it takes
effect), then confirmed (a POST of the reviewed choice, its total and the key issued with
the review). The key makes the purchase idempotent (``billing.orders``): a double click or
a reload of the confirmation charges once. The services refuse a total other than the one
reviewed, so what the customer saw is what is charged.
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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import to_locale
from django.views.decorators.http import require_http_methods

from seatwise.billing.changes import (
    plan_change,
    plan_change_review,
    renewal_seats_review,
    renewal_seats_set,
)
from seatwise.billing.orders import seats_purchase, seats_purchase_review
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import plan_get
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.snapshot import line_description, tax_note_in
from seatwise.payments.selectors import default_payment_method
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    billing_admin_required,
    subscription_or_404,
)
from seatwise.portals.billing_center.forms import (
    ConfirmForm,
    PlanChoiceForm,
    SeatsForm,
    new_form_key,
)
from seatwise.portals.billing_center.selectors import PlanOption, plan_options
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import render_page
from seatwise.portals.step_up import (
    PERSON,
    step_up_fresh,
    step_up_needed_for,
    step_up_redirect,
)
from seatwise.pricing.lines import Preview
from seatwise.subscriptions.models import Subscription


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
    subscription = subscription_or_404(admin, subscription_id)
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
    return render_page(
        request,
        "billing_center/subscription_plan.html",
        {
            "subscription": subscription,
            "form": form,
            "review": review,
            "last_day": subscription.term_end - timedelta(days=1),
            "payment_method": default_payment_method(account_id=account.pk) if review else None,
        },
        frame=admin.frame("subscriptions"),
    )


def _plan_confirm(
    request: HttpRequest, admin: BillingAdmin, subscription: Subscription
) -> HttpResponse:
    form = ConfirmForm(request.POST)
    new_plan = plan_get(plan_id=form.cleaned_data["choice"]) if form.is_valid() else None
    if new_plan is None or new_plan.product_id != subscription.product_id:
        messages.error(request, _("The confirmation was incomplete. Review the change again."))
        return redirect("billing:subscription_plan", subscription.pk)
    total = form.cleaned_data["expected_total"]
    if total is not None and step_up_needed_for(total) and not step_up_fresh(request, PERSON):
        # Back to the review, to confirm again after the password: nothing is charged now.
        review = _with_query("billing:subscription_plan", subscription.pk, plan=new_plan.pk)
        return step_up_redirect(request, PERSON, review)
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
    subscription = subscription_or_404(admin, subscription_id)
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
    return render_page(
        request,
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
        frame=admin.frame("subscriptions"),
    )


def _seats_confirm(
    request: HttpRequest, admin: BillingAdmin, subscription: Subscription
) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["kind"] not in ("add", "renewal"):
        messages.error(request, _("The confirmation was incomplete. Review the change again."))
        return redirect("billing:subscription_seats", subscription.pk)
    number: int = form.cleaned_data["choice"]
    total = form.cleaned_data["expected_total"]
    if (
        form.cleaned_data["kind"] == "add"
        and total is not None
        and step_up_needed_for(total)
        and not step_up_fresh(request, PERSON)
    ):
        review = _with_query(
            "billing:subscription_seats", subscription.pk, seats=subscription.seats + number
        )
        return step_up_redirect(request, PERSON, review)
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
