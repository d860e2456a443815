"""core.urls and the {% url %} tag: URLs reversed once per process, exactly as Django would."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from seatwise.core.urls import reverse_cached


@pytest.fixture(autouse=True)
def _prefix():  # type: ignore[no-untyped-def]
    yield
    set_script_prefix("/")


def test_the_same_urls_as_reverse() -> None:
    for name, args in (
        ("billing:subscriptions", ()),
        ("billing:subscription_seats", (12,)),
        ("billing:subscription_seats", (13,)),
        ("help:home", ()),
    ):
        assert reverse_cached(name, args) == reverse(name, args=args)
        # Remembered: the same answer again.
        assert reverse_cached(name, args) == reverse(name, args=args)


def test_the_script_prefix_is_part_of_the_answer() -> None:
    plain = reverse_cached("billing:subscriptions")
    set_script_prefix("/seatwise/")
    assert reverse_cached("billing:subscriptions") == "/seatwise" + plain
    set_script_prefix("/")
    assert reverse_cached("billing:subscriptions") == plain


def test_unknown_names_raise_as_reverse_does() -> None:
    with pytest.raises(NoReverseMatch):
        reverse_cached("billing:nothing")
    with pytest.raises(NoReverseMatch):
        reverse_cached("billing:subscription_seats", ("not a number",))


def test_the_template_tag() -> None:
    template = Template(
        "{% url 'billing:subscription_seats' pk %}|{% url 'billing:nothing' as missing %}"
        "{{ missing }}|{% url 'help:home' as help %}{{ help }}"
    )
    assert template.render(Context({"pk": 5})) == (
        f"{reverse('billing:subscription_seats', args=[5])}||{reverse('help:home')}"
    )
    with pytest.raises(NoReverseMatch):
        Template("{% url 'billing:nothing' %}").render(Context())
