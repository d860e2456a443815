"""What both portals' invoice histories share: the download of an issued document's archived
file (PDF or UBL), what a credit note's settlement came to, and the account's open credit.

A download serves the bytes archived once (``invoicing.archive.document_file``): the same
file every time, whatever was paid, renamed or re-priced since. Who may download is each
portal's own check (role and account), done by its view before it calls this.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from seatwise.audit.actors import Actor
from seatwise.core.money import format_money
from seatwise.invoicing.archive import MEDIA_TYPES, document_file, file_name
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import account_credit_open
from seatwise.payments.models import Refund
from seatwise.payments.selectors import refunds_by_credit_note


def document_download(*, invoice: Invoice, file_format: str, by: Actor) -> HttpResponse:
    """The archived file of ``invoice`` as an attachment (archived now if it was not yet)."""
    archived = document_file(invoice=invoice, file_format=file_format, by=by)
    response = HttpResponse(bytes(archived.content), content_type=MEDIA_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file_name(invoice, file_format)
    )
    return response


def settlement_text(note: Invoice, refund: Refund | None, language: str) -> str:
    """What became of a credit note's amount, for its row in the history ("" on an invoice,
    and on a credit note issued before credit notes said how they are settled)."""
    amount = format_money(note.settlement_amount, note.currency, language)
    if note.settlement == Invoice.Settlement.SET_OFF:
        return gettext("%(amount)s set off against your next invoices") % {"amount": amount}
    if note.settlement == Invoice.Settlement.NONE:
        return gettext("Nothing to settle: it reduced the amount due on the invoice")
    if note.settlement != Invoice.Settlement.REFUND:
        return ""
    status = refund.status if refund is not None else Refund.Status.PENDING
    if status == Refund.Status.SUCCEEDED:
        text = gettext("%(amount)s refunded to the original payment method")
    elif status in (Refund.Status.FAILED, Refund.Status.NOT_ATTEMPTED):
        text = gettext("Refund of %(amount)s failed: please contact customer service")
    else:
        text = gettext("Refund of %(amount)s to the original payment method in progress")
    return text % {"amount": amount}


def settlements_of(page: list[Invoice], language: str) -> dict[int, str]:
    """The settlement text of each credit note of a history page, in one query for all."""
    notes = [invoice for invoice in page if invoice.kind == Invoice.Kind.CREDIT_NOTE]
    refunds = refunds_by_credit_note(
        note.pk for note in notes if note.settlement == Invoice.Settlement.REFUND
    )
    return {note.pk: settlement_text(note, refunds.get(note.pk), language) for note in notes}


@dataclass(frozen=True, slots=True)
class OpenCredit:
    amount: str  # formatted for the reader; "" when the account has none


def open_credit(*, account_id: int, currency: str, language: str) -> OpenCredit:
    """The credit (set-off credit notes) the account's next invoices will use."""
    credit = account_credit_open(account_id=account_id, currency=currency)
    return OpenCredit(amount=format_money(credit, currency, language) if credit > 0 else "")
