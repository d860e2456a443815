"""Issued invoices and credit notes, their lines, and the counters that number them (issue 4).

Invariants (the services in ``seatwise.invoicing.services`` are the only writers):

- A document is issued once, complete, in one transaction: its number, its snapshot of seller,
  buyer, VAT and totals, its lines, and its chain hash. After that only ``paid_amount`` and
  ``status`` of an invoice change (by ``invoice_record_payment``); ``save()`` refuses any
  other change and ``delete()`` refuses outright. A write that bypasses the ORM guard (a
  queryset ``update``/``delete``, raw SQL) is caught by ``manage.py verify_invoice_chain``.
- Numbers are ``<series>-<year>-<sequence:06d>``, gapless per series and year, allocated from
  the locked ``DocumentSeries`` row (never a database sequence) and backed by unique
  constraints on ``(series, year, sequence)`` and on ``number``.
- ``gross = net + tax`` (check constraint); an invoice's ``paid_amount`` lies in ``[0, gross]``;
  a credit note has positive totals, nothing paid, and names the invoice it corrects.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.core.prefix import prefix_index

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
GENESIS_HASH = "0" * 64


class ImmutableDocument(Exception):
    """An issued invoice or credit note was about to be changed or deleted through the ORM."""


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


class Invoice(models.Model):
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
                    paid_amount__lte=F("gross_total"),
                )
                | Q(
                    kind="credit_note",
                    corrects__isnull=False,
                    status="issued",
                    net_total__gt=0,
                    gross_total__gt=0,
                    paid_amount=0,
                ),
                name="invoice_kind_consistent",
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


class InvoiceLine(models.Model):
    """One line of an issued document, immutable like the document.

    ``net_amount`` is the line amount rounded once (``seatwise.core.money.quantize``) by
    ``seatwise.billing.pricing``; it is authoritative. ``unit_price`` is the net price per
    seat for the line's period, shown to four decimals. A credit line (a plan change's credit
    for unused days) has a negative ``quantity`` and a positive ``unit_price``, as EN 16931
    wants (BR-27: no negative unit price).
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocument("the lines of an issued document never change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument("the lines of an issued document are never deleted")
