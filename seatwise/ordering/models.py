"""Quotes and service orders of corporate accounts (the help articles add-seats-corporate, quotes).

A **quote** prices an Add Seats cart: one line per subscription, seats to add pro rata to the
end of the term (``pricing.lines.preview_seat_addition``), VAT and totals, valid 7 days from
when it was sent. An accepted quote becomes a **service order** through the checkout (admin
contact, payment method, billing address); placing the order starts its purchase in the sales
pipeline (kind ``service_order``, ``ordering.pipeline.ServiceOrderPlan``), which the worker runs:
the invoice, the charge, the seats and the admin contact, the payment recorded (the receipt),
the confirmation e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.core.models import ChoiceLabels
from seatwise.payments.messages import DECLINE_MESSAGES, STATUS_MESSAGES
from seatwise.sales.models import Purchase
from seatwise.subscriptions.models import Subscription

# Why an order failed before anything was charged, other than a decline (payments.messages),
# shown in the reader's language.
ORDER_FAILURE_MESSAGES = {
    "payment_method_removed": _(
        "The card chosen for this order was removed. Nothing was charged; add the seats again."
    ),
    "payment_method_not_automatic": _(
        "The card chosen for this order cannot be charged automatically. Nothing was charged; "
        "add the seats again."
    ),
}


class Quote(ChoiceLabels):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(_("quote number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    currency = models.CharField(_("currency"), max_length=3)
    net_total = models.DecimalField(_("net total"), max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    gross_total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    # The tax decision the quote was priced with (seatwise.tax.decisions.TaxDecision).
    tax_category = models.CharField(max_length=4)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    tax_note = models.CharField(max_length=255, blank=True)
    # The rest of the decision, so the invoice is issued with exactly the VAT quoted even if
    # the account's country or VAT ID changes in between.
    tax_rate_country = models.CharField(max_length=2, blank=True)
    buyer_vat_id = models.CharField(max_length=24, blank=True)
    # The day the prices are computed for (proration to the end of each term).
    priced_on = models.DateField(_("priced on"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    decided_at = models.DateTimeField(null=True, blank=True)  # accepted, rejected or expired
    # An open quote expired at once by a new Add Seats order names the quote that replaced it.
    # (SET_NULL: quotes are only ever deleted together, by the demo's wipe.)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The key of the Add Seats form that asked for it: the same form submitted again (a double
    # click, twenty tabs at once) finds this quote instead of replacing it with another.
    request_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            # At most one open quote per account: a new Add Seats cart expires the open one.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="open"),
                name="quote_one_open_per_account",
            ),
            models.UniqueConstraint(
                fields=["account", "request_key"],
                condition=~models.Q(request_key=""),
                name="quote_request_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-id"], name="quote_account_idx"),
            models.Index(fields=["status", "expires_at"], name="quote_expiry_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def order_or_none(self) -> ServiceOrder | None:
        """The quote's service order, or None (no query when it was joined)."""
        try:
            return self.service_order
        except ServiceOrder.DoesNotExist:
            return None

    @property
    def is_open(self) -> bool:
        """Open and not past its expiry: it can still be accepted or rejected."""
        return self.status == self.Status.OPEN and self.expires_at > timezone.now()


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    # Named (not "+") reverse relations: demo_wipe finds dependents through them.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="quote_lines"
    )
    product_name = models.CharField(max_length=100)
    plan_code = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField(_("New Seat Qty"))
    unit_amount = models.DecimalField(max_digits=12, decimal_places=2)
    period_start = models.DateField()
    period_end = models.DateField()  # exclusive, as ProratedLine
    days = models.PositiveIntegerField()
    term_days = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["quote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position"),
            models.UniqueConstraint(
                fields=["quote", "subscription"], name="quote_line_one_per_subscription"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.position}"


class ServiceOrder(ChoiceLabels):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Not placed yet")
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="service_orders")
    # One order per quote: the database itself makes every submitter of a quote see one order.
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="service_order")
    number = models.CharField(_("service order number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # The order's purchase in the sales pipeline (its steps, invoice and charge), started when
    # the order is placed; None while a draft.
    purchase = models.OneToOneField(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="service_order"
    )
    # Written only by the previous version's own pipeline (its last step, invoice and charge):
    # kept one release so that it runs while the database is migrated (docs/operations.md,
    # Upgrading), and to tell its orders placed but not started, which ``ordering.pipeline``
    # takes over, from those it left half-way.
    step = models.CharField(max_length=32, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    # Admin contact (created or updated in the Admin Center, given a seat of every product).
    admin_first_name = models.CharField(_("first name"), max_length=32)
    admin_last_name = models.CharField(_("last name"), max_length=32)
    admin_email = models.EmailField(_("e-mail"), max_length=128)
    admin_language = models.CharField(max_length=5, choices=settings.LANGUAGES)
    admin_person_id = models.BigIntegerField(null=True, blank=True)
    payment_method = models.ForeignKey(
        "payments.PaymentMethod", on_delete=models.PROTECT, related_name="service_orders"
    )
    # The billing address the order was placed with (also saved on the account).
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    invoice_id = models.BigIntegerField(null=True, blank=True)  # the previous version's
    charge_id = models.BigIntegerField(null=True, blank=True)  # the previous version's
    created_at = models.DateTimeField(default=timezone.now)
    placed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        indexes = [
            models.Index(fields=["account", "-id"], name="service_order_account_idx"),
            models.Index(fields=["status"], name="service_order_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_placed(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def failure_text(self) -> str:
        """Why the order failed, in the active language (the card's message for a decline)."""
        if self.status != self.Status.FAILED:
            return ""
        if self.failure_code in DECLINE_MESSAGES:
            return str(DECLINE_MESSAGES[self.failure_code])
        if self.failure_code in ORDER_FAILURE_MESSAGES:
            return str(ORDER_FAILURE_MESSAGES[self.failure_code])
        if self.failure_code in STATUS_MESSAGES:  # the gateway could not be reached
            return str(STATUS_MESSAGES[self.failure_code])
        return self.failure_message
