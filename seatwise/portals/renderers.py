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

Django's Jinja2 widget templates still nest: a text input is ``text.html``, which includes
``input.html``, which includes ``attrs.html``; a select includes a template per option and
another for each option's attributes (ten templates for a choice of four languages, each a
new Jinja2 context). Here a widget is one template:

- a shipped template that only includes another (``text.html``, ``radio.html``, …) is served
  as that other one (``_aliases``, read from Django's folder once per renderer);
- ``jinja2/django/forms/widgets/`` overrides the templates that include others with the same
  markup written out: the attributes by ``widget_attrs`` (what ``attrs.html`` writes), a select's
  options and a radio button's input in place where they use Django's own option templates.

The markup is Django's, byte for byte (tests/portals/test_widget_templates.py renders every widget
kind both ways).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import django.forms
import jinja2
from django.forms.renderers import Jinja2
from django.utils.functional import cached_property
from markupsafe import Markup, escape

DJANGO_FOLDER = Path(django.forms.__file__).with_name("jinja2")
FOLDERS = [Path(__file__).with_name("jinja2"), DJANGO_FOLDER]
WIDGETS = "django/forms/widgets/"
# The option templates whose markup multiple_input.html writes in place.
INPUT_OPTION_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)
_ONLY_INCLUDE = re.compile(r'\{% include "([^"]+)" %\}')


def widget_attrs(attrs: Mapping[str, Any]) -> Markup:
    """What Django's ``attrs.html`` writes for a widget's attributes: `` name="value"`` for
    each, the name alone for True, nothing for False; escaped as Jinja2 escapes."""
    return Markup(  # noqa: S704 - every name and value escaped
        "".join(
            [
                f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
                for name, value in attrs.items()
                if value is not False
            ]
        )
    )


def environment(**options: Any) -> jinja2.Environment:
    """The forms' Jinja2 environment (the backend's ``environment`` option)."""
    env = jinja2.Environment(autoescape=options.pop("autoescape", True), **options)
    env.globals["widget_attrs"] = widget_attrs
    env.globals["input_option_templates"] = INPUT_OPTION_TEMPLATES
    return env


def _aliases() -> dict[str, str]:
    """Each widget template Django ships that only includes another, and the one it ends at."""
    included: dict[str, str] = {}
    for path in (DJANGO_FOLDER / WIDGETS).glob("*.html"):
        found = _ONLY_INCLUDE.fullmatch(path.read_text(encoding="utf-8").strip())
        if found:
            included[f"{WIDGETS}{path.name}"] = found.group(1)
    aliases = {}
    for name, target in included.items():
        while target in included:
            target = included[target]
        aliases[name] = target
    return aliases


class PortalFormRenderer(Jinja2):
    """Renders forms with Django's Jinja2 widget templates; each field with
    ``portal/field_group.html`` (seatwise/portals/jinja2/)."""

    field_template_name = "portal/field_group.html"

    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {
                "APP_DIRS": False,
                "DIRS": FOLDERS,
                "NAME": "portalforms",
                "OPTIONS": {"environment": "seatwise.portals.renderers.environment"},
            }
        )

    @cached_property
    def _aliases(self) -> dict[str, str]:
        return _aliases()

    def get_template(self, template_name: str) -> Any:
        return self.engine.get_template(self._aliases.get(template_name, template_name))
