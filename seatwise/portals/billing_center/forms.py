"""The Billing Center's forms: they check the shape of the input; the card itself is judged by
the payment gateway (``payments.services.payment_method_add``)."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from seatwise.core.validation import ID_MAX
from seatwise.payments.gateways.base import CardDetails

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Where each gateway refusal (``CardRefused.code``) is shown: next to the field it concerns.
REFUSAL_FIELDS = {
    "invalid_number": "card_number",
    "card_declined": "card_number",
    "invalid_expiry": "exp_month",
    "expired_card": "exp_month",
    "incorrect_cvc": "cvc",
    "discover_usd_only": "card_number",
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
    # Issued when the form is shown, so that a double-submitted form stores one card
    # (``payments.services.payment_method_add``, ``idempotency_key``).
    form_key = forms.CharField(
        required=False, widget=forms.HiddenInput, initial=lambda: secrets.token_hex(16)
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


# --- Change Plan / Change Seats ---------------------------------------------------------------

# A confirm form's key: issued when the review is shown (``new_form_key``), so that a double
# click or a reload of the confirmation charges once (``billing.orders``).
FORM_KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


def _offer(
    form: forms.Form,
    name: str,
    choices: list[tuple[int, str]],
    invalid: StrOrPromise,
    required: StrOrPromise,
) -> None:
    """The choices of the form's choice field ``name``, with its two refusals."""
    field = form.fields[name]
    assert isinstance(field, forms.TypedChoiceField)
    field.choices = choices
    field.error_messages["invalid_choice"] = invalid
    field.error_messages["required"] = required


class PlanChoiceForm(forms.Form):
    """Change Plan: one of the plans of the subscription's product."""

    plan = forms.TypedChoiceField(label=_("New plan"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, plans: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "plan", plans, _("Choose one of the plans shown."), _("Choose a plan."))


class SeatsForm(forms.Form):
    """Change Seats: the new total number of seats."""

    seats = forms.IntegerField(
        label=_("New total number of seats"),
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter the number of seats."),
            "invalid": _("Enter the number of seats as a whole number."),
            "min_value": _("The subscription keeps at least one seat."),
            "max_value": _("The number of seats is at most 10,000."),
        },
    )


class ConfirmForm(forms.Form):
    """The confirmation of a reviewed change: what was reviewed, its key, and its total."""

    # "add": ``choice`` seats bought now; "renewal": ``choice`` seats from the renewal;
    # empty for a plan (``choice`` is the plan's id).
    kind = forms.ChoiceField(
        choices=[("", ""), ("add", "add"), ("renewal", "renewal")],
        required=False,
        widget=forms.HiddenInput,
    )
    # A plan's id, or a number of seats (the services bound it further).
    choice = forms.IntegerField(min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    form_key = forms.RegexField(regex=FORM_KEY_PATTERN, widget=forms.HiddenInput)
    expected_total = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, widget=forms.HiddenInput
    )


class PayForm(forms.Form):
    """Pay Now of an open invoice in full by the card on file: only the form's key, issued
    when the page is shown, so that a double click or a reload pays once."""

    form_key = forms.RegexField(regex=FORM_KEY_PATTERN, widget=forms.HiddenInput)


# --- Add a New Subscription / Subscribe Now ---------------------------------------------------

BUY = "buy"
TRY = "try"
CONVERT = "convert"
CARD_ON_FILE = "file"
NEW_CARD = "new"


class ProductChoiceForm(forms.Form):
    """Add a New Subscription, first step: a product the account does not have, Buy or Try."""

    product = forms.TypedChoiceField(label=_("Product"), coerce=int, widget=forms.RadioSelect)
    mode = forms.ChoiceField(
        label=_("Buy or try"),
        choices=[(BUY, _("Buy")), (TRY, _("Try"))],
        widget=forms.RadioSelect,
        initial=BUY,
        error_messages={"required": _("Choose Buy or Try.")},
    )

    def __init__(self, *args: Any, products: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(
            self,
            "product",
            products,
            _("Choose one of the products shown."),
            _("Choose a product."),
        )


class PlanSeatsForm(forms.Form):
    """Add a New Subscription, second step (and Subscribe Now): plan, seats and, to buy, the
    first term: a whole term, or co-termed with the account's other subscriptions."""

    plan = forms.TypedChoiceField(label=_("Plan"), coerce=int, widget=forms.RadioSelect)
    seats = forms.IntegerField(
        label=_("Number of seats"),
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter the number of seats."),
            "invalid": _("Enter the number of seats as a whole number."),
            "min_value": _("A subscription has at least one seat."),
            "max_value": _("The number of seats is at most 10,000."),
        },
    )
    term = forms.ChoiceField(label=_("First term"), widget=forms.RadioSelect, required=False)

    def __init__(
        self,
        *args: Any,
        plans: list[tuple[int, str]],
        terms: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "plan", plans, _("Choose one of the plans shown."), _("Choose a plan."))
        term = self.fields["term"]
        assert isinstance(term, forms.ChoiceField)
        if terms:
            term.choices = terms
            term.initial = terms[0][0]
        else:
            del self.fields["term"]

    def clean_term(self) -> str:
        value: str = self.cleaned_data.get("term") or "full"
        return value


class NewSubscriptionConfirmForm(forms.Form):
    """The confirmation of a reviewed new subscription, trial or conversion: what was
    reviewed, its key and its total, and the card to charge (the card on file, or a new card
    given with ``CardForm``'s fields)."""

    mode = forms.ChoiceField(
        choices=[(BUY, BUY), (TRY, TRY), (CONVERT, CONVERT)], widget=forms.HiddenInput
    )
    plan = forms.IntegerField(min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    seats = forms.IntegerField(min_value=1, max_value=10_000, widget=forms.HiddenInput)
    coterm = forms.DateField(required=False, widget=forms.HiddenInput)
    form_key = forms.RegexField(regex=FORM_KEY_PATTERN, widget=forms.HiddenInput)
    expected_total = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, widget=forms.HiddenInput
    )
    payment = forms.ChoiceField(
        label=_("Pay with"),
        choices=[(CARD_ON_FILE, _("The card on file")), (NEW_CARD, _("A new card"))],
        widget=forms.RadioSelect,
        required=False,
    )
