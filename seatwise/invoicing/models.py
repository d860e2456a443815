"""Issued invoices and credit notes, their lines, and the counters that number them.

Invariants (the services in ``seatwise.invoicing.services`` are the only writers):

- A document is issued once, complete, in one transaction: its number, its snapshot of seller,
  buyer, VAT and totals, its lines, the account credit it applied, and its chain hash. After
  that only ``paid_amount`` and ``status`` of an invoice change (by ``invoice_record_payment``
  and credit notes); ``save()`` refuses any other change and ``delete()`` refuses outright. A
  write that bypasses the ORM guard (a queryset ``update``/``delete``, raw SQL) is caught by
  ``manage.py verify_invoice_chain``. Its files (PDF/A-3 with CII, UBL) are rendered once and
  archived (``ArchivedDocument``), bound to the document's hash.
- Numbers are ``<series>-<year>-<sequence:06d>``, gapless per series and year, allocated from
  the locked ``DocumentSeries`` row (never a database sequence) and backed by unique
  constraints on ``(series, year, sequence)`` and on ``number``.
- ``gross = net + tax`` (check constraint); an invoice's ``paid_amount`` (payments) and
  ``prepaid_amount`` (account credit applied at issue) add up to at most its gross; a credit
  note has positive totals, nothing paid, names the invoice it corrects and says how it is
  settled (``settlement``).
- ``content_version`` says which canonical content the hash covers (``invoicing.chain``):
  documents issued before the settlement, the account credit, the VAT in the accounting
  currency and the exact unit prices were part of it keep version 1, those issued before the
  payment means were part of it version 2, so their hashes still verify.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.core.models import ChoiceLabels
from seatwise.core.prefix import prefix_index

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
GENESIS_HASH = "0" * 64
# The canonical content (``invoicing.chain``) of the documents issued now.
CONTENT_VERSION = 3


class ImmutableDocument(Exception):
    """An issued invoice or credit note was about to be changed or deleted through the ORM."""


class WriteOnce(models.Model):
    """A row written once and never changed or deleted through the ORM (``save()`` of a stored
    row and ``delete()`` raise ``ImmutableDocument``); ``verify_invoice_chain`` catches what
    bypasses the ORM. ``never_changes`` and ``never_deleted`` say what the row is."""

    never_changes: ClassVar[str]
    never_deleted: ClassVar[str]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocument(self.never_changes)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument(self.never_deleted)


class DocumentSeries(models.Model):
    """The number counter of one series in one year, and the head of its hash chain.

    ``next_number`` is the sequence the next document gets; ``last_hash`` is the hash of the
    last document issued (``GENESIS_HASH`` before the first). Both change only under this
    row's lock, in the transaction that issues the document.
    """

    series = models.CharField(_("series"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    next_number = models.PositiveIntegerField(_("next number"), default=1)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("document series")
        verbose_name_plural = _("document series")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_series_year_unique"),
            models.CheckConstraint(
                condition=Q(next_number__gte=1), name="document_series_next_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}"


class Invoice(ChoiceLabels):
    """An issued invoice or credit note: an immutable snapshot plus its payment state."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        # Settled in full, partly or wholly by credit notes.
        CREDITED = "credited", _("Credited")
        # A credit note: a document of its own, never paid.
        ISSUED = "issued", _("Issued")

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        RENEWAL = "renewal", _("Renewal")
        PLAN_CHANGE = "plan_change", _("Plan change")
        SEATS = "seats", _("Seats added")
        CORRECTION = "correction", _("Correction")

    class Settlement(models.TextChoices):
        """How a credit note is settled: what the buyer gets for it (printed on it)."""

        REFUND = "refund", _("Refunded to the original payment method")
        SET_OFF = "set_off", _("Set off against your next invoice")
        NONE = "none", _("Nothing to settle: the invoice was not paid")

    MUTABLE_FIELDS = frozenset({"paid_amount", "status"})

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    series = models.CharField(_("series"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=32, unique=True)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=5)
    # Snapshots at issue (plain JSON, strings for amounts): see seatwise.invoicing.snapshot.
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    tax_category = models.CharField(_("VAT category"), max_length=2)  # EN 16931: S, AE, O
    tax_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    tax_rate_country = models.CharField(_("VAT rate country"), max_length=2, blank=True)
    tax_note = models.TextField(_("VAT note"), blank=True)
    net_total = models.DecimalField(_("net total"), max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(_("VAT total"), max_digits=14, decimal_places=2)
    gross_total = models.DecimalField(_("gross total"), max_digits=14, decimal_places=2)
    paid_amount = models.DecimalField(_("paid amount"), max_digits=14, decimal_places=2, default=0)
    # EN 16931 BT-113 as issued: the account credit (set-off credit notes) applied at issue,
    # and which credit notes it came from ([{"credit_note": number, "amount": "12.00"}]).
    prepaid_amount = models.DecimalField(
        _("credit applied"), max_digits=14, decimal_places=2, default=0
    )
    prepayments = models.JSONField(_("credit notes applied"), default=list, blank=True)
    # A credit note: how it is settled, and the amount refunded or set off (the rest of it
    # only reduces what was still due on the corrected invoice). Blank and 0 on invoices.
    settlement = models.CharField(
        _("settlement"), max_length=8, choices=Settlement.choices, blank=True
    )
    settlement_amount = models.DecimalField(
        _("amount settled"), max_digits=14, decimal_places=2, default=0
    )
    # The VAT in the seller's national currency (EN 16931 BT-6, BT-111) when the document is
    # in another one (``tax.exchange``): the ECB rate (invoice currency units per unit of
    # ``vat_currency``) and its day.
    vat_currency = models.CharField(_("VAT accounting currency"), max_length=3, blank=True)
    vat_currency_tax_total = models.DecimalField(
        _("VAT in accounting currency"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    vat_exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    vat_exchange_rate_date = models.DateField(_("exchange rate date"), null=True, blank=True)
    # How the invoice is to be paid, decided at issue from the account's Payment Profile
    # (``invoicing.payment_means``; EN 16931 BG-16). Empty on credit notes and on the
    # documents issued before content version 3.
    payment_means = models.JSONField(_("payment means"), default=dict, blank=True)
    content_version = models.PositiveSmallIntegerField(
        _("content version"), default=CONTENT_VERSION
    )
    corporate_user_id = models.CharField(_("User ID"), max_length=128, blank=True)
    purchase_order = models.CharField(_("purchase order"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        related_name="credit_notes",
        null=True,
        blank=True,
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, unique=True, null=True, blank=True
    )
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["series", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "sequence"], name="invoice_series_year_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="invoice_sequence_gte_1"),
            # In whole cents: SQLite keeps decimals as floating point, where 0.1 + 0.2 is not
            # 0.3; on PostgreSQL (numeric) this is the exact equality.
            models.CheckConstraint(
                condition=Exact(
                    Round(F("gross_total") * 100),
                    Round(F("net_total") * 100) + Round(F("tax_total") * 100),
                ),
                name="invoice_gross_is_net_plus_tax",
            ),
            models.CheckConstraint(condition=Q(tax_total__gte=0), name="invoice_tax_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    kind="invoice",
                    corrects__isnull=True,
                    status__in=["open", "paid", "credited"],
                    gross_total__gte=0,
                    paid_amount__gte=0,
                    prepaid_amount__gte=0,
                    paid_amount__lte=F("gross_total"),
                    settlement="",
                    settlement_amount=0,
                )
                | Q(
                    kind="credit_note",
                    corrects__isnull=False,
                    status="issued",
                    net_total__gt=0,
                    gross_total__gt=0,
                    paid_amount=0,
                    prepaid_amount=0,
                    settlement_amount__gte=0,
                    settlement_amount__lte=F("gross_total"),
                ),
                name="invoice_kind_consistent",
            ),
            # Payments and the credit applied at issue never exceed the gross; in whole cents,
            # as above (on SQLite 71.40 + 11.90 is not 83.30).
            models.CheckConstraint(
                condition=Q(kind="credit_note")
                | Q(
                    LessThanOrEqual(
                        Round(F("paid_amount") * 100) + Round(F("prepaid_amount") * 100),
                        Round(F("gross_total") * 100),
                    )
                ),
                name="invoice_paid_within_gross",
            ),
            # Every credit note says how it is settled; only those issued before there was a
            # settlement (content version 1) have none. Money goes back (refund, set-off)
            # exactly when there is an amount settled.
            models.CheckConstraint(
                condition=Q(kind="invoice")
                | Q(settlement="none", settlement_amount=0)
                | Q(settlement__in=["refund", "set_off"], settlement_amount__gt=0)
                | Q(settlement="", content_version=1),
                name="invoice_credit_note_settlement",
            ),
            models.CheckConstraint(
                condition=Q(
                    vat_currency="",
                    vat_currency_tax_total__isnull=True,
                    vat_exchange_rate__isnull=True,
                    vat_exchange_rate_date__isnull=True,
                )
                | (
                    ~Q(vat_currency="")
                    & Q(
                        vat_currency_tax_total__gte=0,
                        vat_exchange_rate__gt=0,
                        vat_exchange_rate_date__isnull=False,
                    )
                ),
                name="invoice_vat_currency_complete",
            ),
            models.CheckConstraint(
                condition=Q(tax_category__in=["S", "AE", "O"]), name="invoice_tax_category_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "issue_date"], name="invoice_account_idx"),
            # The support console's search by invoice or credit-note number.
            prefix_index("number", name="invoice_number_prefix_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                raise ImmutableDocument(
                    f"{self.number} is issued: only paid_amount and status may change"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument(f"{self.number} is issued and is never deleted")


class InvoiceLine(WriteOnce):
    """One line of an issued document, immutable like the document.

    ``net_amount`` is the line amount rounded once (``seatwise.core.money.quantize``) by
    ``seatwise.pricing.lines``; it is authoritative. ``unit_price`` is the net price per
    seat for the line's period (EN 16931 BT-146), with as many decimals (up to eight) as it
    takes for ``quantity × unit_price`` to round to ``net_amount``
    (``invoicing.snapshot.unit_price_of``); ``term_unit_price`` is the catalog price of one seat
    for the whole term, printed for information on a prorated line. A credit line (a plan
    change's credit for unused days) has a negative ``quantity`` and a positive
    ``unit_price``, as EN 16931 wants (BR-27: no negative unit price).
    """

    never_changes = "the lines of an issued document never change"
    never_deleted = "the lines of an issued document are never deleted"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=8)
    term_unit_price = models.DecimalField(
        _("price per seat and term"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    # The last day of the period, inclusive (a ProratedLine's end is exclusive).
    period_end = models.DateField(_("period end"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoice_line_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="invoice_line_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start"))
                | Q(period_start__isnull=True)
                | Q(period_end__isnull=True),
                name="invoice_line_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class AccountCredit(models.Model):
    """Money an account is owed back by a credit note settled by set-off: an open credit that
    the account's next invoices in ``currency`` use up, oldest first, at issue.

    ``amount`` is fixed at creation (the credit note's ``settlement_amount``); ``remaining``
    only decreases, one ``AccountCreditApplication`` per invoice it went to, each change
    audited (``invoicing.services``). ``0 <= remaining <= amount`` is a check constraint.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="credits"
    )
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    remaining = models.DecimalField(_("remaining"), max_digits=14, decimal_places=2)
    credit_note = models.OneToOneField(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        related_name="account_credit",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("account credit")
        verbose_name_plural = _("account credits")
        ordering = ["account", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="account_credit_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=F("amount")),
                name="account_credit_remaining_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "currency", "created_at"], name="account_credit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.credit_note_id}: {self.remaining}/{self.amount} {self.currency}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument("an account credit is part of the ledger and is never deleted")


class AccountCreditApplication(WriteOnce):
    """``amount`` of an account credit applied to ``invoice`` at its issue. Append-only."""

    never_changes = "an applied credit never changes"
    never_deleted = "an applied credit is never deleted"

    credit = models.ForeignKey(AccountCredit, on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_applications"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("account credit applied")
        verbose_name_plural = _("account credits applied")
        constraints = [
            models.UniqueConstraint(
                fields=["credit", "invoice"], name="account_credit_application_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="account_credit_application_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_id} → {self.invoice_id}: {self.amount}"


class ArchivedDocument(WriteOnce):
    """The file of an issued document as it was rendered once and sent: the PDF/A-3 with its
    CII embedded, or the UBL. Downloads and e-mails serve these bytes; nothing renders a
    document twice.

    Stored in the database (``content``), not in file storage, so that the backup
    (``manage.py backup``) holds the files in the same snapshot as the documents they belong
    to, a restore brings both back together, and the restore drill compares them row by row;
    a file written beside a transaction that rolls back, or missing from a restored host,
    cannot happen. ``sha256`` is the file's digest; ``chain_hash`` is
    ``sha256(document hash + format + sha256)``, which binds the file to its document's own
    place in the hash chain. ``manage.py verify_invoice_chain`` recomputes both. Immutable:
    ``save()`` refuses a change and ``delete()`` refuses outright; one per document and format.
    """

    never_changes = "an archived document never changes"
    never_deleted = "an archived document is never deleted"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF/A-3 (Factur-X)"
        UBL = "ubl", "UBL 2.1"

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("document"), on_delete=models.PROTECT, related_name="archives"
    )
    format = models.CharField(_("format"), max_length=3, choices=Format.choices)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "format"], name="archived_document_one_per_format"
            ),
            models.CheckConstraint(
                condition=Q(format__in=["pdf", "ubl"]), name="archived_document_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}.{self.format}"


class ArchivedReceipt(WriteOnce):
    """The PDF of a receipt (proof of one card payment, ``billing.receipts``) as it was
    rendered once and sent: every e-mail that carries the receipt, to every recipient and on
    every retry, attaches these bytes.

    A receipt is no tax document and has no place in the hash chain; ``sha256`` is its file's
    digest, which ``manage.py verify_invoice_chain`` recomputes. Immutable like
    ``ArchivedDocument``; one per charge.
    """

    never_changes = "an archived receipt never changes"
    never_deleted = "an archived receipt is never deleted"

    charge = models.OneToOneField(
        "payments.Charge",
        verbose_name=_("charge"),
        on_delete=models.PROTECT,
        related_name="archived_receipt",
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("archived receipt")
        verbose_name_plural = _("archived receipts")

    def __str__(self) -> str:
        return self.number
