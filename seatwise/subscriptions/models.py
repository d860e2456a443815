from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account, Person
from seatwise.catalog.models import Plan, Product
from seatwise.core.models import ChoiceLabels

# A trial counts as live: it gives access, its seats are assigned as usual, and the account
# has it instead of a paid subscription of its product (one live subscription per product).
# It is never renewed nor billed: the bill run takes active subscriptions only.
LIVE_STATUSES = ("active", "pending_cancellation", "suspended", "trial")


class Subscription(ChoiceLabels):
    """Seats of one product bought by one account for a term [term_start, term_end).

    ``seats_assigned`` is maintained by the license services in the same transaction as the
    assignment rows, and the check constraint ``seats_assigned <= seats`` makes it impossible,
    at the database level, to assign more seats than were bought or to cut seats below those
    assigned.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PENDING_CANCELLATION = "pending_cancellation", _("Pending Cancellation")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        TRIAL = "trial", _("Trial")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField(_("seats"))
    seats_assigned = models.PositiveIntegerField(_("seats assigned"), default=0)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.ACTIVE
    )
    auto_renew = models.BooleanField(_("auto renew"), default=True)
    # Dunning of the renewal due at ``term_end`` (billing.renewals): failed charges so far and
    # the day of the next try; both return to 0 / empty when the term is renewed.
    dunning_attempts = models.PositiveSmallIntegerField(_("failed renewal charges"), default=0)
    next_retry_on = models.DateField(_("next renewal charge"), null=True, blank=True)
    # Changes that take effect at the next renewal (a lower tier, fewer seats or another
    # billing interval): the plan and the number of seats the renewal invoices.
    pending_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    renewal_seats = models.PositiveIntegerField(_("seats from renewal"), null=True, blank=True)
    # The net price of one seat for a whole term of ``plan``, in the account's currency, as
    # the current term was sold: the catalog price on the day the subscription was added
    # (``services.subscription_add``), renewed (``billing.renewals``, from its invoice) or
    # upgraded (``billing.changes``, from its invoice). An upgrade credits the unused days at
    # this price (``pricing.lines.preview_plan_change``), so a catalog price change during
    # the term changes no credit. Empty only where it was never known (see migration 0004).
    term_unit_amount = models.DecimalField(
        _("price per seat and term"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # A free trial (``subscriptions.trials``): the day it ends (its term is [term_start,
    # trial_end), status ``trial``; at that day it expires unless converted). Kept once the
    # trial is converted or has expired: an account has one trial per product, ever.
    trial_end = models.DateField(_("trial end"), null=True, blank=True)
    # The trial-end reminders sent: the days before the end of the last one (7, then 1).
    trial_reminder = models.PositiveSmallIntegerField(
        _("trial reminder sent"), null=True, blank=True
    )
    # Corporate Auto Renew turned off: why, as the billing admin gave it.
    cancel_reason = models.CharField(_("cancel reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats_assigned__lte=models.F("seats")),
                name="subscription_assigned_within_bought",
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1), name="subscription_at_least_one_seat"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__gt=models.F("term_start")),
                name="subscription_term_positive",
            ),
            models.UniqueConstraint(
                fields=["account", "product"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="one_live_subscription_per_product",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="trial") | models.Q(trial_end__isnull=False),
                name="subscription_trial_has_end",
            ),
            models.UniqueConstraint(
                fields=["account", "product"],
                condition=models.Q(trial_end__isnull=False),
                name="one_trial_per_product",
            ),
        ]
        indexes = [models.Index(fields=["account", "id"], name="subscription_account_idx")]

    def __str__(self) -> str:
        return f"{self.account} — {self.product} ×{self.seats}"

    @property
    def seats_free(self) -> int:
        return self.seats - self.seats_assigned

    @property
    def is_trial(self) -> bool:
        """A running trial."""
        return self.status == self.Status.TRIAL

    @property
    def is_ended_trial(self) -> bool:
        """A trial that expired without being converted (it can still be, R14)."""
        return self.status == self.Status.EXPIRED and self.trial_end is not None


class LicenseAssignment(models.Model):
    """A person holds one seat of a subscription's product."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="licenses")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("license assignment")
        verbose_name_plural = _("license assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "person"], name="one_seat_per_person_and_subscription"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.subscription.product}"
