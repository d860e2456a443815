"""The invoice history: the account's invoices and credit notes by keyset pages, each as its
archived PDF and UBL, credit notes with their settlement, the account's open credit, and **Pay
Now** of an open invoice by the card on file."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from seatwise.billing.invoice_payments import invoice_pay
from seatwise.billing.orders import PURCHASE_SOURCES
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
from seatwise.portals.billing_center.access import BillingAdmin, billing_admin_required
from seatwise.portals.billing_center.forms import PayForm, new_form_key
from seatwise.portals.invoice_history import document_download, open_credit, settlements_of
from seatwise.portals.shared import id_param, page_query, render_page


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note as the history shows it, amounts formatted for the reader."""

    invoice: Invoice
    total: str
    due: str | None  # None for a credit note: it is never paid
    payable: bool = False  # Pay Now is offered
    settlement: str = ""  # a credit note: refunded, set off, or nothing to settle


def _invoice_row(invoice: Invoice, language: str, settlements: dict[int, str]) -> InvoiceRow:
    total = format_money(invoice.gross_total, invoice.currency, language)
    if invoice.kind != Invoice.Kind.INVOICE:
        return InvoiceRow(
            invoice=invoice, total=total, due=None, settlement=settlements.get(invoice.pk, "")
        )
    pay_now = invoice_pay_now(invoice, due=amount_due(invoice))
    return InvoiceRow(
        invoice=invoice,
        total=total,
        due=format_money(pay_now.due, invoice.currency, language),
        payable=pay_now.payable,
    )


@login_required
@require_safe
@billing_admin_required
def invoices(request: HttpRequest, admin: BillingAdmin) -> HttpResponse:
    """Invoice history: the account's invoices and credit notes, newest first, by pages."""
    after = id_param(request, "after")
    page, next_after = invoice_history_page(
        account_id=admin.account.pk, after=after, limit=INVOICES_PER_PAGE
    )
    language = admin.person.language
    settlements = settlements_of(page, language)
    return render_page(
        request,
        "billing_center/invoices.html",
        {
            "rows": [_invoice_row(invoice, language, settlements) for invoice in page],
            "open_credit": open_credit(
                account_id=admin.account.pk, currency=admin.account.currency, language=language
            ),
            "next_query": page_query(after=next_after) if next_after else None,
            "first_page": after is not None,
        },
        frame=admin.frame("invoices"),
    )


@login_required
@require_safe
@billing_admin_required
def invoice_download(request: HttpRequest, admin: BillingAdmin, invoice_id: int) -> HttpResponse:
    """The issued document as its archived PDF (Factur-X): the same bytes every time."""
    return _download(admin, invoice_id, PDF)


@login_required
@require_safe
@billing_admin_required
def invoice_ubl_download(
    request: HttpRequest, admin: BillingAdmin, invoice_id: int
) -> HttpResponse:
    """The issued document as its archived UBL 2.1 XML (EN 16931), beside the PDF."""
    return _download(admin, invoice_id, UBL)


def _download(admin: BillingAdmin, invoice_id: int, file_format: str) -> HttpResponse:
    invoice = invoice_in_account(account_id=admin.account.pk, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return document_download(invoice=invoice, file_format=file_format, by=admin.actor)


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
    pay_now = invoice_pay_now(invoice)
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
    if not pay_now.payable:
        messages.info(
            request,
            _("Invoice %(number)s has nothing to pay now.") % {"number": invoice.number},
        )
        return redirect("billing:invoices")
    return render_page(
        request,
        "billing_center/invoice_pay.html",
        {
            "invoice": invoice,
            "total": format_money(invoice.gross_total, invoice.currency, language),
            "due": format_money(pay_now.due, invoice.currency, language),
            "payment_method": card,
            "form": PayForm(initial={"form_key": new_form_key()}),
        },
        frame=admin.frame("invoices"),
    )
