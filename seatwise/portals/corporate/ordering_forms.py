"""The forms of the Add Seats flow (article 003): the cart (**New Seat Qty** per product) and the
checkout (**Admin contact**, **Payment method**, **Billing address**).

They check the shape of the input only; the rules (which products, how many seats, the open
quote, the card) are the ordering services'. The card's number and security code are never
written back into a page (``billing_center.forms.NoEchoInput``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import EMAIL_MAX, NAME_MAX
from seatwise.core.countries import country_codes, country_name
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.portals.billing_center.forms import CardForm
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import MAX_SEATS

NEW_CARD = "new"
# The new card's fields (``billing_center.forms.CardForm``), required only for a new card.
CARD_FIELDS = ("card_number", "exp_month", "exp_year", "cvc", "holder_name")


def seats_field_name(subscription_id: int) -> str:
    """The cart's field of one subscription: the same name the ordering services give their
    ``invalid_seats`` refusal, so that it is shown next to the right product."""
    return f"seats-{subscription_id}"


@dataclass(frozen=True, slots=True)
class CartRow:
    subscription: Subscription
    field: BoundField


class AddSeatsForm(forms.Form):
    """**New Seat Qty** for each product whose seats can be expanded: the number of seats to
    ADD, not the new total, a whole number from 0; an empty field counts as 0."""

    # Set by the confirmation step: the open quote expires at once and this cart replaces it.
    replace_open = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Issued when the page is shown (``portals.forms.new_form_key``) and kept by the
    # confirmation step: however often this form is sent, it makes one quote
    # (``ordering.services.quote_create``, ``request_key``). A key of another shape is ignored.
    form_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, subscriptions: Sequence[Subscription], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = list(subscriptions)
        for subscription in self.subscriptions:
            most = max(MAX_SEATS - subscription.seats, 0)
            self.fields[seats_field_name(subscription.pk)] = forms.IntegerField(
                label=_("New Seat Qty"),
                required=False,
                min_value=0,
                max_value=most,
                initial=0,
                help_text=_("Seats to add to the %(seats)d you have; up to %(most)d.")
                % {"seats": subscription.seats, "most": most},
                error_messages={
                    "invalid": _("Enter a whole number of seats to add, such as 5."),
                    "min_value": _("The number of seats to add cannot be negative."),
                    "max_value": _("You can add at most %(limit_value)s seats to this product."),
                },
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": most, "step": 1, "inputmode": "numeric"}
                ),
            )

    def rows(self) -> list[CartRow]:
        return [
            CartRow(subscription, self[seats_field_name(subscription.pk)])
            for subscription in self.subscriptions
        ]

    def seats(self) -> dict[int, int]:
        """Subscription id → seats to add, the products left at 0 left out."""
        data = self.cleaned_data
        return {
            s.pk: data[seats_field_name(s.pk)]
            for s in self.subscriptions
            if data.get(seats_field_name(s.pk))
        }


def _country_choices() -> list[tuple[str, str]]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    names = [(code, country_name(code, language.split("-")[0])) for code in country_codes()]
    return sorted(names, key=lambda item: item[1].casefold())


class CheckoutForm(forms.Form):
    """The checkout's three sections. The new card's fields are a ``CardForm`` of their own
    (``card_form``), validated only when **Payment method** is "a new card"."""

    # Admin contact
    admin_first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX)
    admin_last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX)
    admin_email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX)
    admin_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    # Payment method
    payment_method = forms.ChoiceField(
        label=_("Card to charge"), widget=forms.RadioSelect, choices=()
    )
    # Billing address
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    region = forms.CharField(label=_("Region or state"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=())

    def __init__(
        self,
        data: Any = None,
        *,
        cards: Iterable[PaymentMethod],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.cards = list(cards)
        payment = self.fields["payment_method"]
        assert isinstance(payment, forms.ChoiceField)
        payment.choices = [
            *(
                (
                    str(card.pk),
                    _("%(card)s, expires %(expiry)s")
                    % {"card": card.masked, "expiry": card.expiry},
                )
                for card in self.cards
            ),
            (NEW_CARD, _("A new card")),
        ]
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = _country_choices()
        # The new card: its own fields, never echoed back (number and CVC).
        self.card_form = CardForm(data)
        for name in CARD_FIELDS:
            self.card_form.fields[name].required = False

    def uses_new_card(self) -> bool:
        return self.data.get("payment_method") == NEW_CARD

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("payment_method") == NEW_CARD:
            for name in CARD_FIELDS:
                self.card_form.fields[name].required = True
            self.card_form.full_clean()
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.uses_new_card():
            return self.card_form.is_valid() and valid
        return valid

    def payment_method_id(self) -> int | None:
        choice = self.cleaned_data["payment_method"]
        return None if choice == NEW_CARD else int(choice)

    def new_card(self) -> CardDetails | None:
        return self.card_form.card() if self.uses_new_card() else None

    def new_card_key(self) -> str | None:
        """The card form's key (issued when the page was shown): one card per submission."""
        if not self.uses_new_card():
            return None
        return self.card_form.cleaned_data.get("form_key") or None
