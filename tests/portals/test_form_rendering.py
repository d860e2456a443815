"""Form fields as the portals render them (seatwise/portals/renderers.py and
seatwise/portals/jinja2/portal/field_group.html): each id in a field's ``aria-describedby``
is on the page, the help text and the errors are in the elements it names, and an invalid
field says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django import forms
from django.template import Context, Template
from django.test.html import Element, parse_html

from seatwise.portals.renderers import PortalFormRenderer

HELP = "Invoices are sent to this address."
INVALID = "Enter the e-mail address as name@example.com."
TAKEN = "This address belongs to another account."
PLAN_HELP = "A higher tier takes effect at once."
CHOOSE = "Choose a plan."


class ExampleForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", help_text=HELP, error_messages={"invalid": INVALID}
    )
    note = forms.CharField(label="Note", required=False)
    do_not_notify = forms.BooleanField(label="Do not notify the user", required=False)
    plan = forms.ChoiceField(
        label="New plan",
        choices=[("basic", "Basic"), ("pro", "Pro")],
        widget=forms.RadioSelect,
        help_text=PLAN_HELP,
        error_messages={"required": CHOOSE},
    )


def render(source: str, form: forms.Form) -> Element:
    return parse_html(Template(source).render(Context({"form": form})))


def elements(node: Element) -> Iterator[Element]:
    yield node
    for child in node.children:
        if isinstance(child, Element):
            yield from elements(child)


def text(node: Element) -> str:
    return " ".join(
        (child if isinstance(child, str) else text(child)).strip() for child in node.children
    ).strip()


def attrs(node: Element) -> dict[str, str | None]:
    return dict(node.attributes)


def find(page: Element, **wanted: str) -> Element:
    [node] = [
        node
        for node in elements(page)
        if all(attrs(node).get(name) == value for name, value in wanted.items())
    ]
    return node


def described_by(page: Element, node: Element) -> list[Element]:
    """The elements ``node``'s aria-describedby names; fails on an id that is not on the page."""
    ids = {attrs(n)["id"]: n for n in elements(page) if attrs(n).get("id")}
    names = (attrs(node).get("aria-describedby") or "").split()
    missing = [name for name in names if name not in ids]
    assert missing == []
    return [ids[name] for name in names]


def invalid_form() -> ExampleForm:
    form = ExampleForm(data={"email": "not an address"})
    form.is_valid()
    form.add_error("email", TAKEN)
    return form


def test_the_portals_render_with_the_portal_renderer():
    assert isinstance(ExampleForm().renderer, PortalFormRenderer)


@pytest.mark.parametrize("source", ["{{ form.email.as_field_group }}", "{{ form }}"])
def test_an_invalid_field_names_its_help_text_and_its_errors(source):
    # Given a field with help text and two errors
    form = invalid_form()

    # When it is rendered
    page = render(source, form)

    # Then the input is invalid and described by its help text and its errors, in that order
    field = find(page, name="email")
    assert attrs(field)["aria-invalid"] == "true"
    help_text, errors = described_by(page, field)
    assert text(help_text) == HELP
    assert [text(p) for p in errors.children if isinstance(p, Element)] == [INVALID, TAKEN]
    assert text(find(page, **{"for": "id_email"})) == "E-mail address"
    [group] = [node for node in elements(page) if field in node.children]
    assert attrs(group)["class"] == "form-field form-field--invalid"


def test_a_valid_field_names_its_help_text_only():
    form = ExampleForm(data={"email": "anna@example.com", "plan": "pro"})
    assert form.is_valid()

    page = render("{{ form.email.as_field_group }}", form)

    field = find(page, name="email")
    assert "aria-invalid" not in attrs(field)
    assert [text(node) for node in described_by(page, field)] == [HELP]
    assert attrs(page)["class"] == "form-field"


def test_an_invalid_field_without_help_text_names_its_errors():
    form = ExampleForm(data={"email": "anna@example.com", "plan": "pro"})
    form.is_valid()
    form.add_error("note", TAKEN)

    page = render("{{ form.note.as_field_group }}", form)

    field = find(page, name="note")
    assert attrs(field)["aria-invalid"] == "true"
    [errors] = described_by(page, field)
    assert text(errors) == TAKEN


def test_a_field_without_help_text_or_errors_names_nothing():
    page = render("{{ form.note.as_field_group }}", ExampleForm())

    assert "aria-describedby" not in attrs(find(page, name="note"))
    assert text(find(page, **{"for": "id_note"})) == "Note"


def test_a_checkbox_stands_before_its_label():
    page = render("{{ form.do_not_notify.as_field_group }}", ExampleForm())

    assert attrs(page)["class"] == "form-field form-field--inline"
    checkbox, label = (child for child in page.children if isinstance(child, Element))
    assert attrs(checkbox)["type"] == "checkbox"
    assert (label.name, attrs(label)["for"], text(label)) == (
        "label",
        "id_do_not_notify",
        "Do not notify the user",
    )


def test_a_radio_group_is_a_fieldset_described_by_its_help_text_and_errors():
    # Given a form posted without a plan
    form = ExampleForm(data={"email": "anna@example.com"})
    form.is_valid()

    # When the radio buttons are rendered
    page = render("{{ form.plan.as_field_group }}", form)

    # Then they are a fieldset labelled by its legend and described by the help and the error
    assert (page.name, attrs(page)["class"]) == ("fieldset", "form-field form-field--invalid")
    legend = page.children[0]
    assert isinstance(legend, Element)
    assert (legend.name, text(legend)) == ("legend", "New plan")
    assert [text(node) for node in described_by(page, page)] == [PLAN_HELP, CHOOSE]
    radios = [node for node in elements(page) if attrs(node).get("type") == "radio"]
    assert [attrs(radio)["aria-invalid"] for radio in radios] == ["true", "true"]
