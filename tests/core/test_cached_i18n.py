"""The ``i18n`` template library (``core.templatetags.cached_i18n``): Django's output, a literal
message rendered once per language."""

from __future__ import annotations

import pytest
from django.template import Context, Engine
from django.template import engines as configured
from django.test import override_settings
from django.utils import translation

from seatwise.core.templatetags.cached_i18n import (
    ConstantBlockTranslateNode,
    ConstantTranslateNode,
)

LANGUAGES = ["en", "de", "it", "es"]

# Every form of the two tags the templates use, literal or not, in both escaping modes.
SOURCE = (
    "{% load i18n %}"
    '{% translate "Invoice History" %}|'
    "{% translate 'Invoice History' context 'nope' %}|"
    "{% translate label %}|"
    '{% translate "Invoice History" as heading %}{{ heading }}|'
    '{% translate "Invoice History"|upper %}|'
    '{% translate "Tom & Jerry" %}|{% translate "50%% off" %}|'
    "{% blocktranslate %}Invoice History{% endblocktranslate %}|"
    "{% blocktranslate trimmed %}\n  Invoice\n  History\n{% endblocktranslate %}|"
    "{% blocktranslate %}Hello {{ name }},{% endblocktranslate %}|"
    "{% blocktranslate with name=person %}Hello {{ name }},{% endblocktranslate %}|"
    "{% blocktranslate count days=days %}{{ days }} day{% plural %}{{ days }} days"
    "{% endblocktranslate %}|"
    "{% autoescape off %}{% translate 'Tom & Jerry' %}{% endautoescape %}"
)


def seatwise_engine() -> Engine:
    return configured["django"].engine  # type: ignore[attr-defined]


def djangos_own() -> Engine:
    """An engine with Django's own ``i18n`` library."""
    return Engine(libraries={"i18n": "django.templatetags.i18n"})


def render(engine: Engine, language: str, **context: object) -> str:
    with translation.override(language):
        return engine.from_string(SOURCE).render(Context(context))


def test_the_template_backend_installs_it_as_the_i18n_library_and_checks_pass():
    assert seatwise_engine().libraries["i18n"] == "seatwise.core.templatetags.cached_i18n"
    # Django's check for two libraries of one name (W003) leaves this replacement out
    assert configured["django"].check() == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_renders_as_djangos_own_in_every_language(language):
    context = {"label": "Invoice History", "name": "<b>Ana</b>", "person": "Bo", "days": 3}
    template = seatwise_engine().from_string(SOURCE)
    outputs = []
    # each language in turn, twice: the second time from what the nodes kept
    for current in [language, *LANGUAGES, language]:
        with translation.override(current):
            outputs.append(template.render(Context(context)))

    assert outputs == [
        render(djangos_own(), current, **context) for current in [language, *LANGUAGES, language]
    ]
    assert (
        outputs[0].split("|")[0]
        == {
            "en": "Invoice History",
            "de": "Rechnungshistorie",
            "it": "Cronologia fatture",
            "es": "Historial de facturas",
        }[language]
    )
    assert "&lt;b&gt;Ana&lt;/b&gt;" in outputs[0]


def test_only_tags_that_cannot_depend_on_the_context_keep_their_output():
    template = seatwise_engine().from_string(SOURCE)

    kept = [
        type(node).__name__
        for node in template.nodelist.get_nodes_by_type(ConstantTranslateNode)
        + template.nodelist.get_nodes_by_type(ConstantBlockTranslateNode)
    ]

    # translate: the literal, the literal with a context, the two literal messages with "&"
    # and "%" (and the one under autoescape off); blocktranslate: the two without a variable
    assert kept == ["ConstantTranslateNode"] * 5 + ["ConstantBlockTranslateNode"] * 2


def test_a_variable_message_follows_the_context():
    template = seatwise_engine().from_string("{% load i18n %}{% translate label %}")

    with translation.override("de"):
        first = template.render(Context({"label": "Invoice History"}))
        second = template.render(Context({"label": "Not a message of the catalog"}))

    assert (first, second) == ("Rechnungshistorie", "Not a message of the catalog")


def test_a_change_of_the_languages_settings_forgets_what_was_kept():
    template = seatwise_engine().from_string('{% load i18n %}{% translate "Invoice History" %}')
    (node,) = template.nodelist.get_nodes_by_type(ConstantTranslateNode)
    with translation.override("it"):
        template.render(Context())
    assert node._kept == {("it", True): "Cronologia fatture"}

    with override_settings(LANGUAGES=[("en", "English")]):
        assert node._kept == {}


def test_any_other_library_of_the_same_name_is_still_reported():
    from seatwise.core.templates import DjangoTemplates

    backend = DjangoTemplates(
        {
            "NAME": "clash",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"libraries": {"cached_urls": "django.templatetags.static"}},
        }
    )

    assert [message.id for message in backend.check()] == ["templates.W003"]
    assert "'cached_urls' is used for multiple template tag modules" in backend.check()[0].msg
