"""The support console's forms: they check the shape of what the agent types; the rules are the
support services'."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.portals.forms import IdField
from seatwise.support.models import CASE_MESSAGE_MAX, Case

SEARCH_MAX = 100


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Company, person, e-mail, User ID, invoice or case number"),
        max_length=SEARCH_MAX,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class TextForm(forms.Form):
    """An internal note or a reply by e-mail."""

    text = forms.CharField(
        label=_("Text"), max_length=CASE_MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


class LinkAccountForm(forms.Form):
    account_id = IdField(label=_("Account number"))


class VerifyForm(forms.Form):
    """What the requester says about the card on file, typed by the agent."""

    last4 = forms.RegexField(
        label=_("Last four digits of the card"),
        regex=r"^\s*\d{4}\s*$",
        error_messages={"invalid": _("Enter the four digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )
    exp_month = forms.IntegerField(
        label=_("Expiry month"),
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    exp_year = forms.IntegerField(
        label=_("Expiry year"),
        min_value=0,
        max_value=2099,
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    holder_name = forms.CharField(
        label=_("Card holder's name"),
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class CloseForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            (value, label)
            for value, label in Case.Resolution.choices
            if value != Case.Resolution.BILLING_CONTACT_CHANGED
        ],
    )
    note = forms.CharField(
        label=_("Note to the customer (optional)"),
        max_length=CASE_MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueForm(forms.Form):
    VIEWS = (
        ("open", _("All open cases")),
        ("unassigned", _("Unassigned")),
        ("mine", _("Assigned to me")),
        ("closed", _("Closed")),
    )
    view = forms.ChoiceField(choices=VIEWS, required=False)
    after = IdField(required=False)


class CreditForm(forms.Form):
    """A credit note on one invoice: how much (net; all that remains when empty), why, and how
    money that goes back is given back. ``key`` is issued with the form: the same form sent
    twice issues one credit note."""

    GIVE_BACK = (
        ("refund", _("Refund to the card that paid the invoice")),
        ("set_off", _("Set off against the next invoice")),
    )

    amount_net = forms.DecimalField(
        label=_("Net amount to credit (empty: all that remains)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("999999999.99"),
        max_digits=11,
        decimal_places=2,
        required=False,
    )
    reason = forms.CharField(label=_("Reason (printed on the credit note)"), max_length=200)
    give_back = forms.ChoiceField(
        label=_("If money goes back to the customer"),
        choices=GIVE_BACK,
        widget=forms.RadioSelect,
    )
    key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)
