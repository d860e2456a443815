"""The forms of the portal's two-factor sign-in and step-up re-authentication."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CorporateTwoFactorConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CorporateTwoFactorDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Password of the Corporate Billing Portal"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
