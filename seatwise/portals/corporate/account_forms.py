"""Forms of the Corporate Billing Portal's Auto Renew, Pay Now and Account pages. They check the
shape of the input; the rules are the services'."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import EMAIL_MAX, NAME_MAX
from seatwise.accounts.purchase_orders import PURCHASE_ORDER_MAX
from seatwise.core.countries import country_codes, country_name
from seatwise.core.languages import BABEL_LOCALES
from seatwise.subscriptions.auto_renew import CANCEL_REASONS, DETAILS_MAX

# --- Auto Renew -------------------------------------------------------------------------------


class AutoRenewOffForm(forms.Form):
    cancel_reason = forms.ChoiceField(
        label=_("Cancel Reason"),
        choices=[("", _("Choose a reason")), *CANCEL_REASONS.items()],
        error_messages={"required": _("Choose a Cancel Reason.")},
    )
    cancel_details = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=DETAILS_MAX,
        help_text=_("Required when the reason is “Other”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cancel_reason") == "other" and not (data.get("cancel_details") or "").strip():
            self.add_error("cancel_details", _("Tell us the reason."))
        return data


# --- Pay Now ----------------------------------------------------------------------------------

_AMOUNT_CHARS = re.compile(r"^[0-9.,' \u00a0\u202f]+$")


def parse_amount(text: str, language: str) -> Decimal:
    """An amount as people type it: "1.234,56" or "1234,56" in German, Italian or Spanish,
    "1,234.56" or "1234.56" in English; the other convention when the reader's own does not
    read it. Raises ``forms.ValidationError`` for anything else (letters, signs, exponents)."""
    cleaned = (text or "").strip()
    if not cleaned or not _AMOUNT_CHARS.match(cleaned):
        raise forms.ValidationError(
            _("Enter the amount in digits, for example 1.234,56 or 1234.56."), code="format"
        )
    compact = re.sub(r"[ \u00a0\u202f']", "", cleaned)
    own = BABEL_LOCALES.get(language, BABEL_LOCALES["en"])
    other = BABEL_LOCALES["en"] if own != BABEL_LOCALES["en"] else BABEL_LOCALES["de"]
    for locale in (own, other):
        try:
            value = parse_decimal(compact, locale=locale, strict=True)
        except NumberFormatError:
            continue
        if value.is_finite():
            return value
    raise forms.ValidationError(
        _("Enter the amount in digits, for example 1.234,56 or 1234.56."), code="format"
    )


def new_payment_key() -> str:
    """The idempotency key of one Pay Now form as shown: the same key twice pays once."""
    return secrets.token_urlsafe(24)


class PayForm(forms.Form):
    FULL, PARTIAL = "full", "partial"
    ON_FILE, NEW = "on_file", "new"

    payment_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    how_much = forms.ChoiceField(
        label=_("Amount to pay"),
        choices=[(FULL, _("Pay in full")), (PARTIAL, _("Partial payment"))],
        widget=forms.RadioSelect,
        initial=FULL,
    )
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        max_length=32,
        help_text=_("For a partial payment: more than zero and at most the amount due."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    card = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, card_on_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = []
        if card_on_file is not None:
            choices.append(
                (self.ON_FILE, str(_("Card on file: %(card)s") % {"card": card_on_file}))
            )
        choices.append((self.NEW, str(_("A new card, for this payment only"))))
        card = self.fields["card"]
        assert isinstance(card, forms.ChoiceField)
        card.choices = choices
        card.initial = choices[0][0]

    def clean_amount(self) -> Decimal | None:
        if self.data.get("how_much") != self.PARTIAL:
            return None
        text: str = self.cleaned_data.get("amount") or ""
        if not text.strip():
            raise forms.ValidationError(
                _("Enter the amount of the partial payment."), code="required"
            )
        value = parse_amount(text, get_language() or settings.LANGUAGE_CODE)
        if value <= 0:
            raise forms.ValidationError(_("Enter an amount of more than zero."), code="positive")
        if value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise forms.ValidationError(_("Enter the amount in whole cents."), code="cents")
        return value


# --- Account: Bill To, invoice contacts, purchase-order number --------------------------------


class BillToForm(forms.Form):
    """The **Billing Address** section of the Bill To's **Edit** page (article 001)."""

    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX)
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        language = get_language() or settings.LANGUAGE_CODE
        names = {code: country_name(code, language) for code in country_codes()}
        choices: list[tuple[str, str]] = sorted(names.items(), key=lambda item: item[1])
        country.choices = choices
        self.fields["first_name"].widget.attrs.update(autocomplete="given-name")
        self.fields["last_name"].widget.attrs.update(autocomplete="family-name")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["address_line1"].widget.attrs.update(autocomplete="address-line1")
        self.fields["address_line2"].widget.attrs.update(autocomplete="address-line2")
        self.fields["postal_code"].widget.attrs.update(autocomplete="postal-code")
        self.fields["city"].widget.attrs.update(autocomplete="address-level2")
        self.fields["region"].widget.attrs.update(autocomplete="address-level1")


class InvoiceContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=2 * NAME_MAX + 1)
    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX)


class PurchaseOrderForm(forms.Form):
    purchase_order_number = forms.CharField(
        label=_("Purchase-order number"),
        max_length=PURCHASE_ORDER_MAX,
        required=False,
        help_text=_("Printed on the invoices issued from now on. Leave empty to print none."),
    )
    purchase_order_expires_on = forms.DateField(
        label=_("Expiration date"),
        required=False,
        help_text=_(
            "Optional. Invoices issued on this day or later carry no purchase-order number; "
            "the billing contact is reminded by e-mail 14 days before."
        ),
        error_messages={"invalid": _("Enter the expiration date as a date, such as 2027-03-31.")},
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
