"""The Billing Center's forms: they check the shape of the input; the card itself is judged by
the payment gateway (``payments.services.payment_method_add``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.payments.gateways.base import CardDetails

# Where each gateway refusal (``CardRefused.code``) is shown: next to the field it concerns.
REFUSAL_FIELDS = {
    "invalid_number": "card_number",
    "card_declined": "card_number",
    "invalid_expiry": "exp_month",
    "expired_card": "exp_month",
    "incorrect_cvc": "cvc",
}
YEARS_AHEAD = 20


class NoEchoInput(forms.TextInput):
    """A text input that never writes what was typed back into the page: the card number and
    the security code are not echoed when the form is shown again with errors."""

    def format_value(self, value: Any) -> str | None:
        return None


class CardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,  # 19 digits and the spaces people type between groups
        widget=NoEchoInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    exp_month = forms.TypedChoiceField(
        label=_("Expiry month"),
        coerce=int,
        choices=[(m, f"{m:02d}") for m in range(1, 13)],
        widget=forms.Select(attrs={"autocomplete": "cc-exp-month"}),
    )
    exp_year = forms.TypedChoiceField(
        label=_("Expiry year"),
        coerce=int,
        widget=forms.Select(attrs={"autocomplete": "cc-exp-year"}),
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        help_text=_(
            "The three digits on the back of the card; four on the front for American Express."
        ),
        widget=NoEchoInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "size": 4}),
    )
    holder_name = forms.CharField(
        label=_("Name on the card"),
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        exp_year = self.fields["exp_year"]
        assert isinstance(exp_year, forms.TypedChoiceField)
        exp_year.choices = [(y, str(y)) for y in range(year, year + YEARS_AHEAD + 1)]

    def clean_card_number(self) -> str:
        number: str = self.cleaned_data["card_number"]
        if not re.fullmatch(r"[0-9 ]+", number):
            raise forms.ValidationError(_("Enter the card number in digits."), code="digits")
        return number.replace(" ", "")

    def clean_cvc(self) -> str:
        cvc: str = self.cleaned_data["cvc"]
        if not re.fullmatch(r"[0-9]{3,4}", cvc):
            raise forms.ValidationError(
                _("The security code (CVC) is three or four digits."), code="cvc"
            )
        return cvc

    def card(self) -> CardDetails:
        data = self.cleaned_data
        return CardDetails(
            number=data["card_number"],
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            cvc=data["cvc"],
            holder_name=data["holder_name"],
        )
