"""The help center's contact form: one form per topic, the visitor's name and e-mail address
only when nobody is signed in."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import EMAIL_MAX, NAME_MAX
from seatwise.support.models import CASE_MESSAGE_MAX, CASE_SUBJECT_MAX, COMPANY_NAME_MAX, Case

FORM_KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=2 * NAME_MAX + 1)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=EMAIL_MAX,
        help_text=_("We send you a link to confirm it; your request is opened once you do."),
    )
    company_name = forms.CharField(
        label=_("Company (account name)"), max_length=COMPANY_NAME_MAX, required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=CASE_SUBJECT_MAX)
    message = forms.CharField(
        label=_("Your message"), max_length=CASE_MESSAGE_MAX, widget=forms.Textarea
    )
    new_contact_first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX)
    new_contact_last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX)
    new_contact_email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX)
    form_key = forms.RegexField(regex=FORM_KEY_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args: Any, topic: str, visitor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.visitor = visitor
        if not visitor:
            for name in ("name", "email", "company_name"):
                del self.fields[name]
        else:
            self.fields["name"].widget.attrs["autocomplete"] = "name"
            self.fields["email"].widget.attrs["autocomplete"] = "email"
            self.fields["company_name"].widget.attrs["autocomplete"] = "organization"
        if topic == Case.Topic.BILLING_CONTACT_CHANGE:
            del self.fields["subject"]
            message = self.fields["message"]
            message.required = False
            message.label = _("Anything we should know (optional)")
            if visitor:
                self.fields["company_name"].required = True
        else:
            for name in ("new_contact_first_name", "new_contact_last_name", "new_contact_email"):
                del self.fields[name]
        self.fields["message"].widget.attrs["rows"] = 6

    @property
    def requester_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "email", "company_name") if name in self.fields]

    @property
    def new_contact_fields(self) -> list[forms.BoundField]:
        names = ("new_contact_first_name", "new_contact_last_name", "new_contact_email")
        return [self[name] for name in names if name in self.fields]

    @property
    def request_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("subject", "message") if name in self.fields]
