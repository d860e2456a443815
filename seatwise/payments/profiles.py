"""The **Payment Profile** of a corporate account: how its invoices are paid, from one invoice
to the next (the Corporate Billing Portal's Payment Profile tab: **Edit** › **Payment Type** ›
**Save**).

Four payment types (``PaymentProfile.PaymentType``):

- **card** (the default, and what an account without a profile row has): the account's
  default automatic card is charged. Only a card is an *automatic* payment method, which
  Add Seats needs (the help article add-seats-corporate);
- **bank transfer**: the invoices name the seller's bank account (IBAN, BIC, bank) and the
  customer transfers the amount;
- **check**: the invoices name the seller's remittance address;
- **SEPA direct debit**: the customer gives a mandate to debit their account; the IBAN goes to
  the payment gateway with the mandate (it collects the debits) and Seatwise keeps the
  gateway's token, the mandate reference and date, the holder and the IBAN's country and last
  four characters. SEPA debits are in euro: only accounts billed in EUR may choose it.

No card or bank account number is stored in full: cards through ``services.payment_method_add``
(token, brand, last four), bank accounts through the gateway's ``store_bank_account``.

``payment_profile_set`` is the **Save**: validated first (a refusal writes nothing), the
gateway called outside any transaction, then one transaction under the account's lock that
writes the profile, its audit entry (``payment_profile.set``, masked values only) and the
e-mail to the billing contact. Saving what is already the profile changes nothing; the same
Edit form sent twice (its ``request_key``) saves once. The invoices state the payment type of
the day they are issued (``invoicing.payment_means``).

The invoices that name a mandate are debited on their due date (``billing.direct_debits``),
through ``mandate_payment_method``: the mandate as a ``PaymentMethod`` of kind ``sepa_debit``
(the gateway's token of the bank account, never the IBAN), so that a debit is a charge like
any other.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, ValidationError

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import clean_text
from seatwise.notifications.services import email_queue
from seatwise.payments.gateways.base import (
    BankAccountDetails,
    CardDetails,
    CardRefused,
    GatewayTimeout,
    GatewayUnavailable,
    StoredBankAccount,
    get_gateway,
)
from seatwise.payments.lock_objects import payment_profile_lock
from seatwise.payments.models import PaymentMethod, PaymentProfile
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import (
    PAYMENT_METHOD_AUDIT_FIELDS,
    gateway_unreachable,
    payment_method_add,
)

PaymentType = PaymentProfile.PaymentType
PROFILE_CHANGED_EMAIL = "payment_profile_changed"
HOLDER_MAX = 128
# SEPA direct debits are collected in euro.
SEPA_CURRENCY = "EUR"
# The countries of the SEPA schemes: the EU and EEA states, Switzerland, the United Kingdom,
# Monaco, San Marino, the Vatican City and Andorra.
SEPA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
    "IS LI NO CH GB MC SM VA AD".split()
)
# Two letters, two check digits, 11 to 30 letters or digits (ISO 13616); each country's own
# length and format are stdnum's.
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True, slots=True)
class DirectDebit:
    """The **SEPA direct debit** section of the Edit page. ``mandate_accepted``: the customer
    ticked the mandate's text (authorising the seller to debit the account)."""

    iban: str
    holder_name: str
    mandate_accepted: bool

    def __repr__(self) -> str:  # the IBAN is never logged
        return f"DirectDebit(holder_name={self.holder_name!r})"


@dataclass(frozen=True, slots=True)
class PaymentProfileView:
    """The profile as the portal and the invoices read it."""

    payment_type: str
    card: PaymentMethod | None  # the default automatic card, whatever the type
    mandate_reference: str = ""
    mandate_signed_on: date | None = None
    iban_masked: str = ""
    account_holder: str = ""

    @property
    def is_automatic(self) -> bool:
        """A card is on file and is what the invoices are paid by (Add Seats needs it)."""
        return self.payment_type == PaymentType.CARD and self.card is not None

    @property
    def label(self) -> str:
        return str(PaymentType(self.payment_type).label)


@dataclass(frozen=True, slots=True)
class PaymentProfileSaved:
    profile: PaymentProfileView
    changed: bool


def automatic_card(account_id: int) -> PaymentMethod | None:
    """The account's default card, if it may be charged automatically."""
    card = default_payment_method(account_id=account_id)
    return card if card is not None and card.is_automatic else None


def payment_profile_of(account: Account) -> PaymentProfileView:
    """The account's Payment Profile: a card when it has no profile row (every online account,
    and every corporate account until its billing contact saves another type)."""
    row = PaymentProfile.objects.filter(account_id=account.pk).first()
    card = automatic_card(account.pk)
    if row is None:
        return PaymentProfileView(payment_type=PaymentType.CARD, card=card)
    return _view(row, card)


def _view(row: PaymentProfile, card: PaymentMethod | None) -> PaymentProfileView:
    return PaymentProfileView(
        payment_type=row.payment_type,
        card=card,
        mandate_reference=row.mandate_reference,
        mandate_signed_on=row.mandate_signed_on,
        iban_masked=row.iban_masked,
        account_holder=row.account_holder,
    )


def iban_clean(value: str, *, field: str = "iban") -> str:
    """An IBAN in its compact form (no spaces, upper case), checked: its country's length and
    format, and the check digits (ISO 13616, mod 97). Raises ``Invalid`` with a message for
    people otherwise."""
    compact = "".join((value or "").split()).upper()
    if not compact:
        raise Invalid("required", _("Enter the IBAN of the account to debit."), field=field)
    try:
        if not _IBAN_SHAPE.match(compact):
            raise ValidationError()
        stdnum_iban.validate(compact)
    except InvalidChecksum:
        raise Invalid(
            "iban_checksum",
            _(
                "This IBAN is not valid: its check digits do not match. Check it for a typing "
                "error."
            ),
            field=field,
        ) from None
    except ValidationError:
        raise Invalid(
            "iban_invalid",
            _("Enter a valid IBAN, for example DE89 3704 0044 0532 0130 00."),
            field=field,
        ) from None
    return compact


def _clean_debit(account: Account, debit: DirectDebit) -> tuple[str, str]:
    if account.currency != SEPA_CURRENCY:
        raise Refused(
            "direct_debit_currency",
            _(
                "SEPA direct debits are collected in euro, and your account is billed in "
                "%(currency)s. Choose another Payment Type."
            )
            % {"currency": account.currency},
            field="payment_type",
        )
    iban = iban_clean(debit.iban)
    if iban[:2] not in SEPA_COUNTRIES:
        raise Invalid(
            "iban_not_sepa",
            _("This IBAN is of a country outside the SEPA area. Enter the IBAN of a SEPA account."),
            field="iban",
        )
    holder = clean_text(debit.holder_name, field="account_holder", max_length=HOLDER_MAX)
    if not debit.mandate_accepted:
        raise Invalid(
            "mandate_not_accepted",
            _("Tick the box to give the SEPA direct debit mandate."),
            field="mandate_accepted",
        )
    return iban, holder


def _mandate_reference(account: Account) -> str:
    """A new mandate's reference: unique (a constraint backs it), at most 35 characters of the
    SEPA set."""
    return f"SW-{account.pk}-{secrets.token_hex(5).upper()}"


def _store_bank_account(*, iban: str, holder: str, mandate_reference: str) -> StoredBankAccount:
    try:
        return get_gateway().store_bank_account(
            BankAccountDetails(iban=iban, holder_name=holder),
            mandate_reference=mandate_reference,
        )
    except CardRefused:
        raise Invalid(
            "iban_refused",
            _("The payment gateway refused this bank account. Check the IBAN."),
            field="iban",
        ) from None
    except (GatewayUnavailable, GatewayTimeout):
        raise gateway_unreachable() from None


def _audit_values(row: PaymentProfile | None, card: PaymentMethod | None) -> dict[str, object]:
    """What the trail keeps of a profile: masked values only."""
    payment_type = row.payment_type if row is not None else PaymentType.CARD
    values: dict[str, object] = {"payment_type": payment_type}
    if payment_type == PaymentType.CARD:
        values["card"] = card.masked if card is not None else None
    if row is not None and payment_type == PaymentType.DIRECT_DEBIT:
        values.update(
            mandate_reference=row.mandate_reference,
            iban=row.iban_masked,
            account_holder=row.account_holder,
        )
    return values


def payment_profile_set(
    *,
    account: Account,
    payment_type: str,
    by: Actor,
    card: CardDetails | None = None,
    card_key: str | None = None,
    debit: DirectDebit | None = None,
    request_key: str = "",
) -> PaymentProfileSaved:
    """**Save** of the Payment Profile's Edit page (see the module docstring).

    ``card``: a new card for the card type (it becomes the default automatic card; Discover
    only for accounts billed in USD, ``services.card_brand_check``); without one the card on
    file is kept, and the card type needs one. ``debit``: the direct debit's account and
    mandate, required for that type and a new mandate each time it is given.
    """
    if not account.is_corporate:
        raise Refused(
            "not_corporate",
            _("The Payment Profile is for corporate accounts."),
            field="payment_type",
        )
    if payment_type not in PaymentType.values:
        raise Invalid("invalid_payment_type", _("Choose a Payment Type."), field="payment_type")
    key = request_key if _REQUEST_KEY.match(request_key or "") else ""
    if key:
        earlier = PaymentProfile.objects.filter(account_id=account.pk, request_key=key).first()
        if earlier is not None:
            # The same form again (a double click, a reload): saved already.
            return PaymentProfileSaved(_view(earlier, automatic_card(account.pk)), changed=False)
    debit_values: tuple[str, str] | None = None
    if payment_type == PaymentType.DIRECT_DEBIT:
        if debit is None:
            raise Invalid("required", _("Enter the IBAN of the account to debit."), field="iban")
        debit_values = _clean_debit(account, debit)
    elif payment_type == PaymentType.CARD and card is None and automatic_card(account.pk) is None:
        raise Invalid(
            "card_required",
            _("No card is on file: enter the card to charge."),
            field="card_number",
        )
    card_before = automatic_card(account.pk)
    new_card: PaymentMethod | None = None
    if payment_type == PaymentType.CARD and card is not None:
        # To the gateway (outside any transaction), kept as the default automatic card.
        new_card = payment_method_add(
            account=account,
            card=card,
            is_automatic=True,
            make_default=True,
            idempotency_key=card_key,
            by=by,
        )
    stored: StoredBankAccount | None = None
    reference = ""
    if debit_values is not None:
        iban, holder = debit_values
        reference = _mandate_reference(account)
        stored = _store_bank_account(iban=iban, holder=holder, mandate_reference=reference)
    with transaction.atomic():
        locked = account_lock(account.pk)
        row = payment_profile_lock(locked.pk)
        card_now = automatic_card(locked.pk)
        if key and row is not None and row.request_key == key:
            # The same form, sent twice at once: the other submission saved it.
            return PaymentProfileSaved(_view(row, card_now), changed=False)
        old = _audit_values(row, card_before)
        if row is None:
            row = PaymentProfile(account=locked)
        same_type = row.pk is not None and row.payment_type == payment_type
        if payment_type == PaymentType.CARD and card_now is None:
            raise Refused(
                "card_required",
                _("No card is on file: enter the card to charge."),
                field="card_number",
            )
        unchanged = (
            stored is None
            and new_card is None
            and (same_type or (row.pk is None and payment_type == PaymentType.CARD))
        )
        if unchanged:
            return PaymentProfileSaved(_view(row, card_now), changed=False)
        row.payment_type = payment_type
        row.request_key = key
        row.updated_at = timezone.now()
        if stored is not None:
            row.mandate_reference = reference
            row.mandate_signed_on = timezone.localdate()
            row.debit_gateway = get_gateway().alias
            row.debit_token = stored.token
            row.iban_country = stored.country
            row.iban_last4 = stored.last4
            row.account_holder = stored.holder_name
        elif payment_type != PaymentType.DIRECT_DEBIT:
            row.mandate_reference = row.debit_gateway = row.debit_token = ""
            row.iban_country = row.iban_last4 = row.account_holder = ""
            row.mandate_signed_on = None
        row.save()
        new = _audit_values(row, card_now)
        audit_record(
            by=by,
            action="payment_profile.set",
            obj=row,
            account_id=locked.pk,
            old=old,
            new=new,
        )
        view = _view(row, card_now)
        _changed_email(account=locked, view=view)
    return PaymentProfileSaved(view, changed=True)


def _changed_email(*, account: Account, view: PaymentProfileView) -> None:
    """The billing contact is told of every change, in their language, with masked details."""
    contact = billing_contact_of(account)
    if contact is None:
        return
    email_queue(
        kind=PROFILE_CHANGED_EMAIL,
        to_address=contact.email,
        to_person_id=contact.pk,
        account_id=account.pk,
        language=contact.language or account.language,
        context={
            "person": contact,
            "account_name": account.name,
            "payment_type": view.payment_type,
            "card": view.card.masked if view.card is not None else "",
            "iban": view.iban_masked,
            "mandate_reference": view.mandate_reference,
        },
    )


def mandate_payment_method(
    *, account: Account, mandate_reference: str, by: Actor
) -> PaymentMethod | None:
    """The ``PaymentMethod`` that debits the account's SEPA mandate ``mandate_reference``, made
    the first time it is asked for (with its audit entry, ``payment_method.mandate_added``);
    None when the account's Payment Profile no longer holds that mandate (changed to another
    type, or a new mandate given since): nothing may be debited under a withdrawn mandate.

    The row (kind ``sepa_debit``, neither automatic nor default, see ``PaymentMethod``) holds
    the gateway's token of the bank account and what may be shown of it; one per token
    (``payment_method_token_unique``). Call it outside the gateway call; it only writes rows.
    """
    with transaction.atomic():
        locked = account_lock(account.pk)
        row = payment_profile_lock(locked.pk)
        if (
            row is None
            or row.payment_type != PaymentType.DIRECT_DEBIT
            or not mandate_reference
            or row.mandate_reference != mandate_reference
        ):
            return None
        method = PaymentMethod.objects.filter(
            gateway=row.debit_gateway, token=row.debit_token
        ).first()
        if method is not None:
            return method if method.account_id == locked.pk else None
        signed = row.mandate_signed_on or timezone.localdate()
        method = PaymentMethod.objects.create(
            account=locked,
            kind=PaymentMethod.Kind.SEPA_DEBIT,
            gateway=row.debit_gateway,
            token=row.debit_token,
            brand="sepa_debit",
            last4=row.iban_last4,
            exp_month=signed.month,
            exp_year=signed.year,
            holder_name=row.account_holder,
            is_automatic=False,
            is_default=False,
        )
        audit_record(
            by=by,
            action="payment_method.mandate_added",
            obj=method,
            account_id=locked.pk,
            new={
                **snapshot(method, PAYMENT_METHOD_AUDIT_FIELDS),
                "mandate_reference": row.mandate_reference,
            },
        )
    return method
