"""A purchase: one money flow of an account, run step by step by ``sales.runner``.

Every way money moves — seats bought, a plan upgraded, a term renewed, an open invoice paid
now, a corporate service order — is a ``Purchase`` of a ``kind``. The row holds what the
purchase is for (``params``, read by its plan), the priced lines and VAT it was sold at
(``lines``, a snapshot taken when the customer confirmed), the card it is paid with, the
documents and the charge its steps made, and the last step done (``step``). The runner never
does a step twice: it reads ``step`` under the purchase's row lock.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge, PaymentMethod, Refund

# The steps of every purchase, in this order (``sales.runner``). A plan may do nothing in a
# step (Pay Now issues no invoice, a refund applies nothing), but it never reorders them.
STEPS: tuple[str, ...] = ("invoiced", "charged", "applied", "paid", "notified", "completed")


class Purchase(models.Model):
    class Kind(models.TextChoices):
        SEATS = "seats", _("seats")
        PLAN_CHANGE = "plan_change", _("plan change")
        RENEWAL = "renewal", _("renewal")
        PAY_NOW = "pay_now", _("payment of an invoice")
        SERVICE_ORDER = "service_order", _("service order")
        REFUND = "refund", _("refund")
        NEW_SUBSCRIPTION = "new_subscription", _("new subscription")
        DIRECT_DEBIT = "direct_debit", _("direct debit of an invoice")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        COMPLETED = "completed", _("completed")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="purchases")
    # The caller's idempotency key: a second start with the same key is the same purchase.
    key = models.CharField(max_length=128)
    params: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    # The priced lines and VAT (``pricing.snapshot``), as the customer confirmed them.
    lines: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    currency = models.CharField(max_length=3, blank=True)
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The credit note that voided the invoice of a purchase that was not paid.
    void_note = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    step = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # The charge try (``<purchase>:charge:<try>``): a plan that retries a decline advances it.
    tries = models.PositiveSmallIntegerField(default=1)
    # When the resume job may run the purchase again (None: whenever it finds it open).
    resume_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="purchase_key_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "kind", "status"], name="purchase_account_idx"),
            models.Index(
                fields=["resume_at", "id"],
                name="purchase_open_idx",
                condition=models.Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    def done(self, step: str) -> bool:
        """Whether ``step`` (one of ``STEPS``) is done."""
        return bool(self.step) and STEPS.index(self.step) >= STEPS.index(step)

    @property
    def next_step(self) -> str | None:
        if self.status != self.Status.OPEN:
            return None
        return STEPS[STEPS.index(self.step) + 1] if self.step else STEPS[0]
