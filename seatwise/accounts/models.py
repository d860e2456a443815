from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import default_key

from seatwise.core.models import ChoiceLabels
from seatwise.core.prefix import prefix_index

NAME_MAX = 32  # first and last name, as in the vendor's Admin Center
EMAIL_MAX = 128


class Account(ChoiceLabels):
    """The customer's organisation."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("Online")
        CORPORATE = "corporate", _("Corporate")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Meaningful for corporate accounts (article 003): a corporate account that is not
    # eligible is sent to Corporate Account Services instead of the Add Seats flow.
    self_service_eligible = models.BooleanField(_("eligible for self-service"), default=True)
    country = models.CharField(_("country"), max_length=2)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    currency = models.CharField(_("currency"), max_length=3)
    vat_id = models.CharField(_("VAT ID"), max_length=24, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    # Corporate accounts: printed on the invoices issued from now on, and, with an expiration
    # date, only on those issued before that date (accounts.purchase_orders).
    purchase_order_number = models.CharField(_("purchase order number"), max_length=64, blank=True)
    purchase_order_expires_on = models.DateField(
        _("purchase order expiration date"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["online", "corporate"]), name="account_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="account_country_iso"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="account_currency_iso"
            ),
            # An expiration date belongs to a purchase-order number.
            models.CheckConstraint(
                condition=models.Q(purchase_order_expires_on__isnull=True)
                | ~models.Q(purchase_order_number=""),
                name="account_purchase_order_expiry_has_number",
            ),
        ]
        indexes = [
            # The support console's search by company name (seatwise.support.search).
            prefix_index("name", name="account_name_prefix_idx"),
            # The daily reminder's accounts whose purchase order expires soon.
            models.Index(
                fields=["purchase_order_expires_on"],
                condition=models.Q(purchase_order_expires_on__isnull=False),
                name="account_po_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_corporate(self) -> bool:
        return self.kind == self.Kind.CORPORATE


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Person:
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Person:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in with an e-mail and password (the product credentials).

    A customer's person belongs to exactly one account; vendor staff belong to none. The
    account roles are flags on the membership, so the billing contact is a member of the
    account by construction, and the partial unique index allows only one per account.
    """

    email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX, unique=True)
    first_name = models.CharField(_("first name"), max_length=NAME_MAX)
    last_name = models.CharField(_("last name"), max_length=NAME_MAX)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    is_account_admin = models.BooleanField(_("account admin"), default=False)
    is_billing_contact = models.BooleanField(_("billing contact"), default=False)
    is_staff = models.BooleanField(_("vendor staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[PersonManager] = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="person_email_lowercase"
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_billing_contact=True),
                name="one_billing_contact_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(is_billing_contact=False)
                | models.Q(account__isnull=False, is_staff=False, is_active=True),
                name="billing_contact_is_active_customer_member",
            ),
            models.CheckConstraint(
                condition=models.Q(is_account_admin=False) | models.Q(account__isnull=False),
                name="account_admin_is_member",
            ),
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(account__isnull=True),
                name="vendor_staff_in_no_customer_account",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "id"], name="person_account_idx"),
            # The support console's search by "first last", "last first" and e-mail
            # (seatwise.support.search): a one-word name is a prefix of one of the two.
            prefix_index("first_name", "last_name", name="person_first_last_prefix_idx"),
            prefix_index("last_name", "first_name", name="person_last_first_prefix_idx"),
            prefix_index("email", name="person_email_prefix_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CorporateCredential(models.Model):
    """The Corporate Billing Portal sign-in of a corporate account (articles 000, 001, 003).

    A User ID in user-name or e-mail form, printed on every e-mailed invoice, with its own
    password, separate from the product credentials. It belongs to the account and is held by
    whoever is its billing contact: when the billing contact changes, the password is cleared
    and the new contact sets one through a reset link.
    """

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="corporate_credential"
    )
    user_id = models.CharField(_("User ID"), max_length=EMAIL_MAX)
    password = models.CharField(max_length=128)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The portal's failed sign-ins and locks are counted by seatwise.accounts.signin_throttle,
    # per User ID and per device, not here.

    class Meta:
        verbose_name = _("corporate billing portal credential")
        verbose_name_plural = _("corporate billing portal credentials")
        constraints = [
            models.UniqueConstraint(Lower("user_id"), name="corporate_user_id_unique"),
            models.CheckConstraint(
                condition=models.Q(user_id__regex=r"^[A-Za-z0-9._%+@-]{3,128}$"),
                name="corporate_user_id_form",
            ),
        ]
        # The support console's search by User ID (seatwise.support.search).
        indexes = [prefix_index("user_id", name="corporate_user_id_prefix_idx")]

    def __str__(self) -> str:
        return self.user_id


INVOICE_CONTACTS_MAX = 5


class InvoiceContact(models.Model):
    """Someone who receives the account's invoice and receipt e-mails, and nothing else: up to
    five per account besides the one billing contact; they gain no rights and cannot sign in.
    ``seatwise.accounts.invoice_contacts`` keeps the limit of five."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoice_contacts")
    name = models.CharField(_("name"), max_length=2 * NAME_MAX + 1)
    email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("invoice contact")
        verbose_name_plural = _("invoice contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"], name="invoice_contact_email_unique_per_account"
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="invoice_contact_email_lowercase"
            ),
        ]
        indexes = [models.Index(fields=["account", "id"], name="invoice_contact_account_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class CorporateTOTPDevice(models.Model):
    """The authenticator app of a Corporate Billing Portal User ID (TOTP, RFC 6238).

    It belongs to the ``CorporateCredential``, not to a person: the User ID is held by whoever
    is the billing contact, so a new billing contact removes it with the password
    (``accounts.services.billing_contact_set``). One per credential; unconfirmed while being
    set up, asked for at sign-in once confirmed (``accounts.two_factor``).
    """

    credential = models.OneToOneField(
        CorporateCredential, on_delete=models.CASCADE, related_name="totp_device"
    )
    key = models.CharField(max_length=80, default=default_key)
    confirmed = models.BooleanField(default=False)
    # The time step of the last code accepted: a code is accepted once (no replay).
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("corporate billing portal authenticator")
        verbose_name_plural = _("corporate billing portal authenticators")

    def __str__(self) -> str:
        return f"TOTP of {self.credential_id}"


class RecoveryCode(models.Model):
    """A one-time recovery code of two-factor sign-in, stored as its SHA-256 digest only.

    Each code has 120 random bits (``accounts.recovery_codes``), so a plain hash is enough to
    keep a copy of the table from revealing it (OWASP ASVS 5.0, lookup secrets of 112 bits or
    more). It belongs to a person or to a Corporate Billing Portal User ID, never both; using
    it sets ``used_at`` by a conditional update, so that it works once.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="recovery_codes", null=True, blank=True
    )
    credential = models.ForeignKey(
        CorporateCredential,
        on_delete=models.CASCADE,
        related_name="recovery_codes",
        null=True,
        blank=True,
    )
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, credential__isnull=True)
                | models.Q(person__isnull=True, credential__isnull=False),
                name="recovery_code_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["digest"], name="recovery_code_digest_idx")]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
