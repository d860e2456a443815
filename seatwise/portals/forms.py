"""Helpers shared by the portals' views."""

from __future__ import annotations

from django import forms

from seatwise.core.errors import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
