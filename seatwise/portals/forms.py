"""Helpers shared by the portals' views."""

from __future__ import annotations

import re
import secrets

from django import forms

from seatwise.core.errors import ServiceError

# A form's key: issued when the form is shown and posted back in a hidden field, so that the
# service it calls can tell the same form sent again (a double click, a reload, many tabs at
# once) from a new one. The services accept keys of this shape and ignore any other.
FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """A fresh form key: 32 random URL-safe characters."""
    return secrets.token_urlsafe(24)


def posted_form_key(form: forms.Form, name: str = "form_key") -> str:
    """The key ``form`` was posted with, if well formed; else a new one for the page to carry
    (a form from an older page, or none at all)."""
    key = str(form.data.get(name, "")) if form.is_bound else ""
    return key if FORM_KEY_RE.match(key) else new_form_key()


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
