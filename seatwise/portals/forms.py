"""What the portals' forms share: form keys, a service's refusal shown on its form, and the
fields of ids a page sends back."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seatwise.core.errors import ServiceError
from seatwise.core.validation import parse_id

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
    """Show a service's refusal next to the field it concerns (a service's ``card.holder_name``
    is the form's ``holder_name``), or above the form."""
    field = error.field
    if field is not None and field not in form.fields:
        field = field.rsplit(".", 1)[-1]
    form.add_error(field if field in form.fields else None, str(error.message))


# --- Ids sent back by a page ------------------------------------------------------------------
# A page writes ids into hidden fields, checkboxes and links; what comes back may be anything. An
# id is a whole number in ASCII digits from 1 to ``core.validation.ID_MAX``: anything else is
# refused with the form's own message and never reaches the database, where a number beyond a
# 64-bit integer overflows the query.


class IdField(forms.Field):
    """One id (a hidden field, a keyset page's cursor)."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("This choice is not valid. Reload the page and try again."),
    }

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(str(value))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdsField(forms.Field):
    """Several ids from checkboxes named alike (``people=3&people=7``), at most ``max_count``
    different ones, returned sorted without repeats."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("This choice is not valid. Reload the page and try again."),
        "too_many": _("Select at most %(max)d at a time."),
    }

    def __init__(self, *, max_count: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_count = max_count

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ids = {parse_id(str(item)) for item in value}
        if None in ids:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(ids) > self.max_count:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.max_count}
            )
        return sorted(i for i in ids if i is not None)
