"""The portals' form renderer: Django's field rendering, with the portals' field markup.

Templates render a field with ``{{ form.name.as_field_group }}`` (or a whole form with
``{{ form }}``). Django builds the widget's attributes: ``aria-describedby`` names the help text
(``<id>_helptext``) and the error list (``<id>_error``) the field has, and ``aria-invalid="true"``
marks a field with errors. jinja2/portal/field_group.html gives those elements exactly these
ids, so that a screen reader reads the help and the errors with the field.

Fields and widgets render with Jinja2, from the widget templates Django ships for it
(``django/forms/jinja2``): the same markup, at a fraction of the cost of Django's template
language, which renders every widget and every attribute through its own nested templates
(measured on My Account, a page of three forms: 2.2 of its 4 ms).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import Jinja2
from django.utils.functional import cached_property

FOLDERS = [
    Path(__file__).with_name("jinja2"),
    Path(django.forms.__file__).with_name("jinja2"),
]


class PortalFormRenderer(Jinja2):
    """Renders forms with Django's Jinja2 widget templates; each field with
    ``portal/field_group.html`` (seatwise/portals/jinja2/)."""

    field_template_name = "portal/field_group.html"

    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {"APP_DIRS": False, "DIRS": FOLDERS, "NAME": "portalforms", "OPTIONS": {}}
        )
