from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import EMAIL_MAX

USER_ID_HELP = _(
    "Your User ID is a user name or an e-mail address. It is printed on every invoice we "
    "e-mail you."
)


class CorporateSignInForm(forms.Form):
    user_id = forms.CharField(label=_("User ID"), max_length=EMAIL_MAX, help_text=USER_ID_HELP)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user_id"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class CorporatePasswordResetForm(forms.Form):
    user_id = forms.CharField(label=_("User ID"), max_length=EMAIL_MAX, help_text=USER_ID_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user_id"].widget.attrs.update(autocomplete="username", autofocus=True)


class CorporatePasswordSetForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters; not a common password, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two new passwords differ."))
        return data
