from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from seatwise.core.models import ChoiceLabels

# The longest trial the catalog offers.
MAX_TRIAL_DAYS = 90


class Product(models.Model):
    """A product sold by the seat. Product names are brand names and are not translated."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Article 003: only these products can have seats added in the Corporate Billing Portal.
    seat_expansion_supported = models.BooleanField(_("seat expansion supported"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Free trials (the Billing Center's "Try", ``subscriptions.trials``): how many days a trial
    # lasts (0: the product has no trial) and how many seats a trial may have at most.
    trial_days = models.PositiveSmallIntegerField(_("trial length in days"), default=0)
    trial_seat_limit = models.PositiveSmallIntegerField(_("seats of a trial"), default=0)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trial_days__lte=MAX_TRIAL_DAYS)
                & (models.Q(trial_days=0) | models.Q(trial_seat_limit__gte=1)),
                name="product_trial_terms_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def offers_trial(self) -> bool:
        return self.trial_days > 0 and self.trial_seat_limit > 0


class Plan(ChoiceLabels):
    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        BUSINESS = "business", _("Business")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Annual")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plans")
    code = models.SlugField(_("code"), max_length=64, unique=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    interval = models.CharField(_("billing interval"), max_length=8, choices=Interval.choices)
    # Higher rank = higher tier: an upgrade takes effect at once, a downgrade at renewal.
    tier_rank = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["product__sort_order", "tier_rank", "interval"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "tier", "interval"], name="plan_product_tier_interval_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(interval__in=["month", "year"]), name="plan_interval_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.get_tier_display()} ({self.get_interval_display()})"


class Price(models.Model):
    """The price of one seat for one term of the plan, in one currency, net of VAT."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3)
    unit_amount = models.DecimalField(_("price per seat"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="price_plan_currency_unique"),
            models.CheckConstraint(
                condition=models.Q(unit_amount__gte=0), name="price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="price_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.unit_amount} {self.currency}"
