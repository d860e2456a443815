from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.recovery_codes import RECOVERY_CODE_PATTERN


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=128)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class VerifyForm(forms.Form):
    """The code step of a sign-in: a code from the app, or one of the recovery codes."""

    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=rf"^\s*(?:\d{{6}}|{RECOVERY_CODE_PATTERN})\s*$",
        max_length=64,
        help_text=_("No phone at hand? Enter one of your recovery codes instead."),
        error_messages={"invalid": _("Enter the six digits your app shows, or a recovery code.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", autofocus=True
        )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=128)


class StepUpForm(forms.Form):
    """Confirm it is you: the password, or a code from the authenticator app (where set up)."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput, required=False
    )
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        required=False,
        error_messages={"invalid": _("Enter the six digits your app shows.")},
    )

    def __init__(self, *args: object, with_code: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["password"].widget.attrs.update(autocomplete="current-password", autofocus=True)
        if with_code:
            self.fields["code"].widget.attrs.update(
                autocomplete="one-time-code", inputmode="numeric"
            )
        else:
            del self.fields["code"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("password") and not data.get("code") and not self.errors:
            raise forms.ValidationError(
                _("Enter your password or a code from your authenticator app.")
                if "code" in self.fields
                else _("Enter your password.")
            )
        return data
