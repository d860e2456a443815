"""The Admin Center's forms. They parse and check the shape of the input; the rules (free
seats, roles, limits) are the services'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.contact_requests import NOTE_MAX
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX
from seatwise.portals.forms import IdsField
from seatwise.subscriptions.licensing import BULK_MAX_PEOPLE
from seatwise.subscriptions.models import Subscription

DO_NOT_NOTIFY = _("Do not notify users about this change")


def seats_label(subscription: Subscription) -> str:
    return str(
        _("%(product)s (%(free)d of %(seats)d seats free)")
        % {
            "product": subscription.product.name,
            "free": subscription.seats_free,
            "seats": subscription.seats,
        }
    )


class _ProductsMixin(forms.Form):
    """A checkbox per live subscription of the account, labelled with its free seats."""

    products = forms.MultipleChoiceField(
        label=_("Products"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, subscriptions: Sequence[Subscription] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = {str(s.pk): s for s in subscriptions}
        products = self.fields["products"]
        assert isinstance(products, forms.MultipleChoiceField)
        products.choices = [(key, seats_label(s)) for key, s in self.subscriptions.items()]

    def chosen_subscriptions(self) -> list[Subscription]:
        return [self.subscriptions[key] for key in self.cleaned_data.get("products", [])]


class AddUserForm(_ProductsMixin):
    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the user's pages and e-mails."),
    )
    # The page explains below it that the invitation itself is always sent.
    do_not_notify = forms.BooleanField(label=DO_NOT_NOTIFY, required=False)
    field_order = ["first_name", "last_name", "email", "language", "products", "do_not_notify"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["last_name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class ProductsForm(_ProductsMixin):
    """User Details › Products: the ticked products replace the user's products."""

    do_not_notify = forms.BooleanField(label=DO_NOT_NOTIFY, required=False)


class BulkLicensesForm(forms.Form):
    """Licenses › bulk: one product, several users, Assign or Unassign."""

    subscription = forms.ChoiceField(label=_("Product"))
    people = IdsField(
        label=_("Users"),
        max_count=BULK_MAX_PEOPLE,
        error_messages={
            "required": _("Select at least one user."),
            "invalid": _("The selection of users is not valid."),
            "too_many": _("Select at most %(max)d users at a time."),
        },
    )
    action = forms.ChoiceField(choices=[("assign", _("Assign")), ("unassign", _("Unassign"))])
    do_not_notify = forms.BooleanField(label=DO_NOT_NOTIFY, required=False)

    def __init__(
        self, *args: Any, subscriptions: Sequence[Subscription] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = {str(s.pk): s for s in subscriptions}
        field = self.fields["subscription"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, seats_label(s)) for key, s in self.subscriptions.items()]

    def chosen_subscription(self) -> Subscription:
        return self.subscriptions[self.cleaned_data["subscription"]]


class AdminGrantForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the user"),
        max_length=EMAIL_MAX,
        help_text=_("The user must already be a member of your account (see Add Users)."),
    )


class BillingAdminContactForm(forms.Form):
    note = forms.CharField(
        label=_("Your note (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # Issued when the page is shown (``portals.forms.new_form_key``): the same form sent again
    # sends one message (``accounts.contact_requests``). A key of another shape is ignored.
    form_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated here, in the language of the request, not once at import.
        self.fields["note"].help_text = _(
            "For example which product, how many licenses, and for whom. "
            "At most %(max)d characters."
        ) % {"max": NOTE_MAX}
