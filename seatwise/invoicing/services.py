"""Writes of the invoicing domain: issue invoices and credit notes, record payments.

Computing an invoice is separate from storing it (as in Kill Bill): the lines and totals come
from ``seatwise.pricing.lines`` (the same ``preview_*``/``term_line`` calls that showed the
price), and ``pricing.totals`` makes the totals; nothing here adds or rounds amounts of its
own. Storing a document is one transaction: lock the series counter, take the number, snapshot
the parties and the VAT, apply the account's open credit (an invoice), store the lines, hash
the document onto its chain, write the audit entry, and enqueue the archiving of its files
(``invoicing.archive``), which renders them once the transaction has committed, outside it.
Corrections are credit notes in their own series, never edits; a credit note says how it is
settled, and one settled by set-off opens an account credit for the next invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.accounts.purchase_orders import purchase_order_on
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, audit_record_many, snapshot
from seatwise.core.bulk import values_insert
from seatwise.core.errors import Invalid, Refused
from seatwise.core.memo import memo_scope
from seatwise.core.money import quantize
from seatwise.core.tasking import enqueue_many_on_commit
from seatwise.core.validation import check_characters
from seatwise.invoicing.chain import document_hash
from seatwise.invoicing.lock_objects import invoice_lock, open_credits_lock, series_lock
from seatwise.invoicing.models import (
    CONTENT_VERSION,
    CREDIT_NOTE_SERIES,
    INVOICE_SERIES,
    AccountCredit,
    AccountCreditApplication,
    Invoice,
    InvoiceLine,
)
from seatwise.invoicing.numbering import Allocated, chain_advance, numbers_allocate
from seatwise.invoicing.payment_means import payment_means_prime, payment_means_snapshot
from seatwise.invoicing.selectors import credited_of, document_for, invoice_amount_due
from seatwise.invoicing.seller import seller
from seatwise.invoicing.snapshot import (
    buyer_snapshot,
    corporate_user_id_of,
    credit_description,
    line_description,
    parties_prime,
    seller_snapshot,
    tax_note_in,
    term_unit_price_of,
    unit_price_of,
)
from seatwise.invoicing.tasks import documents_archive_task
from seatwise.pricing.lines import ProratedLine, Totals, totals
from seatwise.tax.decisions import TaxCategory, TaxDecision
from seatwise.tax.exchange import VatInAccountingCurrency, vat_in_accounting_currency

__all__ = [
    "InvoiceRequest",
    "credit_note_issue",
    "document_for",
    "invoice_issue",
    "invoice_record_payment",
    "invoices_issue_many",
]

INVOICE_AUDIT_FIELDS = [
    "number",
    "kind",
    "source",
    "issue_date",
    "currency",
    "net_total",
    "tax_total",
    "gross_total",
    "prepaid_amount",
    "paid_amount",
    "status",
    "settlement",
    "settlement_amount",
    "vat_currency",
    "vat_currency_tax_total",
    "corrects",
]
CREDIT_AUDIT_FIELDS = ["account", "currency", "amount", "remaining", "credit_note"]
MAX_DUE_DAYS = 365
# Documents rendered and archived by one task (a bill run's batch is spread over workers).
ARCHIVE_BATCH = 20
_SOURCES = frozenset(Invoice.Source.values)
_CATEGORY_OF_CODE: dict[str, TaxCategory] = {
    "S": "standard",
    "AE": "reverse_charge",
    "O": "outside_scope",
}


@dataclass(frozen=True, slots=True)
class _Line:
    """A line to store: the priced line, its text, and its period (None for a plain credit)."""

    priced: ProratedLine
    description: str
    dated: bool = True


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise Invalid(
            "invalid_idempotency_key",
            _("The idempotency key has 1 to 100 characters."),
            field="idempotency_key",
        )


def _replay(
    idempotency_key: str | None, *, account_id: int, kind: str, corrects_id: int | None = None
) -> Invoice | None:
    """The document already issued under this key, if any (a retry returns it unchanged)."""
    if idempotency_key is None:
        return None
    existing = Invoice.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        _replay_check(existing, account_id=account_id, kind=kind, corrects_id=corrects_id)
    return existing


def _replay_check(
    existing: Invoice, *, account_id: int, kind: str, corrects_id: int | None = None
) -> None:
    """Refuse a key used before for another document."""
    if (
        existing.account_id != account_id
        or existing.kind != kind
        or existing.corrects_id != corrects_id
    ):
        raise Refused(
            "idempotency_key_reused",
            _("This idempotency key was already used for another document."),
            field="idempotency_key",
        )


@dataclass(slots=True)
class _Document:
    """One document to number, hash and store (``_store_many``)."""

    kind: str
    series: str
    account: Account
    lines: Sequence[_Line]
    computed: Totals
    tax_note: str
    seller: dict[str, object]
    buyer: dict[str, object]
    language: str
    source: str
    issue_date: date
    due_date: date | None
    corporate_user_id: str
    purchase_order: str
    reason: str
    corrects: Invoice | None
    idempotency_key: str | None
    vat: VatInAccountingCurrency | None
    settlement: str = ""
    settlement_amount: Decimal = Decimal("0.00")
    prepayments: Sequence[tuple[AccountCredit, Decimal]] = ()
    payment_means: dict[str, object] = field(default_factory=dict)


def _unsaved(
    document: _Document, allocated: Allocated, previous_hash: str, *, now: datetime
) -> Invoice:
    """The invoice row of a numbered document, as an instance built from its values (every
    column given, no defaults to look up), its parties attached; its hash is still empty."""
    decision = document.computed.tax_decision
    prepayments = document.prepayments
    vat = document.vat
    computed = document.computed
    prepaid = sum((amount for _credit, amount in prepayments), Decimal("0.00"))
    status = (
        Invoice.Status.ISSUED.value
        if document.kind == Invoice.Kind.CREDIT_NOTE
        else Invoice.Status.PAID.value
        # covered in full by the account's credit
        if prepaid == computed.gross > 0
        else Invoice.Status.OPEN.value
    )
    invoice = _built(
        {
            "kind": document.kind,
            "series": allocated.series,
            "year": allocated.year,
            "sequence": allocated.sequence,
            "number": allocated.number,
            "account_id": document.account.pk,
            "status": status,
            "source": document.source,
            "issue_date": document.issue_date,
            "due_date": document.due_date,
            "currency": computed.currency,
            "language": document.language,
            "seller": document.seller,
            "buyer": document.buyer,
            "tax_category": decision.category_code,
            "tax_rate": decision.rate.quantize(Decimal("0.01")),  # percent
            "tax_rate_country": decision.rate_country,
            "tax_note": document.tax_note,
            "net_total": computed.net,
            "tax_total": computed.tax,
            "gross_total": computed.gross,
            "paid_amount": Decimal("0.00"),
            "prepaid_amount": prepaid,
            "prepayments": [
                {"credit_note": credit.credit_note.number, "amount": str(amount)}
                for credit, amount in prepayments
            ],
            "settlement": document.settlement,
            "settlement_amount": document.settlement_amount,
            "vat_currency": vat.currency if vat else "",
            "vat_currency_tax_total": vat.tax_total if vat else None,
            "vat_exchange_rate": vat.exchange_rate if vat else None,
            "vat_exchange_rate_date": vat.rate_date if vat else None,
            "payment_means": document.payment_means,
            "content_version": CONTENT_VERSION,
            "corporate_user_id": document.corporate_user_id,
            "purchase_order": document.purchase_order,
            "reason": document.reason,
            "corrects_id": document.corrects.pk if document.corrects else None,
            "idempotency_key": document.idempotency_key,
            "previous_hash": previous_hash,
            "hash": "",
            "created_at": now,
        },
    )
    # The parties the caller holds, so that reading them costs no query.
    invoice.account = document.account
    invoice.corrects = document.corrects
    return invoice


def _built(values: dict[str, object]) -> Invoice:
    """An invoice from its column values (the primary key None until stored): the positional
    form of the model's constructor, several times cheaper than keywords for a batch's
    thousands of rows."""
    return _invoice_of_columns(None, *[values[name] for name in _INVOICE_COLUMNS[1:]])


# Every column of the invoices' table in the model's order, the primary key first; and the
# model's constructor called with them in that order.
_INVOICE_COLUMNS = [field.attname for field in Invoice._meta.concrete_fields]
_invoice_of_columns: Callable[..., Invoice] = Invoice


class _LineRow(NamedTuple):
    """A line to store, in the columns' order after its invoice's (``InvoiceLine``): what the
    hash covers of it (``chain.LineContent``) and the row inserted, without a model instance."""

    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    term_unit_price: Decimal | None
    net_amount: Decimal
    period_start: date | None
    period_end: date | None


_LINE_COLUMNS = ("invoice_id", *_LineRow._fields)


def _line_rows(document: _Document) -> list[_LineRow]:
    return [
        _LineRow(
            position=position,
            description=line.description[:300],
            # A negative line (a plan change's credit) has a negative quantity and a positive
            # unit price (EN 16931 BR-27).
            quantity=Decimal(
                -line.priced.quantity if line.priced.amount < 0 else line.priced.quantity
            ),
            unit_price=unit_price_of(line.priced),
            term_unit_price=term_unit_price_of(line.priced) if line.dated else None,
            net_amount=line.priced.amount,
            period_start=line.priced.period_start if line.dated else None,
            period_end=line.priced.period_end - timedelta(days=1) if line.dated else None,
        )
        for position, line in enumerate(document.lines, start=1)
    ]


def _store_many(documents: Sequence[_Document]) -> list[Invoice]:
    """Number, hash and store documents, in their order. Call inside the issuing transaction.

    The documents of one series and year take their numbers as one block from their counter,
    locked once (counters in series and year order, so two batches never wait on each other
    crosswise); each document's hash links to the one before it on the chain, and the counter
    keeps the last. Documents and lines are inserted set-based, as plain rows
    (``core.bulk.values_insert``). Their PDF and UBL are rendered and archived by workers once
    the transaction has committed (``ARCHIVE_BATCH`` documents per task; the task row commits
    with it on the database backend), never inside it.
    """
    chains: dict[tuple[str, int], list[int]] = {}
    for index, document in enumerate(documents):
        chains.setdefault((document.series, document.issue_date.year), []).append(index)
    invoices: list[Invoice | None] = [None] * len(documents)
    rows_of: list[list[_LineRow]] = [[] for _document in documents]
    now = timezone.now()
    for (series, year), indexes in sorted(chains.items()):
        counter = series_lock(series=series, year=year)
        previous_hash = counter.last_hash
        for index, allocated in zip(
            indexes, numbers_allocate(counter=counter, count=len(indexes)), strict=True
        ):
            document = documents[index]
            invoice = _unsaved(document, allocated, previous_hash, now=now)
            rows = _line_rows(document)
            corrects = document.corrects
            invoice.hash = document_hash(
                invoice, rows, corrects_number=corrects.number if corrects else ""
            )
            previous_hash = invoice.hash
            invoices[index], rows_of[index] = invoice, rows
        chain_advance(counter=counter, document_hash=previous_hash)
    stored = [invoice for invoice in invoices if invoice is not None]
    names = _INVOICE_COLUMNS[1:]
    keys = values_insert(
        Invoice,
        names,
        [[getattr(invoice, name) for name in names] for invoice in stored],
        returning=("id",),
    )
    for invoice, (key,) in zip(stored, keys, strict=True):
        invoice.pk = key
        invoice._state.adding = False
        invoice._state.db = Invoice.objects.db
    values_insert(
        InvoiceLine,
        _LINE_COLUMNS,
        [(invoice.pk, *row) for invoice, rows in zip(stored, rows_of, strict=True) for row in rows],
    )
    enqueue_many_on_commit(
        documents_archive_task,
        [
            {"invoice_ids": [invoice.pk for invoice in stored[first : first + ARCHIVE_BATCH]]}
            for first in range(0, len(stored), ARCHIVE_BATCH)
        ],
    )
    return stored


def _credits_to_apply(
    documents: Sequence[_Document], *, wanted: Sequence[bool]
) -> list[list[tuple[AccountCredit, Decimal]]]:
    """What the accounts' open credits (locked, in one query) give to each document that
    ``wanted`` them: oldest credit first, never more than the document's gross; two documents
    of one account in a batch share its credits in their order."""
    account_ids = sorted(
        {doc.account.pk for doc, want in zip(documents, wanted, strict=True) if want}
    )
    open_credits: dict[tuple[int, str], list[AccountCredit]] = {}
    for credit in open_credits_lock(account_ids=account_ids):
        open_credits.setdefault((credit.account_id, credit.currency), []).append(credit)
    left = {credit.pk: credit.remaining for credits in open_credits.values() for credit in credits}
    plans: list[list[tuple[AccountCredit, Decimal]]] = []
    for document, want in zip(documents, wanted, strict=True):
        plan: list[tuple[AccountCredit, Decimal]] = []
        gross = document.computed.gross if want else Decimal("0.00")
        for credit in open_credits.get((document.account.pk, document.computed.currency), []):
            if gross <= 0:
                break
            amount = min(left[credit.pk], gross)
            if amount > 0:
                plan.append((credit, amount))
                left[credit.pk] -= amount
                gross -= amount
        plans.append(plan)
    return plans


def _credit_apply(
    *, invoice: Invoice, plan: Sequence[tuple[AccountCredit, Decimal]], by: Actor
) -> None:
    """Record the credit ``invoice`` used at its issue: one application per credit, each
    credit's ``remaining`` reduced, each change audited."""
    for credit, amount in plan:
        old = snapshot(credit, ["remaining"])
        credit.remaining -= amount
        credit.save(update_fields=["remaining"])
        AccountCreditApplication.objects.create(credit=credit, invoice=invoice, amount=amount)
        audit_record(
            by=by,
            action="account_credit.apply",
            obj=credit,
            account_id=invoice.account_id,
            old=old,
            new={
                **snapshot(credit, ["remaining"]),
                "amount": str(amount),
                "invoice": invoice.number,
                "credit_note": credit.credit_note.number,
            },
        )


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One invoice to issue (``invoice_issue`` describes each field)."""

    account: Account
    lines: Sequence[ProratedLine]
    tax: TaxDecision
    source: str
    idempotency_key: str | None = None
    issue_date: date | None = None
    due_days: int = 14
    purchase_order: str | None = None
    apply_credit: bool = True


def _invoice_document(request: InvoiceRequest) -> _Document:
    """The checked, computed document of a request (nothing written); Invalid or Refused as
    ``invoice_issue`` describes."""
    account, lines, tax = request.account, request.lines, request.tax
    _check_key(request.idempotency_key)
    on = request.issue_date or timezone.localdate()
    purchase_order = request.purchase_order
    if purchase_order is None:
        purchase_order = purchase_order_on(account, on=on)
    if request.source not in _SOURCES or request.source == Invoice.Source.CORRECTION:
        raise Invalid("invalid_source", _("Unknown invoice source."), field="source")
    if not lines:
        raise Invalid("no_lines", _("An invoice has at least one line."), field="lines")
    due_days = request.due_days
    if isinstance(due_days, bool) or not 0 <= due_days <= MAX_DUE_DAYS:
        raise Invalid(
            "invalid_due_days",
            _("Payment is due within 0 to %(max)d days.") % {"max": MAX_DUE_DAYS},
            field="due_days",
        )
    if len(purchase_order) > 64:
        raise Invalid(
            "invalid_purchase_order",
            _("The purchase order number has at most 64 characters."),
            field="purchase_order",
        )
    if any(line.currency != account.currency for line in lines):
        raise Invalid(
            "currency_mismatch",
            _("Every line must be in the account's currency."),
            field="lines",
        )
    computed = totals(lines=lines, tax=tax, currency=account.currency)
    if computed.gross < 0:
        raise Refused(
            "negative_invoice",
            _("An invoice cannot be negative; issue a credit note instead."),
            field="lines",
        )
    language = account.language
    return _Document(
        kind=Invoice.Kind.INVOICE,
        series=INVOICE_SERIES,
        account=account,
        lines=[
            _Line(priced=line, description=line_description(line=line, language=language))
            for line in lines
        ],
        computed=computed,
        tax_note=tax_note_in(tax=tax, language=language),
        seller=seller_snapshot(),
        buyer=buyer_snapshot(account=account, tax=tax),
        language=language,
        source=request.source,
        issue_date=on,
        due_date=on + timedelta(days=due_days),
        corporate_user_id=corporate_user_id_of(account),
        purchase_order=purchase_order,
        reason="",
        corrects=None,
        idempotency_key=request.idempotency_key,
        vat=vat_in_accounting_currency(
            seller_country=seller().country,
            invoice_currency=computed.currency,
            tax_category=tax.category_code,
            tax_total=computed.tax,
            on=on,
        ),
        payment_means=payment_means_snapshot(account=account, currency=computed.currency),
    )


def invoices_issue_many(requests: Sequence[InvoiceRequest], *, by: Actor) -> list[Invoice]:
    """Issue the invoices of ``requests`` together (a bill run's batch), in their order.

    Each is the invoice ``invoice_issue`` would issue for it, but the batch is one
    transaction (the caller's, if any): the numbers of a series and year are one block under
    one counter lock, the documents, their lines and their audit entries are inserted
    set-based, and the accounts' open credits are read in one locked query. A request whose
    ``idempotency_key`` was issued before gets that invoice, unchanged. A request that is
    invalid refuses the whole batch (Invalid, Refused) and nothing is written.
    """
    with memo_scope():
        account_ids = {request.account.pk for request in requests}
        parties_prime(account_ids)
        payment_means_prime(account_ids)
        documents = [_invoice_document(request) for request in requests]
    keys = [request.idempotency_key for request in requests if request.idempotency_key]
    earlier = {
        invoice.idempotency_key: invoice
        for invoice in Invoice.objects.filter(idempotency_key__in=keys)
    }
    replayed: list[Invoice | None] = []
    for request in requests:
        existing = earlier.get(request.idempotency_key or "")
        if existing is not None:
            _replay_check(existing, account_id=request.account.pk, kind=Invoice.Kind.INVOICE)
        replayed.append(existing)
    new = [
        (document, request)
        for document, request, existing in zip(documents, requests, replayed, strict=True)
        if existing is None
    ]
    issued: list[Invoice] = []
    with transaction.atomic():
        if new:
            plans = _credits_to_apply(
                [document for document, _request in new],
                wanted=[
                    document.computed.gross > 0 and request.apply_credit
                    for document, request in new
                ],
            )
            for (document, _request), plan in zip(new, plans, strict=True):
                document.prepayments = plan
            issued = _store_many([document for document, _request in new])
            audit_record_many(
                by=by,
                action="invoice.issue",
                model=Invoice,
                entries=[
                    (invoice.pk, invoice.account_id, snapshot(invoice, INVOICE_AUDIT_FIELDS))
                    for invoice in issued
                ],
            )
            for invoice, plan in zip(issued, plans, strict=True):
                _credit_apply(invoice=invoice, plan=plan, by=by)
    fresh = iter(issued)
    return [existing if existing is not None else next(fresh) for existing in replayed]


def invoice_issue(
    *,
    account: Account,
    lines: Sequence[ProratedLine],
    tax: TaxDecision,
    source: str,
    by: Actor,
    idempotency_key: str | None = None,
    issue_date: date | None = None,
    due_days: int = 14,
    purchase_order: str | None = None,
    apply_credit: bool = True,
) -> Invoice:
    """Issue an invoice of ``lines`` (from ``pricing.lines``) with VAT ``tax`` to ``account``.

    The totals are ``pricing.totals`` of the lines, so an invoice built from a preview's lines
    shows the preview's amounts to the cent. The seller, the buyer, the VAT and its legal note
    (in the account's language) are snapshotted. The number is the next of series ``INV`` in
    the year of ``issue_date``. Issuing again with the same ``idempotency_key`` (a retried
    order or renewal) returns the invoice issued the first time and writes nothing. Without a
    ``purchase_order`` the account's purchase-order number (Corporate Billing Portal, Account
    tab) is printed, unless it has expired by the issue date
    (``accounts.purchase_orders.purchase_order_on``). How it is to be paid is the account's
    Payment Profile today (``invoicing.payment_means``), stored with it.

    Unless ``apply_credit`` is False (a purchase whose card is charged its gross at once), the
    account's open credit in the invoice's currency (credit notes settled by set-off) is
    applied, oldest first and never beyond the gross: the invoice records it as
    ``prepaid_amount`` (EN 16931 BT-113, with the credit notes' numbers), is due for the rest
    (``selectors.invoice_amount_payable``), and is issued ``paid`` when the credit covers it.
    A standard-rated invoice in another currency than the seller's national one states its
    VAT in that currency at the ECB rate of the issue date (``tax.exchange``); without a rate
    on record it is refused (``exchange_rate_missing``) and nothing is written.
    """
    request = InvoiceRequest(
        account=account,
        lines=lines,
        tax=tax,
        source=source,
        idempotency_key=idempotency_key,
        issue_date=issue_date,
        due_days=due_days,
        purchase_order=purchase_order,
        apply_credit=apply_credit,
    )
    try:
        [invoice] = invoices_issue_many([request], by=by)
    except IntegrityError:
        # Only a concurrent issue under the same key gets here (it won the unique key); the
        # whole transaction, number included, was rolled back, so no number is lost.
        replayed = _replay(idempotency_key, account_id=account.pk, kind="invoice")
        if replayed is None:
            raise
        return replayed
    return invoice


def _snapshot_decision(invoice: Invoice) -> TaxDecision:
    """The VAT of ``invoice`` as issued: a credit note corrects it at the same rate."""
    return TaxDecision(
        category=_CATEGORY_OF_CODE[invoice.tax_category],
        rate=invoice.tax_rate,
        rate_country=invoice.tax_rate_country,
        legal_note=invoice.tax_note,
        buyer_vat_id=str(invoice.buyer.get("vat_id", "")),
    )


def _vat_of_correction(corrected: Invoice, tax: Decimal) -> VatInAccountingCurrency | None:
    """A credit note adjusts the VAT in the accounting currency at the corrected invoice's
    rate (the VAT declared for it is what is adjusted)."""
    if not corrected.vat_currency or corrected.vat_exchange_rate is None:
        return None
    assert corrected.vat_exchange_rate_date is not None
    return VatInAccountingCurrency(
        currency=corrected.vat_currency,
        tax_total=quantize(tax / corrected.vat_exchange_rate, corrected.vat_currency),
        exchange_rate=corrected.vat_exchange_rate,
        rate_date=corrected.vat_exchange_rate_date,
    )


def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    settlement: str,
    by: Actor,
    amount_net: Decimal | None = None,
    lines: Sequence[ProratedLine] | None = None,
    idempotency_key: str | None = None,
    issue_date: date | None = None,
    refundable: Decimal | None = None,
) -> Invoice:
    """Credit part or all of ``invoice`` by a credit note (series ``CN``), never an edit.

    Give either ``amount_net`` (one line "Credit: <reason>") or ``lines`` (positive amounts,
    e.g. the corrected invoice's own lines). The VAT is the corrected invoice's, applied by
    ``pricing.totals``. A credit note never takes more than remains creditable: the net, the
    VAT and the gross of all credit notes of an invoice each stay within the invoice's; a
    refusal changes nothing. When credits and payments settle the invoice, its status
    becomes ``credited`` (or stays ``paid``).

    ``settlement`` (``Invoice.Settlement``) says what the buyer gets, and the document says
    it: the part of the credit beyond what was still due on the invoice (paid, or covered by
    account credit) goes back to the buyer, by ``refund`` (the payments domain refunds
    ``settlement_amount`` to the original payment method) or by ``set_off`` (an account credit
    of that amount, used up by the account's next invoices); ``none`` only when nothing goes
    back (a void or a reduction of an unpaid amount). A settlement that does not fit the
    amounts is refused: ``credit_settlement_needed`` (money goes back, ``none`` given) or
    ``nothing_to_settle`` (nothing goes back, ``refund`` or ``set_off`` given), and
    ``refund_exceeds_payments`` when a refund would give back more than ``refundable`` (what
    the caller counted that the invoice's payments can still give back).
    """
    _check_key(idempotency_key)
    if settlement not in Invoice.Settlement.values:
        raise Invalid(
            "invalid_settlement",
            _("Say how the credit note is settled: refund, set_off or none."),
            field="settlement",
        )
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Refused("not_an_invoice", _("Only an invoice can be credited."), field="invoice")
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise Invalid("invalid_reason", _("Give a reason of 1 to 200 characters."), field="reason")
    # Printed on the credit note and its e-invoice.
    check_characters(reason, field="reason")
    if (amount_net is None) == (lines is None):
        raise Invalid(
            "amount_or_lines", _("Give either an amount or lines to credit."), field="amount_net"
        )
    currency = invoice.currency
    language = invoice.language
    on = issue_date or timezone.localdate()
    if on < invoice.issue_date:
        raise Invalid(
            "credit_before_invoice",
            _("A credit note cannot be dated before the invoice it corrects."),
            field="issue_date",
        )
    to_store: list[_Line]
    if amount_net is not None:
        if (
            not isinstance(amount_net, Decimal)
            or not amount_net.is_finite()
            or amount_net <= 0
            or quantize(amount_net, currency) != amount_net
        ):
            raise Invalid(
                "invalid_amount",
                _("The amount is positive, in the currency's minor unit."),
                field="amount_net",
            )
        one = ProratedLine(
            kind="term",
            plan_code="",
            quantity=1,
            unit_amount=amount_net,
            currency=currency,
            period_start=on,
            period_end=on + timedelta(days=1),
            days=1,
            term_days=1,
            amount=amount_net,
        )
        to_store = [
            _Line(
                priced=one,
                description=credit_description(reason=reason, language=language),
                dated=False,
            )
        ]
    else:
        assert lines is not None
        if not lines or any(line.amount <= 0 or line.currency != currency for line in lines):
            raise Invalid(
                "invalid_credit_lines",
                _("Credit lines are positive amounts in the invoice's currency."),
                field="lines",
            )
        to_store = [
            _Line(priced=line, description=line_description(line=line, language=language))
            for line in lines
        ]
    computed = totals(
        lines=[line.priced for line in to_store],
        tax=_snapshot_decision(invoice),
        currency=currency,
    )
    replayed = _replay(
        idempotency_key, account_id=invoice.account_id, kind="credit_note", corrects_id=invoice.pk
    )
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            corrected = invoice_lock(invoice.pk)
            credited = credited_of(corrected)
            owed_back = max(computed.gross - invoice_amount_due(corrected), Decimal("0.00"))
            if (
                computed.net > corrected.net_total - credited.net
                or computed.tax > corrected.tax_total - credited.tax
                or computed.gross > corrected.gross_total - credited.gross
            ):
                raise Refused(
                    "credit_exceeds_invoice",
                    _("The credit exceeds what remains creditable on invoice %(number)s.")
                    % {"number": corrected.number},
                    field="amount_net",
                )
            if settlement == Invoice.Settlement.NONE and owed_back > 0:
                raise Refused(
                    "credit_settlement_needed",
                    _(
                        "%(amount)s of this credit goes back to the buyer: settle it by refund "
                        "or set-off."
                    )
                    % {"amount": owed_back},
                    field="settlement",
                )
            if (
                settlement == Invoice.Settlement.REFUND
                and refundable is not None
                and owed_back > refundable
            ):
                # What the payments of the invoice can give back (the caller's count): a refund
                # goes through the gateway, on the charges that paid the invoice.
                raise Refused(
                    "refund_exceeds_payments",
                    _(
                        "The card payments of invoice %(number)s can give back %(refundable)s, "
                        "not %(amount)s: set the credit off against the next invoice."
                    )
                    % {"number": corrected.number, "refundable": refundable, "amount": owed_back},
                    field="settlement",
                )
            if settlement != Invoice.Settlement.NONE and owed_back == 0:
                raise Refused(
                    "nothing_to_settle",
                    _(
                        "Nothing of this credit goes back to the buyer: it only reduces what "
                        "is due on invoice %(number)s."
                    )
                    % {"number": corrected.number},
                    field="settlement",
                )
            [note] = _store_many(
                [
                    _Document(
                        kind=Invoice.Kind.CREDIT_NOTE,
                        series=CREDIT_NOTE_SERIES,
                        account=corrected.account,
                        lines=to_store,
                        computed=computed,
                        tax_note=corrected.tax_note,
                        seller=seller_snapshot(),
                        buyer=corrected.buyer,
                        language=language,
                        source=Invoice.Source.CORRECTION,
                        issue_date=on,
                        due_date=None,
                        corporate_user_id=corrected.corporate_user_id,
                        purchase_order=corrected.purchase_order,
                        reason=reason,
                        corrects=corrected,
                        idempotency_key=idempotency_key,
                        vat=_vat_of_correction(corrected, computed.tax),
                        settlement=settlement,
                        settlement_amount=owed_back,
                    )
                ]
            )
            audit_record(
                by=by,
                action="credit_note.issue",
                obj=note,
                account_id=corrected.account_id,
                new={**snapshot(note, INVOICE_AUDIT_FIELDS), "reason": reason},
            )
            if settlement == Invoice.Settlement.SET_OFF:
                credit = AccountCredit.objects.create(
                    account_id=corrected.account_id,
                    currency=note.currency,
                    amount=owed_back,
                    remaining=owed_back,
                    credit_note=note,
                )
                audit_record(
                    by=by,
                    action="account_credit.open",
                    obj=credit,
                    account_id=corrected.account_id,
                    new={**snapshot(credit, CREDIT_AUDIT_FIELDS), "credit_note": note.number},
                )
            if corrected.status == Invoice.Status.OPEN and invoice_amount_due(corrected) == 0:
                old = snapshot(corrected, ["status"])
                corrected.status = Invoice.Status.CREDITED
                corrected.save(update_fields=["status"])
                audit_record(
                    by=by,
                    action="invoice.settle",
                    obj=corrected,
                    account_id=corrected.account_id,
                    old=old,
                    new={**snapshot(corrected, ["status"]), "credit_note": note.number},
                )
    except IntegrityError:
        replayed = _replay(
            idempotency_key,
            account_id=invoice.account_id,
            kind="credit_note",
            corrects_id=invoice.pk,
        )
        if replayed is None:
            raise
        return replayed
    return note


def invoice_record_payment(
    *, invoice: Invoice, amount: Decimal, reference: str, by: Actor
) -> Invoice:
    """Record a payment of ``amount`` on ``invoice`` (called by the payments domain).

    Partial payments add up; a payment above the amount still due (gross, less payments and
    credit notes) is refused and changes nothing. The invoice becomes ``paid`` when nothing
    remains due. Only ``paid_amount`` and ``status`` change: the issued document does not.
    ``reference`` (the payment's own id) goes to the audit entry.
    """
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Refused("not_an_invoice", _("Only an invoice can be paid."), field="invoice")
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount <= 0
        or quantize(amount, invoice.currency) != amount
    ):
        raise Invalid(
            "invalid_amount",
            _("The amount is positive, in the currency's minor unit."),
            field="amount",
        )
    if not 1 <= len(reference) <= 100:
        raise Invalid(
            "invalid_reference",
            _("The payment reference has 1 to 100 characters."),
            field="reference",
        )
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        due = invoice_amount_due(locked)
        if amount > due:
            raise Refused(
                "payment_exceeds_amount_due",
                _("The payment exceeds the amount due on invoice %(number)s.")
                % {"number": locked.number},
                field="amount",
            )
        old = snapshot(locked, ["paid_amount", "status"])
        locked.paid_amount += amount
        if amount == due:
            locked.status = Invoice.Status.PAID
        locked.save(update_fields=["paid_amount", "status"])
        audit_record(
            by=by,
            action="invoice.record_payment",
            obj=locked,
            account_id=locked.account_id,
            old=old,
            new={
                **snapshot(locked, ["paid_amount", "status"]),
                "amount": str(amount),
                "reference": reference,
            },
        )
    invoice.paid_amount = locked.paid_amount
    invoice.status = locked.status
    return locked
