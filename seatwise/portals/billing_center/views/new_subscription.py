"""**Add a New Subscription** (Buy or Try) and **Subscribe Now** of a trial.

Add a New Subscription: a product the account does not have and **Buy** or **Try** → **Next**
(``?product=<id>&mode=<buy|try>``): plan, seats and, to buy, the first term (a whole term, or
co-termed with the account's other subscriptions) → **Review** (``&plan=&seats=&term=``):
to buy, the exact lines, VAT and total, and the card (the card on file, or a new card); to
try, the trial's end and seats → **Place Order** or **Start Trial** (POST) → the Subscriptions
page says what happened.

Subscribe Now (a running or an ended trial): plan and seats → **Review** → **Subscribe Now**
(POST): the term starts today.

As Change Plan and Change Seats (``views.changes``), the confirmation carries the key issued
with the review (a double click or a reload charges once) and the total reviewed (a different
price now is refused). A purchase above the vendor's amount, and a new card, ask for a fresh
re-authentication first; the review is shown again after it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from seatwise.billing.new_subscriptions import (
    NewSubscriptionResult,
    NewSubscriptionReview,
    coterm_dates,
    new_subscription_purchase,
    new_subscription_review,
    new_subscription_trial,
    trial_conversion_review,
    trial_convert_purchase,
)
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import plan_get
from seatwise.core.errors import ServiceError
from seatwise.payments.models import PaymentMethod
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import payment_method_add
from seatwise.portals.billing_center.access import (
    BillingAdmin,
    billing_admin_required,
    subscription_or_404,
)
from seatwise.portals.billing_center.forms import (
    BUY,
    CARD_ON_FILE,
    CONVERT,
    NEW_CARD,
    TRY,
    CardForm,
    NewSubscriptionConfirmForm,
    PlanSeatsForm,
    ProductChoiceForm,
    new_form_key,
)
from seatwise.portals.billing_center.selectors import (
    PlanOption,
    new_product_options,
    product_plan_options,
)
from seatwise.portals.billing_center.views.changes import (
    _day,
    _plan_label,
    _plan_name,
    _review_totals,
    _service_key,
)
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import render_page
from seatwise.portals.step_up import PERSON, step_up_fresh, step_up_needed_for, step_up_redirect
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import term_end_for
from seatwise.subscriptions.trials import trial_start_check


def _choices(options: list[PlanOption], *, language: str, currency: str) -> list[tuple[int, str]]:
    return [
        (option.plan.pk, _plan_label(option, current=False, language=language, currency=currency))
        for option in options
        if option.unit_amount is not None
    ]


def _card_on_file(admin: BillingAdmin) -> PaymentMethod | None:
    method = default_payment_method(account_id=admin.account.pk)
    return method if method is not None and method.is_automatic else None


def _confirm_form(
    *, mode: str, review: NewSubscriptionReview | None, plan: Plan, seats: int, coterm: str
) -> NewSubscriptionConfirmForm:
    return NewSubscriptionConfirmForm(
        initial={
            "mode": mode,
            "plan": plan.pk,
            "seats": seats,
            "coterm": coterm if coterm != "full" else None,
            "form_key": new_form_key(),
            "expected_total": review.preview.totals.gross if review else None,
        }
    )


def _payment_choices(form: NewSubscriptionConfirmForm, card: PaymentMethod | None) -> None:
    field = form.fields["payment"]
    assert isinstance(field, forms.ChoiceField)
    new = (NEW_CARD, _("A new card (it becomes the card on file for renewals)"))
    if card is None:
        field.choices = [new]
        field.initial = NEW_CARD
    else:
        on_file = _("The card on file, %(card)s") % {"card": card.masked}
        field.choices = [(CARD_ON_FILE, on_file), new]
        field.initial = CARD_ON_FILE


# --- Add a New Subscription ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_new(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    """**Add a New Subscription**: see the module docstring."""
    if request.method == "POST":
        return _new_confirm(request, admin)
    account = admin.account
    language = admin.person.language
    products = new_product_options(account_id=account.pk, currency=account.currency)
    product_form = ProductChoiceForm(
        request.GET if "product" in request.GET else None,
        products=[
            (
                option.product.pk,
                _("%(product)s (free trial: %(days)d days, up to %(seats)d seats)")
                % {
                    "product": option.product.name,
                    "days": option.product.trial_days,
                    "seats": option.product.trial_seat_limit,
                }
                if option.trial_available
                else option.product.name,
            )
            for option in products
        ],
    )
    context: dict[str, Any] = {"product_form": product_form, "products": products}
    if product_form.is_bound and product_form.is_valid():
        chosen = next(o for o in products if o.product.pk == product_form.cleaned_data["product"])
        mode = product_form.cleaned_data["mode"]
        if mode == TRY and not chosen.trial_available:
            product_form.add_error(
                "mode",
                _("%(product)s has no free trial for this account. Choose Buy.")
                % {"product": chosen.product.name},
            )
        else:
            context.update(
                _plan_step(request, admin, chosen=chosen.product.pk, mode=mode, language=language)
            )
            context["product"] = chosen.product
            context["mode"] = mode
    return render_page(
        request,
        "billing_center/subscription_new.html",
        context,
        frame=admin.frame("subscriptions"),
    )


def _plan_step(
    request: HttpRequest, admin: BillingAdmin, *, chosen: int, mode: str, language: str
) -> dict[str, Any]:
    """The plan and seats form of the chosen product and, when it is filled in, the review."""
    account = admin.account
    options = product_plan_options(product_id=chosen, currency=account.currency)
    terms: list[tuple[str, str]] | None = None
    if mode == BUY:
        yearly = [o.plan for o in options if o.plan.interval == Plan.Interval.YEAR]
        dates = coterm_dates(account_id=account.pk, plan=yearly[0], on=_today()) if yearly else []
        if dates:
            terms = [("full", str(_("A whole term from today")))] + [
                (
                    day.isoformat(),
                    str(
                        _("Co-termed with your other subscriptions: until %(day)s, pro rata")
                        % {"day": _day(day - timedelta(days=1))}
                    ),
                )
                for day in dates
            ]
    form = PlanSeatsForm(
        request.GET if "plan" in request.GET else None,
        plans=_choices(options, language=language, currency=account.currency),
        terms=terms,
        initial={"seats": 1},
    )
    context: dict[str, Any] = {"form": form}
    if not (form.is_bound and form.is_valid()):
        return context
    plan = next(o.plan for o in options if o.plan.pk == form.cleaned_data["plan"])
    seats: int = form.cleaned_data["seats"]
    term: str = form.cleaned_data.get("term") or "full"
    try:
        if mode == TRY:
            trial_start_check(account=account, plan=plan, seats=seats)
            context["review"] = {
                "kind": TRY,
                "plan": _plan_name(plan),
                "seats": seats,
                "last_day": _today() + timedelta(days=plan.product.trial_days - 1),
                "confirm": _confirm_form(mode=TRY, review=None, plan=plan, seats=seats, coterm=""),
            }
        else:
            coterm = date.fromisoformat(term) if term != "full" else None
            review = new_subscription_review(account=account, plan=plan, seats=seats, coterm=coterm)
            confirm = _confirm_form(mode=BUY, review=review, plan=plan, seats=seats, coterm=term)
            card = _card_on_file(admin)
            _payment_choices(confirm, card)
            context["review"] = {
                "kind": BUY,
                "plan": _plan_name(plan),
                "seats": seats,
                "term_start": review.term_start,
                "last_day": review.term_end - timedelta(days=1),
                "renews_on": review.term_end,
                "totals": _review_totals(review.preview, language),
                "confirm": confirm,
                "card_form": CardForm(),
            }
    except ServiceError as error:
        add_service_error(form, error)
    return context


def _today() -> date:
    return timezone.localdate()


def _new_review_url(data: dict[str, Any]) -> str:
    return f"{reverse('billing:subscription_new')}?{urlencode(data)}"


def _new_confirm(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    form = NewSubscriptionConfirmForm(request.POST)
    plan = plan_get(plan_id=form.cleaned_data["plan"]) if form.is_valid() else None
    if plan is None or form.cleaned_data["mode"] not in (BUY, TRY):
        messages.error(request, _("The confirmation was incomplete. Review it again."))
        return redirect("billing:subscription_new")
    data = form.cleaned_data
    coterm: date | None = data["coterm"]
    review_url = _new_review_url(
        {
            "product": plan.product_id,
            "mode": data["mode"],
            "plan": plan.pk,
            "seats": data["seats"],
            "term": coterm.isoformat() if coterm else "full",
        }
    )
    if data["mode"] == TRY:
        try:
            trial = new_subscription_trial(
                account=admin.account,
                plan=plan,
                seats=data["seats"],
                by=admin.actor,
                assign_to=admin.person,
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect(review_url)
        assert trial.trial_end is not None
        messages.success(
            request,
            _(
                "Your free trial of %(product)s has started: %(seats)d seats until %(day)s, one "
                "of them yours. Nothing is charged. A welcome e-mail is on its way."
            )
            % {
                "product": plan.product.name,
                "seats": trial.seats,
                "day": _day(trial.trial_end - timedelta(days=1)),
            },
        )
        return redirect("billing:subscriptions")
    refused = _pay_first(request, admin, form, review_url)
    if refused is not None:
        return refused
    try:
        result = new_subscription_purchase(
            account=admin.account,
            plan=plan,
            seats=data["seats"],
            coterm=coterm,
            by=admin.actor,
            idempotency_key=_service_key(admin, data["form_key"]),
            expected_gross=data["expected_total"],
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect(review_url)
    return _purchase_told(request, result)


def _pay_first(
    request: HttpRequest, admin: BillingAdmin, form: NewSubscriptionConfirmForm, review_url: str
) -> HttpResponse | None:
    """Before a purchase: a fresh re-authentication for a total above the vendor's amount or
    a new card, then the new card put on file. A response ends the confirmation (back to the
    review); None: go on and charge the card on file."""
    data = form.cleaned_data
    total: Decimal | None = data["expected_total"]
    new_card = data["payment"] == NEW_CARD or _card_on_file(admin) is None
    needs_step_up = new_card or (total is not None and step_up_needed_for(total))
    if needs_step_up and not step_up_fresh(request, PERSON):
        return step_up_redirect(request, PERSON, review_url)
    if not new_card:
        return None
    card_form = CardForm(request.POST)
    if not card_form.is_valid():
        messages.error(request, _("Enter the new card's details in full."))
        return redirect(review_url)
    try:
        payment_method_add(
            account=admin.account,
            card=card_form.card(),
            by=admin.actor,
            make_default=True,
            idempotency_key=card_form.cleaned_data["form_key"] or None,
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect(review_url)
    return None


def _purchase_told(request: HttpRequest, result: NewSubscriptionResult) -> HttpResponse:
    if result.status == "completed":
        subscription = result.subscription
        assert subscription is not None
        messages.success(
            request,
            _(
                "Your %(product)s subscription is active: %(seats)d seats until %(day)s. "
                "Invoice %(number)s was paid by card."
            )
            % {
                "product": subscription.product.name,
                "seats": subscription.seats,
                "day": _day(subscription.term_end - timedelta(days=1)),
                "number": result.invoice.number,
            },
        )
    elif result.status == "processing":
        messages.warning(
            request,
            _("%(message)s The subscription starts as soon as the payment is confirmed.")
            % {"message": result.message},
        )
    else:
        messages.error(
            request,
            _("%(message)s No subscription was added.") % {"message": result.message},
        )
    return redirect("billing:subscriptions")


# --- Subscribe Now ---------------------------------------------------------------------------


def _trial_or_404(admin: BillingAdmin, subscription_id: int) -> Subscription:
    subscription = subscription_or_404(admin, subscription_id)
    if not (subscription.is_trial or subscription.is_ended_trial):
        raise Http404
    return subscription


@login_required
@require_http_methods(["GET", "POST"])
@billing_admin_required
def subscription_subscribe(
    request: HttpRequest, admin: BillingAdmin, subscription_id: int
) -> HttpResponse:
    """**Subscribe Now** of a running or an ended trial: see the module docstring."""
    trial = _trial_or_404(admin, subscription_id)
    if request.method == "POST":
        return _subscribe_confirm(request, admin, trial)
    account = admin.account
    language = admin.person.language
    options = product_plan_options(product_id=trial.product_id, currency=account.currency)
    form = PlanSeatsForm(
        request.GET if "plan" in request.GET else None,
        plans=_choices(options, language=language, currency=account.currency),
        initial={"plan": trial.plan_id, "seats": trial.seats},
    )
    review: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        plan = next(o.plan for o in options if o.plan.pk == form.cleaned_data["plan"])
        seats: int = form.cleaned_data["seats"]
        try:
            decision = trial_conversion_review(subscription=trial, plan=plan, seats=seats)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            confirm = _confirm_form(
                mode=CONVERT, review=decision, plan=plan, seats=seats, coterm=""
            )
            _payment_choices(confirm, _card_on_file(admin))
            review = {
                "plan": _plan_name(plan),
                "seats": seats,
                "term_start": decision.term_start,
                "last_day": decision.term_end - timedelta(days=1),
                "renews_on": term_end_for(plan=plan, term_start=decision.term_start),
                "totals": _review_totals(decision.preview, language),
                "confirm": confirm,
                "card_form": CardForm(),
            }
    assert trial.trial_end is not None
    return render_page(
        request,
        "billing_center/subscription_subscribe.html",
        {
            "subscription": trial,
            "trial_last_day": trial.trial_end - timedelta(days=1),
            "form": form,
            "review": review,
        },
        frame=admin.frame("subscriptions"),
    )


def _subscribe_confirm(
    request: HttpRequest, admin: BillingAdmin, trial: Subscription
) -> HttpResponse:
    form = NewSubscriptionConfirmForm(request.POST)
    plan = plan_get(plan_id=form.cleaned_data["plan"]) if form.is_valid() else None
    if plan is None or form.cleaned_data["mode"] != CONVERT:
        messages.error(request, _("The confirmation was incomplete. Review it again."))
        return redirect("billing:subscription_subscribe", trial.pk)
    data = form.cleaned_data
    review_url = (
        reverse("billing:subscription_subscribe", args=[trial.pk])
        + "?"
        + urlencode({"plan": plan.pk, "seats": data["seats"]})
    )
    refused = _pay_first(request, admin, form, review_url)
    if refused is not None:
        return refused
    try:
        result = trial_convert_purchase(
            subscription=trial,
            plan=plan,
            seats=data["seats"],
            by=admin.actor,
            idempotency_key=_service_key(admin, data["form_key"]),
            expected_gross=data["expected_total"],
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect(review_url)
    return _purchase_told(request, result)
