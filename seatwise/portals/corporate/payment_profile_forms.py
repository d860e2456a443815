"""The Payment Profile's **Edit** form: **Payment Type**, then what that type needs (a new card,
or the account and mandate of a SEPA direct debit). It checks the shape of the input; the rules
(a card on file, euro for direct debits, the IBAN's check digits, Discover in USD only) are the
payments services'. The card number and security code are never written back into the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentProfile
from seatwise.payments.profiles import HOLDER_MAX, DirectDebit
from seatwise.portals.billing_center.forms import CardForm

# The new card's fields (``billing_center.forms.CardForm``).
CARD_FIELDS = ("card_number", "exp_month", "exp_year", "cvc", "holder_name")
CARD = PaymentProfile.PaymentType.CARD
DIRECT_DEBIT = PaymentProfile.PaymentType.DIRECT_DEBIT


class PaymentProfileForm(forms.Form):
    payment_type = forms.ChoiceField(
        label=_("Payment Type"),
        choices=PaymentProfile.PaymentType.choices,
        error_messages={
            "required": _("Choose a Payment Type."),
            "invalid_choice": _("Choose one of the payment types listed."),
        },
    )
    # Issued when the page is shown (``portals.forms.new_form_key``): the same form sent twice
    # saves once (``payments.profiles.payment_profile_set``, ``request_key``).
    form_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # SEPA direct debit
    iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        max_length=42,  # 34 characters and the spaces people type between groups
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_holder = forms.CharField(
        label=_("Account holder"), required=False, max_length=HOLDER_MAX
    )
    mandate_accepted = forms.BooleanField(required=False)

    def __init__(self, *args: Any, seller_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mandate_accepted"].label = _(
            "I authorise %(seller)s to collect the amounts of its invoices from this account by "
            "SEPA direct debit, and my bank to debit the account accordingly."
        ) % {"seller": seller_name}
        # A new card: its own fields, never echoed back (number and CVC), all optional: left
        # empty, the card on file is kept. Bound only when a new card is given, so that
        # empty card fields of another payment type show no errors.
        self.card_form = CardForm(self.data if self.uses_new_card() else None)
        for name in CARD_FIELDS:
            self.card_form.fields[name].required = False

    def uses_new_card(self) -> bool:
        return str(self.data.get("payment_type", "")) == CARD and bool(
            str(self.data.get("card_number", "")).strip()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.uses_new_card():
            for name in CARD_FIELDS:
                self.card_form.fields[name].required = True
            self.card_form.full_clean()
        if data.get("payment_type") == DIRECT_DEBIT:
            if not (data.get("iban") or "").strip():
                self.add_error("iban", _("Enter the IBAN of the account to debit."))
            if not (data.get("account_holder") or "").strip():
                self.add_error("account_holder", _("Enter the name of the account holder."))
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.uses_new_card():
            return self.card_form.is_valid() and valid
        return valid

    def new_card(self) -> CardDetails | None:
        return self.card_form.card() if self.uses_new_card() else None

    def new_card_key(self) -> str | None:
        if not self.uses_new_card():
            return None
        return self.card_form.cleaned_data.get("form_key") or None

    def direct_debit(self) -> DirectDebit | None:
        if self.cleaned_data.get("payment_type") != DIRECT_DEBIT:
            return None
        return DirectDebit(
            iban=self.cleaned_data["iban"],
            holder_name=self.cleaned_data["account_holder"],
            mandate_accepted=bool(self.cleaned_data.get("mandate_accepted")),
        )
