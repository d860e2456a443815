"""**Add Seats**, its quotes and service orders (article 003).

The flow, by the article's labels: Subscriptions tab → **Add Seats** → **New Seat Qty** per
product → **Save Cart and Review** → the quote → **Proceed to Payment** → **Admin contact**,
**Payment method**, **Billing address** → **Save and Proceed to Service Order** → the service
order → **Place Service Order** → the order's state until the worker has completed it. The
**Quotes** tab lists the account's quotes, each with **Accept** (= Proceed to Payment) and
**Reject** while open.

Every precondition is told before any work is lost: an account not eligible for self-service
or without an automatic card is told so on the Add Seats page, before a cart is typed; an open
quote is named up front, and saving a cart anyway asks first that it expire at once and be
replaced. The rules themselves are the ordering services'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from seatwise.accounts.models import Account, CorporateCredential
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import Address
from seatwise.core.countries import country_name
from seatwise.core.errors import NotFound, Refused, ServiceError
from seatwise.core.money import format_money
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.ordering.rendering import quote_pdf
from seatwise.ordering.selectors import (
    add_seats_subscriptions,
    open_quote,
    order_in_account,
    quote_in_account,
    quotes_page,
)
from seatwise.ordering.services import (
    AdminContact,
    add_seats_check,
    checkout_save,
    quote_accept,
    quote_create,
    quote_reject,
    service_order_place,
)
from seatwise.payments.models import PaymentMethod
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.ordering_forms import AddSeatsForm, CheckoutForm
from seatwise.portals.corporate.session import corporate_required, portal_actor
from seatwise.portals.forms import add_service_error, new_form_key, posted_form_key
from seatwise.portals.shared import id_param, page_query, reader_language, render_page
from seatwise.portals.step_up import (
    CORPORATE,
    step_up_fresh,
    step_up_needed_for,
    step_up_redirect,
)

# While the worker has the order, its page reloads itself this often (a <meta> refresh: no
# script, the Content Security Policy allows none inline).
REFRESH_SECONDS = 3


# --- quotes as pages show them -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineView:
    line: QuoteLine
    unit_amount: str
    amount: str
    last_day: date  # the period is [period_start, period_end): its last day is the day before


@dataclass(frozen=True, slots=True)
class QuoteView:
    quote: Quote
    lines: list[LineView]
    net_total: str
    tax_total: str
    gross_total: str
    order: ServiceOrder | None
    # Open and not yet past its expiry: it can be accepted or rejected.
    actionable: bool


def _quote_view(quote: Quote, *, with_lines: bool = True) -> QuoteView:
    language = reader_language()

    def money(amount: Any) -> str:
        return format_money(amount, quote.currency, language)

    return QuoteView(
        quote=quote,
        lines=[
            LineView(
                line=line,
                unit_amount=money(line.unit_amount),
                amount=money(line.amount),
                last_day=line.period_end - timedelta(days=1),
            )
            for line in (quote.lines.all() if with_lines else ())
        ],
        net_total=money(quote.net_total),
        tax_total=money(quote.tax_total),
        gross_total=money(quote.gross_total),
        order=quote.order_or_none,
        actionable=quote.is_open,
    )


def _quote_or_404(credential: CorporateCredential, quote_id: int) -> Quote:
    try:
        return quote_in_account(account_id=credential.account_id, quote_id=quote_id)
    except NotFound:
        raise Http404 from None


def _order_or_404(credential: CorporateCredential, order_id: int) -> ServiceOrder:
    try:
        return order_in_account(account_id=credential.account_id, order_id=order_id)
    except NotFound:
        raise Http404 from None


def _same_cart(quote: Quote, seats: dict[int, int]) -> bool:
    return {line.subscription_id: line.quantity for line in quote.lines.all()} == seats


# --- Add Seats -----------------------------------------------------------------------------------


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def add_seats(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Add Seats**: **New Seat Qty** per product → **Save Cart and Review** → the quote.

    The form's key is issued when the page is shown: every submission of that page (a double
    click, a reload, the confirmation that replaces an open quote, sent many times at once)
    gets the one quote it made (``quote_create``, ``request_key``)."""
    account = credential.account
    card_missing: Refused | None = None
    try:
        add_seats_check(account=account)
    except Refused as refusal:
        if refusal.code != "no_automatic_payment_method":
            # Not eligible for self-service: said before a cart is typed, with the way to
            # Corporate Account Services; a POST changes nothing either.
            return render_page(
                request,
                "corporate/add_seats.html",
                {"refusal": refusal},
                frame=portal_frame(credential, "subscriptions"),
            )
        # No automatic card: said up front; the checkout's Payment method step adds one.
        card_missing = refusal
    subscriptions = add_seats_subscriptions(account_id=account.pk)
    current = open_quote(account_id=account.pk)
    if current is not None and not current.is_open:
        current = None  # past its 7 days: a new cart simply expires it (as the job would)
    form = AddSeatsForm(request.POST or None, subscriptions=subscriptions)
    # The page carries one key from the moment it is shown, through the confirmation step:
    # the same form sent many times (at once, too) makes one quote.
    form_key = posted_form_key(form)
    confirm = False
    if request.method == "POST" and form.is_valid():
        seats = form.seats()
        try:
            quote = quote_create(
                account=account,
                seats=seats,
                replace_open=form.cleaned_data["replace_open"],
                by=portal_actor(credential, request),
                request_key=form.cleaned_data["form_key"],
            )
        except Refused as refusal:
            if refusal.code != "open_quote":
                add_service_error(form, refusal)
            else:
                current = open_quote(account_id=account.pk)
                if current is not None and _same_cart(current, seats):
                    # The same cart again (a second click, a reload): its quote is the open one.
                    return redirect("corporate:quote", quote_id=current.pk)
                # Ask before the open quote is lost; the cart travels in hidden fields.
                confirm = current is not None
                if not confirm:
                    add_service_error(form, refusal)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if _same_cart(quote, seats):
                return redirect("corporate:quote", quote_id=quote.pk)
            # The key made a quote of another cart before (a page restored by the browser
            # with its old key): say so, and give the page a new key for the cart shown.
            form.add_error(
                None,
                _(
                    "This form was already sent and made quote %(number)s. To price the "
                    "cart below instead, save it again."
                )
                % {"number": quote.number},
            )
            form_key = new_form_key()
            current = open_quote(account_id=account.pk)
            if current is not None and not current.is_open:
                current = None
    return render_page(
        request,
        "corporate/add_seats.html",
        {
            "form": form,
            "form_key": form_key,
            "rows": form.rows(),
            "open_quote": current,
            "card_missing": card_missing,
            "confirm": confirm,
            "cart": [
                (row.subscription, form.cleaned_data.get(row.field.name) or 0)
                for row in form.rows()
            ]
            if confirm
            else [],
        },
        frame=portal_frame(credential, "subscriptions"),
    )


# --- Quotes --------------------------------------------------------------------------------------


@never_cache
@require_safe
@corporate_required
def quotes(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """The **Quotes** tab: open, accepted, rejected and expired quotes, newest first."""
    after = id_param(request, "after")
    page, next_after = quotes_page(account_id=credential.account_id, after=after)
    return render_page(
        request,
        "corporate/quotes.html",
        {
            "rows": [_quote_view(quote, with_lines=False) for quote in page],
            "next_query": page_query(after=next_after) if next_after else None,
            "first_page": after is not None,
        },
        frame=portal_frame(credential, "quotes"),
    )


@never_cache
@require_safe
@corporate_required
def quote_detail(
    request: HttpRequest, credential: CorporateCredential, quote_id: int
) -> HttpResponse:
    """One quote: number, lines, prorated amounts, VAT, total, expiry, PDF; while open,
    **Proceed to Payment** (which accepts it) and **Reject**."""
    quote = _quote_or_404(credential, quote_id)
    return render_page(
        request,
        "corporate/quote.html",
        {"view": _quote_view(quote)},
        frame=portal_frame(credential, "quotes"),
    )


@never_cache
@require_safe
@corporate_required
def quote_download(
    request: HttpRequest, credential: CorporateCredential, quote_id: int
) -> HttpResponse:
    quote = _quote_or_404(credential, quote_id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{quote.number}.pdf"
    )
    return response


@csrf_protect
@never_cache
@require_POST
@corporate_required
def quote_accept_view(
    request: HttpRequest, credential: CorporateCredential, quote_id: int
) -> HttpResponse:
    """**Proceed to Payment** / **Accept**: the quote is accepted and the checkout follows."""
    quote = _quote_or_404(credential, quote_id)
    order = quote.order_or_none
    if order is not None and order.status != ServiceOrder.Status.DRAFT:
        return redirect("corporate:service_order", order_id=order.pk)
    if quote.status != Quote.Status.ACCEPTED:
        try:
            quote_accept(quote=quote, by=portal_actor(credential, request))
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("corporate:quote", quote_id=quote.pk)
    return redirect("corporate:checkout", quote_id=quote.pk)


@csrf_protect
@never_cache
@require_POST
@corporate_required
def quote_reject_view(
    request: HttpRequest, credential: CorporateCredential, quote_id: int
) -> HttpResponse:
    quote = _quote_or_404(credential, quote_id)
    if quote.status != Quote.Status.REJECTED:
        try:
            quote_reject(quote=quote, by=portal_actor(credential, request))
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("corporate:quote", quote_id=quote.pk)
        messages.success(request, _("Quote %(number)s is rejected.") % {"number": quote.number})
    return redirect("corporate:quotes")


# --- checkout ------------------------------------------------------------------------------------


def _automatic_cards(account_id: int) -> list[PaymentMethod]:
    """The cards that can be charged without the customer (article 003), default first."""
    return list(
        PaymentMethod.objects.filter(
            account_id=account_id, is_automatic=True, removed_at__isnull=True
        ).order_by("-is_default", "-pk")[:5]
    )


def _checkout_initial(
    account: Account, order: ServiceOrder | None, cards: list[PaymentMethod]
) -> dict[str, Any]:
    """The draft order's values; else the last admin contact (or the billing contact), the
    default card and the account's address."""
    if order is not None:
        source: Any = order
        payment = str(order.payment_method_id)
    else:
        source = ServiceOrder.objects.filter(account_id=account.pk).order_by("-pk").first()
        payment = str(cards[0].pk) if cards else "new"
    if source is not None:
        admin = {
            "admin_first_name": source.admin_first_name,
            "admin_last_name": source.admin_last_name,
            "admin_email": source.admin_email,
            "admin_language": source.admin_language,
        }
    else:
        contact = billing_contact_of(account)
        admin = (
            {
                "admin_first_name": contact.first_name,
                "admin_last_name": contact.last_name,
                "admin_email": contact.email,
                "admin_language": contact.language or account.language,
            }
            if contact is not None
            else {"admin_language": account.language}
        )
    address = order if order is not None else account
    return {
        **admin,
        "payment_method": payment,
        "address_line1": address.address_line1,
        "address_line2": address.address_line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": address.country,
    }


@sensitive_post_parameters("card_number", "cvc")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def checkout(request: HttpRequest, credential: CorporateCredential, quote_id: int) -> HttpResponse:
    """After **Proceed to Payment**: **Admin contact**, **Payment method**, **Billing
    address** → **Save and Proceed to Service Order** (a draft order, not placed yet)."""
    quote = _quote_or_404(credential, quote_id)
    order = quote.order_or_none
    if order is not None and order.status != ServiceOrder.Status.DRAFT:
        return redirect("corporate:service_order", order_id=order.pk)
    if quote.status != Quote.Status.ACCEPTED:
        # Open: Proceed to Payment accepts it first; rejected or expired: nothing to pay.
        return redirect("corporate:quote", quote_id=quote.pk)
    account = credential.account
    cards = _automatic_cards(account.pk)
    form = CheckoutForm(
        request.POST if request.method == "POST" else None,
        cards=cards,
        initial=_checkout_initial(account, order, cards),
    )
    if request.method == "POST" and form.uses_new_card() and not step_up_fresh(request, CORPORATE):
        # A new card: the User ID's password (or code) first; nothing of the form is kept.
        return step_up_redirect(request, CORPORATE, request.get_full_path())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = checkout_save(
                quote=quote,
                admin=AdminContact(
                    first_name=data["admin_first_name"],
                    last_name=data["admin_last_name"],
                    email=data["admin_email"],
                    language=data["admin_language"],
                ),
                payment_method_id=form.payment_method_id(),
                new_card=form.new_card(),
                address=Address(
                    line1=data["address_line1"],
                    line2=data["address_line2"],
                    postal_code=data["postal_code"],
                    city=data["city"],
                    region=data["region"],
                ),
                country=data["country"],
                by=portal_actor(credential, request),
                card_key=form.new_card_key(),
            )
        except ServiceError as error:
            _checkout_error(form, error)
        else:
            return redirect("corporate:service_order", order_id=saved.pk)
    return render_page(
        request,
        "corporate/checkout.html",
        {"view": _quote_view(quote), "form": form, "card_form": form.card_form},
        frame=portal_frame(credential, "quotes"),
    )


# The ordering services' fields of a refused new card → the card form's fields.
CARD_ERROR_FIELDS = {
    "card_number": "card_number",
    "card_expiry": "exp_month",
    "card_cvc": "cvc",
    "card_holder_name": "holder_name",
}


def _checkout_error(form: CheckoutForm, error: ServiceError) -> None:
    """A refusal next to its field: the new card's own fields for a card the gateway refused."""
    field = CARD_ERROR_FIELDS.get(error.field or "")
    if field is not None and form.uses_new_card():
        form.card_form.add_error(field, str(error.message))
    else:
        add_service_error(form, error)


# --- service orders ------------------------------------------------------------------------------


@never_cache
@require_safe
@corporate_required
def service_order(
    request: HttpRequest, credential: CorporateCredential, order_id: int
) -> HttpResponse:
    """The service order: its lines, totals, admin contact, card and address; **Place Service
    Order** while a draft; then its state (received, processing, completed, failed)."""
    order = _order_or_404(credential, order_id)
    working = order.status in (ServiceOrder.Status.RECEIVED, ServiceOrder.Status.PROCESSING)
    contact = billing_contact_of(credential.account)
    return render_page(
        request,
        "corporate/service_order.html",
        {
            "order": order,
            "view": _quote_view(order.quote),
            "refresh_seconds": REFRESH_SECONDS if working else None,
            "working": working,
            "billing_contact": contact,
            "country_name": country_name(order.country, reader_language()),
        },
        frame=portal_frame(credential, "quotes"),
    )


@csrf_protect
@never_cache
@require_POST
@corporate_required
def service_order_place_view(
    request: HttpRequest, credential: CorporateCredential, order_id: int
) -> HttpResponse:
    """**Place Service Order**: idempotent, so a second click or a retry is the same order."""
    order = _order_or_404(credential, order_id)
    if step_up_needed_for(order.quote.gross_total) and not step_up_fresh(request, CORPORATE):
        return step_up_redirect(
            request, CORPORATE, reverse("corporate:service_order", kwargs={"order_id": order.pk})
        )
    try:
        service_order_place(order=order, by=portal_actor(credential, request))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("corporate:service_order", order_id=order.pk)
