"""Invoices and credit notes, read-only: an account's documents and their archived files.

A document's file is the one archived at issue (``invoicing.archive``): the PDF/A-3 with its
EN 16931 CII embedded (Factur-X), or the UBL 2.1 XML. Every download of a document returns the
same bytes, whatever was paid or changed since. A document of another account is not found.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from seatwise.api.auth import actor_of, requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import Money, money
from seatwise.api.v1.lookups import IdPath, account_or_404
from seatwise.api.v1.paging import NextAfter, PageQuery, page
from seatwise.core.errors import NotFound
from seatwise.invoicing.archive import MEDIA_TYPES, PDF, UBL, document_file, file_name
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import invoice_of_account, invoices_page

router = Router(tags=["invoices"])


class InvoiceOut(Schema):
    id: int
    account_id: int
    kind: Literal["invoice", "credit_note"]
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    prepaid_amount: Money = Field(
        description="Account credit (set-off credit notes) applied at issue; 0.00 on credit notes."
    )
    paid_amount: Money = Field(description="Paid so far; 0.00 on credit notes.")
    status: Literal["open", "paid", "credited", "issued"]
    corrects_id: int | None = Field(description="A credit note: the invoice it corrects.")
    settlement: Literal["refund", "set_off", "none", ""] = Field(
        description='A credit note: how it is settled; "" on invoices (and on credit notes '
        "issued before credit notes said so)."
    )
    settlement_amount: Money = Field(
        description="A credit note: the amount refunded or set off; 0.00 otherwise."
    )

    @staticmethod
    def resolve_net_total(invoice: Invoice) -> str:
        return money(invoice.net_total, invoice.currency)

    @staticmethod
    def resolve_tax_total(invoice: Invoice) -> str:
        return money(invoice.tax_total, invoice.currency)

    @staticmethod
    def resolve_gross_total(invoice: Invoice) -> str:
        return money(invoice.gross_total, invoice.currency)

    @staticmethod
    def resolve_prepaid_amount(invoice: Invoice) -> str:
        return money(invoice.prepaid_amount, invoice.currency)

    @staticmethod
    def resolve_paid_amount(invoice: Invoice) -> str:
        return money(invoice.paid_amount, invoice.currency)

    @staticmethod
    def resolve_settlement_amount(invoice: Invoice) -> str:
        return money(invoice.settlement_amount, invoice.currency)


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_after: NextAfter


class DocumentQuery(Schema):
    format: Literal["pdf", "ubl"] = Field(
        "pdf",
        description="pdf: the PDF/A-3 with its EN 16931 CII embedded (Factur-X); ubl: the "
        "UBL 2.1 XML (EN 16931).",
    )


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/accounts/{account_id}/invoices",
    auth=requires(Scope.INVOICES_READ),
    response={200: InvoicePage, **errors(404)},
)
def list_invoices(
    request: HttpRequest, account_id: IdPath, query: Query[PageQuery]
) -> dict[str, Any]:
    """An account's invoices and credit notes, by id."""
    account = account_or_404(request, account_id)
    return page(*invoices_page(account_id=account.pk, after=query.after, limit=query.page_size()))


@router.get(
    "/accounts/{account_id}/invoices/{invoice_id}/document",
    auth=requires(Scope.INVOICES_READ),
    response=errors(404),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The document's archived file: the same bytes on every call.",
                "content": {MEDIA_TYPES[PDF]: _BINARY, MEDIA_TYPES[UBL]: _BINARY},
            }
        }
    },
)
def get_invoice_document(
    request: HttpRequest, account_id: IdPath, invoice_id: IdPath, query: Query[DocumentQuery]
) -> HttpResponse:
    """The archived PDF (Factur-X) or UBL 2.1 file of one of the account's documents."""
    account = account_or_404(request, account_id)
    invoice = invoice_of_account(account_id=account.pk, invoice_id=invoice_id)
    if invoice is None:
        raise NotFound("invoice_not_found", _("The account has no invoice with this id."))
    archived = document_file(invoice=invoice, file_format=query.format, by=actor_of(request))
    response = HttpResponse(bytes(archived.content), content_type=MEDIA_TYPES[query.format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file_name(invoice, query.format)
    )
    return response
