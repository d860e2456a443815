"""Reads of what an account is billed, shared by the Billing Center and the Corporate Billing
Portal: the invoice history by keyset pages, whether an invoice may be paid now, and which
invoices are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from seatwise.billing.orders import PURCHASE_SOURCES
from seatwise.core.money import quantize
from seatwise.core.paging import keyset_split
from seatwise.core.prepared import prepared
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import amount_due_given, invoice_amount_due

INVOICES_PER_PAGE = 25
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def invoice_in_account(*, account_id: int, invoice_id: int) -> Invoice | None:
    """One invoice or credit note of the account; another account's id is "not found"."""
    return Invoice.objects.filter(pk=invoice_id, account_id=account_id).first()


def invoice_history_page(
    *, account_id: int, after: int | None, limit: int = INVOICES_PER_PAGE
) -> tuple[list[Invoice], int | None]:
    """A keyset page of the account's invoices and credit notes, newest first (issue date,
    then id), and the id to continue after. Fetches ``limit + 1`` rows: no COUNT, no OFFSET.

    Each invoice carries ``credited_gross``, the gross of its credit notes, summed in the same
    query: with it ``amount_due`` below is ``invoicing.selectors.invoice_amount_due`` without
    a query per row.
    """
    if after is None:
        # The first page, as one opens it: a prepared query (seatwise.core.prepared).
        return keyset_split(_invoices_first(account_id, limit=limit), limit=limit)
    qs = _with_credited(Invoice.objects.filter(account_id=account_id).select_related("corrects"))
    if after is not None:
        cursor = (
            Invoice.objects.filter(pk=after, account_id=account_id)
            .values_list("issue_date", flat=True)
            .first()
        )
        if cursor is not None:
            qs = qs.filter(_before(cursor, after))
    return keyset_split(list(qs.order_by("-issue_date", "-id")[: limit + 1]), limit=limit)


@prepared
def _invoices_first(account_id: int, *, limit: int) -> QuerySet[Invoice]:
    qs = Invoice.objects.filter(account_id=account_id).select_related("corrects")
    return _with_credited(qs).order_by("-issue_date", "-id")[: limit + 1]


def _with_credited(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """``qs`` with ``credited_gross`` on each row: the gross of its credit notes, summed in the
    same query."""
    credited = (
        Invoice.objects.filter(corrects=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE)
        .order_by()
        .values("corrects")
        .annotate(total=Sum("gross_total"))
        .values("total")
    )
    return qs.annotate(
        credited_gross=Coalesce(
            Subquery(credited, output_field=_MONEY), Value(Decimal("0.00")), output_field=_MONEY
        )
    )


def _before(issue_date: date, invoice_id: int) -> Q:
    return Q(issue_date__lt=issue_date) | Q(issue_date=issue_date, id__lt=invoice_id)


def amount_due(invoice: Invoice) -> Decimal:
    """What is still to pay on an invoice of ``invoice_history_page`` (never below zero; a
    credit note owes nothing)."""
    credited = Decimal(getattr(invoice, "credited_gross", Decimal("0.00")))
    # SQLite sums decimals as floating point: back to whole cents.
    return quantize(amount_due_given(invoice, credited_gross=credited), invoice.currency)


@dataclass(frozen=True, slots=True)
class PayNow:
    """What is due on an invoice, and whether **Pay Now** is offered for it."""

    due: Decimal
    payable: bool


def invoice_pay_now(invoice: Invoice, *, due: Decimal | None = None) -> PayNow:
    """May this invoice be paid now, and how much is due (``due`` when the caller has it
    already, as a page of ``invoice_history_page`` has).

    Pay Now is offered for an open invoice with something due. The invoice of a seat purchase
    or a plan change is the exception: it is open only while its own charge's outcome is
    unknown (``billing.orders``), and paying it again could charge twice.
    """
    if due is None:
        due = invoice_amount_due(invoice)
    payable = (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status == Invoice.Status.OPEN
        and invoice.source not in PURCHASE_SOURCES
        and due > 0
    )
    return PayNow(due=due, payable=payable)


@dataclass(frozen=True, slots=True)
class Overdue:
    """An invoice past its due date with something still to pay."""

    invoice: Invoice
    due: Decimal


def invoices_overdue(*, account_id: int, on: date) -> list[Overdue]:
    """The account's invoices overdue on ``on``, oldest due date first: those for which Pay Now
    is offered (``invoice_pay_now``: open, something due, not a purchase's own) whose due date
    is before ``on``. An invoice due on day D is overdue from D + 1. What the query selects
    beforehand (open invoices due before ``on``) only narrows the rows ``invoice_pay_now``
    decides on."""
    rows = _with_credited(
        Invoice.objects.filter(
            account_id=account_id,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.OPEN,
            due_date__lt=on,
        )
    ).order_by("due_date", "id")
    overdue = []
    for invoice in rows:
        pay_now = invoice_pay_now(invoice, due=amount_due(invoice))
        if pay_now.payable:
            overdue.append(Overdue(invoice=invoice, due=pay_now.due))
    return overdue
