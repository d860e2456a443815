from __future__ import annotations

from calendar import monthrange
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.payments.messages import charge_message


class PaymentMethod(models.Model):
    """A card on file, stored only as the gateway's token and what may be shown.

    The full card number and the CVV never reach Seatwise's database, logs or e-mails: they go
    to the gateway, which returns a token, the brand, the last four digits and the expiry.

    A ``sepa_debit`` row is the SEPA direct debit mandate of a corporate account's Payment
    Profile as something to charge (``profiles.mandate_payment_method``): the gateway's token
    of the bank account (never the IBAN), the IBAN's last four characters, the account holder.
    It exists so that a debit is a ``Charge`` like any other (one key, claims, reconciler,
    receipts, refunds). It is never automatic nor default: no card selection offers it, and
    only the direct debits of ``billing.direct_debits`` charge it. A mandate has no expiry
    date: ``exp_month``/``exp_year`` hold the month it was signed.
    """

    class Kind(models.TextChoices):
        CARD = "card", _("Credit or debit card")
        SEPA_DEBIT = "sepa_debit", _("SEPA direct debit mandate")

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
    # The key of the form submission that added the card (``services.payment_method_add``):
    # a double-submitted form finds the card already stored under it. Empty: added without one.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    # SHA-256 of what was asked for under that key (card mask and expiry, or the token, and
    # the flags): the same key with another card is refused, not mistaken for a repeat.
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

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
            # A card's last four digits; the last four characters of a mandate's IBAN.
            models.CheckConstraint(
                condition=models.Q(last4__regex=r"^[0-9]{4}$")
                | models.Q(kind="sepa_debit", last4__regex=r"^[0-9A-Z]{4}$"),
                name="payment_method_last4_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(exp_month__gte=1, exp_month__lte=12),
                name="payment_method_exp_month_valid",
            ),
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="payment_method_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "id"], name="payment_method_account_idx"),
            # The card-expiry reminders' daily scan: default cards by expiry month.
            models.Index(
                fields=["exp_year", "exp_month"],
                condition=models.Q(is_default=True, removed_at__isnull=True),
                name="payment_method_default_exp_idx",
            ),
        ]

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
            "sepa_debit": "SEPA Direct Debit",
        }.get(self.brand, self.brand.title())

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year % 100:02d}"

    @property
    def expires_on(self) -> date:
        """The last day the card can be charged: the last day of its expiry month."""
        return date(self.exp_year, self.exp_month, monthrange(self.exp_year, self.exp_month)[1])


class PaymentProfile(models.Model):
    """A corporate account's recurring payment method: its **Payment Profile** (``profiles``).

    No row means a card: the account's default automatic card (``PaymentMethod``), which is
    what every account had before there were profiles. A bank transfer or a check needs
    nothing of the customer (the invoices name the seller's bank details or remittance
    address); a SEPA direct debit keeps the mandate and what may be shown of the debited
    account: the gateway's token of it, the IBAN's country and last four characters, the
    holder. The full IBAN goes to the gateway, which holds it with the mandate, and nowhere
    else (``gateways.base.BankAccountDetails``).
    """

    class PaymentType(models.TextChoices):
        CARD = "card", _("Credit/Debit Card")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CHECK = "check", _("Check")
        DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="payment_profile"
    )
    payment_type = models.CharField(
        _("payment type"), max_length=16, choices=PaymentType.choices, default=PaymentType.CARD
    )
    # SEPA direct debit only (empty otherwise): the mandate and the debited account, masked.
    mandate_reference = models.CharField(_("mandate reference"), max_length=35, blank=True)
    mandate_signed_on = models.DateField(_("mandate signed on"), null=True, blank=True)
    debit_gateway = models.CharField(max_length=32, blank=True)
    debit_token = models.CharField(max_length=128, blank=True)
    iban_country = models.CharField(_("IBAN country"), max_length=2, blank=True)
    iban_last4 = models.CharField(_("IBAN, last four characters"), max_length=4, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=128, blank=True)
    # The key of the Edit form that made the current profile: the same form sent twice
    # changes it once (``profiles.payment_profile_set``).
    request_key = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment profile")
        verbose_name_plural = _("payment profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    payment_type__in=["card", "bank_transfer", "check", "direct_debit"]
                ),
                name="payment_profile_type_valid",
            ),
            # A direct debit has its mandate and debited account; no other type keeps one.
            models.CheckConstraint(
                condition=(
                    models.Q(payment_type="direct_debit")
                    & ~models.Q(mandate_reference="")
                    & models.Q(mandate_signed_on__isnull=False)
                    & ~models.Q(debit_token="")
                    & models.Q(iban_country__regex=r"^[A-Z]{2}$")
                    & models.Q(iban_last4__regex=r"^[0-9A-Z]{4}$")
                )
                | (
                    ~models.Q(payment_type="direct_debit")
                    & models.Q(
                        mandate_reference="",
                        mandate_signed_on__isnull=True,
                        debit_token="",
                        iban_country="",
                        iban_last4="",
                        account_holder="",
                    )
                ),
                name="payment_profile_mandate_iff_direct_debit",
            ),
            models.UniqueConstraint(
                fields=["mandate_reference"],
                condition=~models.Q(mandate_reference=""),
                name="payment_profile_mandate_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.payment_type}"

    @property
    def iban_masked(self) -> str:
        """The debited account as shown: country, then only the last four characters."""
        if not self.iban_last4:
            return ""
        return f"{self.iban_country}•• •••• •••• {self.iban_last4}"


class CardExpiryReminder(models.Model):
    """A card-expiry reminder that was sent (``payments.reminders``): at most one per card,
    reminder and expiry date, so that the daily job sends each reminder once however often it
    runs."""

    class Reminder(models.TextChoices):
        DAYS_30 = "30_days", _("30 days before expiry")
        DAYS_7 = "7_days", _("7 days before expiry")

    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, related_name="expiry_reminders"
    )
    reminder = models.CharField(max_length=16, choices=Reminder.choices)
    expires_on = models.DateField()
    to_address = models.EmailField(max_length=254)
    # A plain integer, like Charge.invoice_id: the OutgoingEmail row of the message.
    email_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("card-expiry reminder")
        verbose_name_plural = _("card-expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["payment_method", "reminder", "expires_on"],
                name="card_expiry_reminder_once",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder__in=["30_days", "7_days"]),
                name="card_expiry_reminder_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_method_id} {self.reminder} {self.expires_on}"


class TestGatewayCard(models.Model):
    """The test gateway's own vault: what a real gateway keeps on its side.

    It holds no card number either: only what the gateway needs to behave like a real one
    (the outcome a well-known test card number stands for).
    """

    __test__ = False  # not a pytest test class, despite its name

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


class Charge(models.Model):
    """One attempt to take money from a card on file, identified by its idempotency key.

    State machine (see ``services.charge_card`` and ``reconcile.charges_reconcile``)::

        pending ──gateway answers──▶ succeeded | declined          (final)
           │   ──gateway unreachable──▶ not_attempted ──retry──▶ pending
           │   ──timeout──▶ unknown ──reconciler asks──▶ succeeded | declined | not_attempted
           └── (claim gone stale: a crashed caller) ──reconciler asks──▶ same as unknown

    Invariants: one row per idempotency key, and the gateway sees that same key on every call
    for the row, so the gateway charges the card at most once per row. ``unknown`` is settled
    only by asking the gateway (``retrieve_charge``), never by charging again. A row is
    ``pending`` exactly while one caller holds the claim to talk to the gateway about it
    (``attempted_at`` is when the claim was taken; ``attempts`` counts claims and is the
    fencing token a caller must still hold to record its outcome).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        DECLINED = "declined", _("declined")
        NOT_ATTEMPTED = "not_attempted", _("not attempted")
        UNKNOWN = "unknown", _("unknown")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="charges")
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, related_name="charges"
    )
    gateway = models.CharField(max_length=32)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    idempotency_key = models.CharField(max_length=128, unique=True)
    purpose = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    # A plain integer, not a foreign key: payments never import invoicing; the orchestration
    # that pays an invoice links the two.
    invoice_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    gateway_charge_id = models.CharField(max_length=64, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    # The gateway's own words (English, for operators); customers read ``message``.
    gateway_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="charge_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "succeeded", "declined", "not_attempted", "unknown"]
                ),
                name="charge_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "attempted_at"], name="charge_status_idx"),
            models.Index(fields=["invoice_id"], name="charge_invoice_idx"),
            models.Index(fields=["account", "id"], name="charge_account_idx"),
            # The payments succeeded lately (billing.refunds.late_payments_settle, every
            # minute): an index range, whatever the number of charges before.
            models.Index(fields=["status", "settled_at"], name="charge_settled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"

    @property
    def is_settled(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.DECLINED}

    @property
    def message(self) -> str:
        """What to tell the customer, in the active language."""
        return str(charge_message(status=self.status, decline_code=self.decline_code))


class Refund(models.Model):
    """Money given back on a charge that succeeded, identified by its idempotency key.

    The same state machine and claims as ``Charge`` (``services.refund_charge``): one row per
    key, the gateway sees that key on every call for the row and refunds at most once per
    row; ``unknown`` is settled only by asking the gateway (``retrieve_refund``). What a
    refund is for (a credit note, a purchase voided before its late payment arrived) is said
    by ``reason`` and the purchase that made it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        NOT_ATTEMPTED = "not_attempted", _("not attempted")
        UNKNOWN = "unknown", _("unknown")

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="refunds")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refunds")
    gateway = models.CharField(max_length=32)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    idempotency_key = models.CharField(max_length=128, unique=True)
    reason = models.CharField(max_length=255, blank=True)
    # The credit note the refund settles, if any (a plain integer, like Charge.invoice_id).
    credit_note_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    gateway_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "succeeded", "failed", "not_attempted", "unknown"]
                ),
                name="refund_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "attempted_at"], name="refund_status_idx"),
            models.Index(fields=["account", "id"], name="refund_account_idx"),
            models.Index(fields=["credit_note_id"], name="refund_credit_note_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"

    @property
    def is_settled(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


class TestGatewayCharge(models.Model):
    """The test gateway's own ledger of charges: what a real gateway keeps on its side.

    One row per idempotency key: the gateway charges at most once per key.
    """

    __test__ = False  # not a pytest test class, despite its name

    charge_id = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=128, unique=True)
    token = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16)
    decline_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("test gateway charge")
        verbose_name_plural = _("test gateway charges")

    def __str__(self) -> str:
        return self.charge_id


class TestGatewayRefund(models.Model):
    """The test gateway's own ledger of refunds: one row per idempotency key."""

    __test__ = False  # not a pytest test class, despite its name

    refund_id = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=128, unique=True)
    charge_id = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16)
    failure_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("test gateway refund")
        verbose_name_plural = _("test gateway refunds")

    def __str__(self) -> str:
        return self.refund_id


class TestGatewayBankAccount(models.Model):
    """The test gateway's vault of bank accounts for direct debits: like its cards, without
    the full account number (what a real gateway keeps stays on its side)."""

    __test__ = False  # not a pytest test class, despite its name

    token = models.CharField(max_length=64, unique=True)
    country = models.CharField(max_length=2)
    last4 = models.CharField(max_length=4)
    holder_name = models.CharField(max_length=128)
    mandate_reference = models.CharField(max_length=35)
    # What the account's bank does with a debit (a well-known test IBAN decides it):
    # "succeed", "insufficient_funds" or "debit_not_authorized".
    behaviour = models.CharField(max_length=32, default="succeed")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("test gateway bank account")
        verbose_name_plural = _("test gateway bank accounts")

    def __str__(self) -> str:
        return self.token


class TestGatewayMode(models.Model):
    """How the test gateway misbehaves on its next ``charge`` and ``refund`` calls: one row
    (pk 1), read at call time so that a test switches it and a worker in another process
    obeys.

    ``remaining`` counts the calls still affected (null: until switched back); when it
    reaches zero the gateway behaves normally again.
    """

    __test__ = False  # not a pytest test class, despite its name

    class Mode(models.TextChoices):
        NORMAL = "normal", "normal"
        TIMEOUT_AFTER_CHARGE = "timeout_after_charge", "time out after charging"
        FAIL = "fail", "fail (unreachable)"
        SLOW = "slow", "answer slowly"

    mode = models.CharField(max_length=32, choices=Mode.choices, default=Mode.NORMAL)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    delay_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("test gateway mode")
        verbose_name_plural = _("test gateway modes")

    def __str__(self) -> str:
        return self.mode
