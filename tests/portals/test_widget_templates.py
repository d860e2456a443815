"""Widgets render as Django's own Jinja2 widget templates render them, byte for byte, though the
portals' form renderer renders each in one template (seatwise.portals.renderers)."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import Jinja2
from markupsafe import Markup

from seatwise.portals.renderers import PortalFormRenderer, _aliases

ATTRS = {
    "id": "id_field",
    "class": "input wide",
    "required": True,
    "disabled": False,
    "maxlength": 12,
    "placeholder": 'Say "hi" <now> & then',
    "data-safe": Markup("<i>kept</i>"),
    "aria-describedby": "id_field_helptext id_field_error",
    "data-none": None,
}
CHOICES = [("de", "Deutsch"), ("it", "Italiano <it>"), ("es", "Español"), ("", "—")]
GROUPED = [
    ("Europe", [("de", "Deutsch"), ("it", "Italiano")]),
    ("", [("en", "English")]),
    ("Other & more", [("es", "Español")]),
]


def _cases() -> list[tuple[str, forms.Widget, object, dict[str, object]]]:
    return [
        ("text-empty", forms.TextInput(), None, {}),
        ("text", forms.TextInput(), 'Ada "A" <Lovelace> & co', ATTRS),
        ("text-zero", forms.TextInput(), 0, {"id": "z"}),
        ("email", forms.EmailInput(), "ada@example.com", ATTRS),
        ("number", forms.NumberInput(attrs={"min": 1, "max": 500, "step": 1}), 10, {"id": "n"}),
        ("password", forms.PasswordInput(), "secret", ATTRS),
        ("password-shown", forms.PasswordInput(render_value=True), "secret", {"id": "p"}),
        ("hidden", forms.HiddenInput(), "42", {}),
        ("date", forms.DateInput(attrs={"type": "date"}), datetime.date(2026, 3, 2), {}),
        ("checkbox-on", forms.CheckboxInput(), True, ATTRS),
        ("checkbox-off", forms.CheckboxInput(), False, {"id": "c"}),
        ("textarea-empty", forms.Textarea(), "", ATTRS),
        ("textarea", forms.Textarea(attrs={"rows": 4}), "Line 1\nLine <2> & 3", {"id": "t"}),
        ("select", forms.Select(choices=CHOICES), "it", ATTRS),
        ("select-none", forms.Select(choices=CHOICES), None, {}),
        ("select-grouped", forms.Select(choices=GROUPED), "en", {"id": "g"}),
        ("select-multiple", forms.SelectMultiple(choices=CHOICES), ["de", "es"], ATTRS),
        ("radio", forms.RadioSelect(choices=CHOICES), "es", ATTRS),
        ("radio-no-id", forms.RadioSelect(choices=CHOICES), None, {}),
        ("radio-grouped", forms.RadioSelect(choices=GROUPED), "de", {"id": "rg"}),
        (
            "checkboxes",
            forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"class": "list"}),
            ["de", "it"],
            {"id": "cb"},
        ),
        ("split-datetime", forms.SplitDateTimeWidget(), datetime.datetime(2026, 3, 2, 9, 5), {}),
    ]


@pytest.mark.parametrize(
    ("name", "widget", "value", "attrs"), [pytest.param(*case, id=case[0]) for case in _cases()]
)
def test_each_widget_renders_as_djangos_jinja2_templates_render_it(name, widget, value, attrs):
    django_markup = widget.render(name, value, attrs=dict(attrs), renderer=Jinja2())
    portal_markup = widget.render(name, value, attrs=dict(attrs), renderer=PortalFormRenderer())

    assert portal_markup == django_markup
    assert portal_markup.startswith("<")


def test_a_template_that_only_includes_another_is_served_as_that_one():
    aliases = _aliases()

    assert aliases["django/forms/widgets/text.html"] == "django/forms/widgets/input.html"
    assert aliases["django/forms/widgets/checkbox.html"] == "django/forms/widgets/input.html"
    assert aliases["django/forms/widgets/radio.html"] == "django/forms/widgets/multiple_input.html"
    # Two includes deep: radio_option.html includes input_option.html, which writes markup.
    assert aliases["django/forms/widgets/radio_option.html"] == (
        "django/forms/widgets/input_option.html"
    )
    # Templates that write markup of their own are not aliases.
    assert "django/forms/widgets/select.html" not in aliases
    assert "django/forms/widgets/input.html" not in aliases


def test_a_select_renders_in_one_template():
    renderer = PortalFormRenderer()
    rendered: list[str] = []
    engine_get = renderer.engine.get_template

    def counted(name: str):  # type: ignore[no-untyped-def]
        rendered.append(name)
        return engine_get(name)

    renderer.engine.get_template = counted  # type: ignore[method-assign]
    forms.Select(choices=CHOICES).render("language", "de", renderer=renderer)

    assert rendered == ["django/forms/widgets/select.html"]
