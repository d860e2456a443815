from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account


class PaymentMethod(models.Model):
    """A card on file, stored only as the gateway's token and what may be shown.

    The full card number and the CVV never reach Seatwise's database, logs or e-mails: they go
    to the gateway, which returns a token, the brand, the last four digits and the expiry.
    """

    class Kind(models.TextChoices):
        CARD = "card", _("Credit or debit card")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_methods")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CARD)
    gateway = models.CharField(max_length=32)
    token = models.CharField(max_length=128)
    brand = models.CharField(_("brand"), max_length=32)
    last4 = models.CharField(_("last four digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"))
    exp_year = models.PositiveSmallIntegerField(_("expiry year"))
    holder_name = models.CharField(_("card holder"), max_length=128)
    # Article 003: adding seats needs an automatic payment method (a card charged without
    # the customer's action). A card given for one payment only is not automatic.
    is_automatic = models.BooleanField(_("automatic"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "token"], name="payment_method_token_unique"
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_default=True, removed_at__isnull=True),
                name="one_default_payment_method",
            ),
            models.CheckConstraint(
                condition=models.Q(last4__regex=r"^[0-9]{4}$"), name="payment_method_last4_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(exp_month__gte=1, exp_month__lte=12),
                name="payment_method_exp_month_valid",
            ),
        ]
        indexes = [models.Index(fields=["account", "id"], name="payment_method_account_idx")]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return f"{self.brand_label} •••• {self.last4}"

    @property
    def brand_label(self) -> str:
        return {
            "visa": "Visa",
            "mastercard": "Mastercard",
            "amex": "American Express",
            "discover": "Discover",
        }.get(self.brand, self.brand.title())

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year % 100:02d}"


class TestGatewayCard(models.Model):
    """The test gateway's own vault: what a real gateway keeps on its side.

    It holds no card number either: only what the gateway needs to behave like a real one
    (the outcome a well-known test card number stands for).
    """

    token = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=32)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    holder_name = models.CharField(max_length=128)
    behaviour = models.CharField(max_length=32, default="succeed")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("test gateway card")
        verbose_name_plural = _("test gateway cards")

    def __str__(self) -> str:
        return self.token
