"""The **Invoice History** tab: invoices and credit notes by keyset pages, each as its archived
PDF and UBL, credit notes with their settlement, the account's open credit, and **Pay Now** of
an open invoice → **Pay in full** or **Partial payment**, by the card on file or
a new card used once.

Pay Now's form carries an idempotency key, so that a double click, a reload of the POST or a
second tab pays once (``billing.invoice_payments.invoice_pay``). The card number and CVC are
passed to the gateway and never shown back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from seatwise.accounts.models import CorporateCredential
from seatwise.billing.invoice_payments import invoice_pay as invoice_pay_service
from seatwise.billing.selectors import (
    INVOICES_PER_PAGE,
    amount_due,
    invoice_history_page,
    invoice_in_account,
    invoice_pay_now,
)
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.archive import PDF, UBL
from seatwise.invoicing.models import Invoice
from seatwise.payments.selectors import default_payment_method
from seatwise.portals.billing_center.forms import REFUSAL_FIELDS, CardForm
from seatwise.portals.corporate.account_forms import PayForm, new_payment_key
from seatwise.portals.corporate.frame import portal_frame
from seatwise.portals.corporate.session import corporate_required, portal_actor
from seatwise.portals.forms import add_service_error
from seatwise.portals.invoice_history import document_download, open_credit, settlements_of
from seatwise.portals.shared import id_param, page_query, reader_language, render_page


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    invoice: Invoice
    total: str
    due: str | None  # None for a credit note: it is never paid
    payable: bool
    settlement: str = ""  # a credit note: refunded, set off, or nothing to settle


def _row(invoice: Invoice, settlements: dict[int, str]) -> InvoiceRow:
    language = reader_language()
    total = format_money(invoice.gross_total, invoice.currency, language)
    if invoice.kind != Invoice.Kind.INVOICE:
        return InvoiceRow(
            invoice=invoice,
            total=total,
            due=None,
            payable=False,
            settlement=settlements.get(invoice.pk, ""),
        )
    pay_now = invoice_pay_now(invoice, due=amount_due(invoice))
    return InvoiceRow(
        invoice=invoice,
        total=total,
        due=format_money(pay_now.due, invoice.currency, language),
        payable=pay_now.payable,
    )


@never_cache
@require_safe
@corporate_required
def invoices(request: HttpRequest, credential: CorporateCredential) -> HttpResponse:
    """**Invoice History**: the account's invoices and credit notes, newest first, by pages."""
    after = id_param(request, "after")
    page, next_after = invoice_history_page(
        account_id=credential.account_id, after=after, limit=INVOICES_PER_PAGE
    )
    language = reader_language()
    settlements = settlements_of(page, language)
    return render_page(
        request,
        "corporate/invoices.html",
        {
            "rows": [_row(invoice, settlements) for invoice in page],
            "open_credit": open_credit(
                account_id=credential.account_id,
                currency=credential.account.currency,
                language=language,
            ),
            "next_query": page_query(after=next_after) if next_after else None,
            "first_page": after is not None,
        },
        frame=portal_frame(credential, "invoices"),
    )


def _invoice_or_404(credential: CorporateCredential, invoice_id: int) -> Invoice:
    invoice = invoice_in_account(account_id=credential.account_id, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return invoice


@never_cache
@require_safe
@corporate_required
def invoice_pdf(
    request: HttpRequest, credential: CorporateCredential, invoice_id: int
) -> HttpResponse:
    """The issued document as its archived PDF (Factur-X): the same bytes every time."""
    invoice = _invoice_or_404(credential, invoice_id)
    return document_download(invoice=invoice, file_format=PDF, by=portal_actor(credential, request))


@never_cache
@require_safe
@corporate_required
def invoice_ubl(
    request: HttpRequest, credential: CorporateCredential, invoice_id: int
) -> HttpResponse:
    """The issued document as its archived UBL 2.1 XML (EN 16931), beside the PDF."""
    invoice = _invoice_or_404(credential, invoice_id)
    return document_download(invoice=invoice, file_format=UBL, by=portal_actor(credential, request))


@sensitive_post_parameters("card_number", "cvc")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@corporate_required
def invoice_pay(
    request: HttpRequest, credential: CorporateCredential, invoice_id: int
) -> HttpResponse:
    """**Pay Now**: **Pay in full** or **Partial payment**, by the card on file or a new card
    used once. A decline or a refusal shows the form again (new key), nothing paid."""
    invoice = _invoice_or_404(credential, invoice_id)
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Http404
    pay_now = invoice_pay_now(invoice)
    # Paid already: nothing to show. A POST still goes to the service: a second click on the
    # form that paid it is answered with that same payment.
    if request.method != "POST" and not pay_now.payable:
        messages.info(
            request,
            gettext("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number},
        )
        return redirect("corporate:invoices")
    on_file = default_payment_method(account_id=credential.account_id)
    if on_file is not None and not on_file.is_automatic:
        on_file = None
    masked = on_file.masked if on_file else None
    pay_form = PayForm(
        request.POST if request.method == "POST" else None,
        card_on_file=masked,
        initial={"payment_key": new_payment_key()},
    )
    # Bound only when a new card was chosen: with the card on file its fields are not asked.
    new_card_chosen = request.method == "POST" and request.POST.get("card") == PayForm.NEW
    card_form = CardForm(request.POST) if new_card_chosen else CardForm()
    if request.method == "POST" and pay_form.is_valid():
        new_card = pay_form.cleaned_data["card"] == PayForm.NEW
        if not new_card or card_form.is_valid():
            try:
                result = invoice_pay_service(
                    invoice=invoice,
                    amount=pay_form.cleaned_data["amount"],
                    by=portal_actor(credential, request),
                    idempotency_key=pay_form.cleaned_data["payment_key"],
                    payment_method=None if new_card else on_file,
                    card=card_form.card() if new_card else None,
                )
            except ServiceError as error:
                field = REFUSAL_FIELDS.get(error.code)
                if new_card and field is not None:
                    card_form.add_error(field, str(error.message))
                else:
                    add_service_error(pay_form, error)
            else:
                if result.status == "paid":
                    messages.success(request, result.message)
                    return redirect("corporate:invoices")
                if result.status == "processing":
                    messages.info(request, result.message)
                    return redirect("corporate:invoices")
                messages.error(request, result.message)
                return redirect("corporate:invoice_pay", invoice_id=invoice.pk)
    if request.method == "POST":
        # Shown again: a new key, so that the corrected form is a payment of its own.
        data = request.POST.copy()
        data["payment_key"] = new_payment_key()
        pay_form.data = data
    return render_page(
        request,
        "corporate/pay.html",
        {
            "invoice": invoice,
            "total": format_money(invoice.gross_total, invoice.currency, reader_language()),
            "due": format_money(pay_now.due, invoice.currency, reader_language()),
            "pay_form": pay_form,
            "card_form": card_form,
        },
        frame=portal_frame(credential, "invoices"),
    )
