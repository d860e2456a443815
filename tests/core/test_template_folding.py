"""Compiled templates with their constant runs folded (``core.template_folding``) and the
``{% per_language %}`` fragment (``core.templatetags.per_language``): the same output as the
templates unfolded, in every language."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template import engines as configured
from django.template.base import Node
from django.template.loader_tags import BlockNode, ExtendsNode
from django.template.utils import get_app_template_dirs
from django.test import override_settings
from django.utils import translation

from seatwise.core.kept import KeptPerLanguage
from seatwise.core.template_folding import (
    CompiledNodeList,
    FlatBlockNode,
    FoldedLinksNode,
    FoldedNode,
    InlinedIncludeNode,
    IntAwareVariableNode,
    Loader,
    RunNode,
    _nodelists,
    constant,
    fold,
)
from seatwise.core.templatetags.per_language import PerLanguageNode

LANGUAGES = ["en", "de", "it", "es"]


def seatwise_engine() -> Engine:
    return configured["django"].engine  # type: ignore[attr-defined]


def unfolded_engine() -> Engine:
    """The project's engine (its folders, libraries and builtins) with Django's loaders, not
    cached and not folding."""
    engine = seatwise_engine()
    return Engine(
        dirs=list(engine.dirs),
        libraries=engine.libraries,
        builtins=[name for name in engine.builtins if name not in Engine.default_builtins],
        context_processors=engine.context_processors,
        debug=engine.debug,
        string_if_invalid=engine.string_if_invalid,
        loaders=[
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    )


def template_names() -> list[str]:
    """Every template the project's engine finds: its folders' and the installed apps'."""
    folders = [Path(folder) for folder in seatwise_engine().dirs]
    folders += [Path(folder) for folder in get_app_template_dirs("templates")]
    names = {
        path.relative_to(folder).as_posix()
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt", ".xml")
    }
    return sorted(names)


def flat(nodelist: list[Node]) -> Iterator[tuple[str, str | None]]:
    """Every node below ``nodelist``, runs opened: (class, tag source); an inlined include is
    the include it stands for (its template: ``test_an_include_by_name_holds_the_template``),
    a variable the variable (``test_a_variable_renders_as_djangos_integers_too``)."""
    for node in nodelist:
        if isinstance(node, RunNode):
            yield from flat(node.nodes)
            continue
        token = getattr(node, "token", None)
        kind = {InlinedIncludeNode: "IncludeNode", IntAwareVariableNode: "VariableNode"}.get(
            type(node), type(node).__name__
        )
        yield kind, token.contents if token else None
        for child in _nodelists(node):
            yield from flat(child)


def test_the_project_engine_folds_with_djangos_cached_loader_below():
    [loader] = seatwise_engine().template_loaders
    assert type(loader) is Loader
    assert type(seatwise_engine().get_template("base.html").nodelist) is CompiledNodeList
    assert [type(inner).__module__ for inner in loader.loaders] == [
        "django.template.loaders.filesystem",
        "django.template.loaders.app_directories",
    ]


def test_every_template_keeps_every_node_in_its_place():
    """A template that extends no other has the nodes it had, in their places; one that
    extends another by name is its parent's nodes with its own blocks in them: no extends at
    render time, every block of the page found where Django finds it."""
    names = template_names()
    assert "base.html" in names
    assert "billing_center/subscriptions.html" in names
    folded_somewhere = flattened = 0
    for name in names:
        folded = seatwise_engine().get_template(name)
        plain = unfolded_engine().get_template(name)
        if not plain.nodelist.get_nodes_by_type(ExtendsNode):
            assert list(flat(folded.nodelist)) == list(flat(plain.nodelist)), name
        elif not folded.nodelist.get_nodes_by_type(ExtendsNode):
            flattened += 1
            assert {block.name for block in plain.nodelist.get_nodes_by_type(BlockNode)} <= {
                block.name for block in folded.nodelist.get_nodes_by_type(FlatBlockNode)
            }, name
        # the blocks {% extends %} looks up, found once and then remembered
        assert folded.nodelist.get_nodes_by_type(BlockNode) == (
            folded.nodelist.get_nodes_by_type(BlockNode)
        )
        folded_somewhere += bool(folded.nodelist.get_nodes_by_type(FoldedNode))
    assert folded_somewhere > 100
    assert flattened > 100


def test_an_include_by_name_holds_the_template_the_engine_finds():
    inlined = [
        node
        for name in template_names()
        for node in seatwise_engine()
        .get_template(name)
        .nodelist.get_nodes_by_type(InlinedIncludeNode)
    ]
    assert len(inlined) > 20
    for node in inlined:
        named = node.token.split_contents()[1].strip("\"'")
        assert node.template is seatwise_engine().get_template(named), named


def test_an_inlined_include_renders_as_djangos_include():
    """``with`` values, ``only``, a template that includes itself, the include's own render
    context (a block in it is a block of its own), a name that does not exist and a template
    that does not compile."""
    sources = {
        "part.html": "[{{ a }}|{{ b|default:'-' }}|{% block x %}part{% endblock %}]",
        "tree.html": (
            "{{ n.name }}{% for n in n.children %}({% include 'tree.html' %}){% endfor %}"
        ),
        "page.html": (
            "{% include 'part.html' %}{% include 'part.html' with a='A' b=b %}"
            "{% include 'part.html' with a='only' only %}{% include 'tree.html' %}"
            "{% for a in items %}{% include 'part.html' %}{% endfor %}"
        ),
        "missing.html": "{% include 'nowhere.html' %}",
        "broken.html": "{% if %}",
        "unused.html": "[{% if never %}{% include 'broken.html' %}{% endif %}]",
        "used.html": "{% include 'broken.html' %}",
        "base.html": "<{% block content %}base{% endblock %}>",
        "child.html": (
            "{% extends 'base.html' %}{% block content %}{% include 'tree.html' %}|"
            "{% include 'part.html' %}{% endblock %}"
        ),
    }
    context = {
        "a": "a<",
        "b": "b",
        "items": [1, 2],
        "n": {"name": "r", "children": [{"name": "c1", "children": []}, {"name": "c2"}]},
    }

    def render(engine: Engine, name: str) -> str:
        try:
            return engine.get_template(name).render(Context(context))
        except Exception as error:
            return f"{type(error).__name__}: {error}"

    loaders = [("django.template.loaders.locmem.Loader", sources)]
    folding = Engine(loaders=[("seatwise.core.template_folding.Loader", loaders)])
    plain = Engine(loaders=loaders)
    assert folding.get_template("page.html").nodelist.get_nodes_by_type(InlinedIncludeNode)
    for name in ("page.html", "missing.html", "child.html", "unused.html", "used.html"):
        assert render(folding, name) == render(plain, name), name
    # An include of a template that does not compile fails only when it renders, as Django's.
    assert render(folding, "unused.html") == "[]"
    assert render(folding, "used.html").startswith("TemplateSyntaxError")
    # A block that includes a template including itself: compiled, flattened, and rendered.
    assert render(folding, "child.html") == "<r(c1)(c2)|[a&lt;|b|part]>"
    assert render(folding, "page.html") == (
        "[a&lt;|b|part][A|b|part][only|-|part]r(c1)(c2)[1|b|part][2|b|part]"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_as_unfolded(language):
    """With an empty context, in each language (twice: the second render is the kept one)."""

    def outcome(engine: Engine, name: str) -> str:
        try:
            return engine.get_template(name).render(Context({"value": "x"}))
        except Exception as error:  # the same failure both ways
            return f"{type(error).__name__}: {error}"

    plain_engine = unfolded_engine()
    with translation.override(language):
        for name in template_names():
            expected = outcome(plain_engine, name)
            assert outcome(seatwise_engine(), name) == expected, name
            assert outcome(seatwise_engine(), name) == expected, name


def test_a_page_layout_is_folded_into_few_runs_kept_per_language():
    template = seatwise_engine().get_template("billing_center/base.html")
    runs = template.nodelist.get_nodes_by_type(FoldedNode)
    side_nav = next(run for run in runs if "side-nav" in str(run.nodes[0].s))
    with translation.override("de"):
        german = side_nav.render(Context())
    with translation.override("it"):
        italian = side_nav.render(Context())

    assert german == (
        '\n<div class="layout">\n  <nav class="side-nav" aria-label="Abrechnungscenter">\n'
        '    <p class="side-nav__heading">Abrechnungscenter</p>\n    <ul>\n'
        '      <li><a href="/billing/subscriptions/"'
    )
    assert italian.startswith(
        '\n<div class="layout">\n  <nav class="side-nav" aria-label="Centro fatturazione">\n'
        '    <p class="side-nav__heading">Centro fatturazione</p>'
    )
    assert type(side_nav) is FoldedLinksNode
    kept = side_nav._kept
    assert (kept[("de", True, "/")], kept[("it", True, "/")]) == (german, italian)
    with override_settings(LANGUAGES=[("en", "English")]):
        assert side_nav._kept == {}


@pytest.mark.parametrize(
    ("source", "at_root", "under_a_path"),
    [
        (
            '<a href="{% url \'billing:invoices\' %}">{% translate "Invoice history" %}</a>',
            '<a href="/billing/invoices/">Invoice history</a>',
            '<a href="/seatwise/billing/invoices/">Invoice history</a>',
        ),
        (
            "[{% per_language %}{% url 'billing:invoices' %}{% endper_language %}]",
            "[/billing/invoices/]",
            "[/seatwise/billing/invoices/]",
        ),
    ],
)
def test_a_run_with_a_link_is_kept_per_path_the_site_is_served_under(source, at_root, under_a_path):
    from django.urls import get_script_prefix, set_script_prefix

    template = seatwise_engine().from_string(ENGINE_SOURCE + source)
    fold(template.nodelist)
    [run] = template.nodelist
    assert type(run) is FoldedLinksNode
    before = get_script_prefix()
    try:
        with translation.override("en"):
            set_script_prefix("/")
            assert template.render(Context()) == at_root
            set_script_prefix("/seatwise/")
            assert template.render(Context()) == under_a_path
            set_script_prefix("/")
            assert template.render(Context()) == at_root
    finally:
        set_script_prefix(before)


ENGINE_SOURCE = "{% load i18n static per_language %}"


def parsed(source: str) -> Template:
    template = seatwise_engine().from_string(ENGINE_SOURCE + source)
    return template


@pytest.mark.parametrize(
    ("source", "folds"),
    [
        ("text", True),
        ('{% translate "Invoices" %}', True),
        ("{% translate label %}", False),
        ('{% translate "Invoices" as heading %}', False),
        ('{% translate "Invoices"|upper %}', False),
        ("{% blocktranslate %}Invoices{% endblocktranslate %}", True),
        ("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}", False),
        ("{% url 'billing:invoices' %}", True),
        ("{% url 'billing:subscription_seats' 7 %}", False),
        ("{% url 'billing:invoices' as link %}", False),
        ("{% url view_name %}", False),
        ("{% static 'css/seatwise.css' %}", True),
        ("{% static path %}", False),
        ("{% static 'css/seatwise.css' as sheet %}", False),
        ("{% comment %}a note{% endcomment %}", True),
        ("{% per_language %}{{ LANGUAGE_CODE }}{% endper_language %}", True),
        ("{{ value }}", False),
        ("{% csrf_token %}", False),
    ],
)
def test_which_nodes_are_constant(source, folds):
    [node] = parsed(source).nodelist[1:]
    assert constant(node) is folds


def test_a_per_language_fragment_sees_nothing_of_the_context_and_keeps_its_output():
    template = parsed(
        "{% per_language %}{% get_current_language as code %}[{{ code }}|{{ person }}]"
        "{% endper_language %}({{ person }})"
    )
    [fragment] = template.nodelist.get_nodes_by_type(PerLanguageNode)
    assert isinstance(fragment, KeptPerLanguage)

    with translation.override("es"):
        assert template.render(Context({"person": "Ana"})) == "[es|](Ana)"
        assert template.render(Context({"person": "Bo"})) == "[es|](Bo)"
    with translation.override("it"):
        assert template.render(Context({"person": "Ana"})) == "[it|](Ana)"
    kept = fragment._kept
    assert (kept[("es", True, "/")], kept[("it", True, "/")]) == ("[es|]", "[it|]")


@pytest.mark.parametrize(
    "inner", ["{% csrf_token %}", "{% block nav %}{% endblock %}", "{% per_language x %}"]
)
def test_a_per_language_fragment_refuses_what_depends_on_more_than_the_language(inner):
    source = (
        "{% per_language x %}{% endper_language %}"
        if inner == "{% per_language x %}"
        else "{% per_language %}" + inner + "{% endper_language %}"
    )
    with pytest.raises(TemplateSyntaxError, match="per_language"):
        parsed(source)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_switch_lists_every_language_with_the_current_one_selected(language):
    from django.test import RequestFactory

    request = RequestFactory().get("/help/")
    with translation.override(language):
        html = seatwise_engine().get_template("base.html").render(Context({"request": request}))
        plain = unfolded_engine().get_template("base.html").render(Context({"request": request}))

    assert html == plain
    options = [line.strip() for line in html.splitlines() if line.strip().startswith("<option")]
    expected = {
        "en": '<option value="en" lang="en"{}>English</option>',
        "de": '<option value="de" lang="de"{}>Deutsch</option>',
        "it": '<option value="it" lang="it"{}>Italiano</option>',
        "es": '<option value="es" lang="es"{}>Español</option>',
    }
    assert options == [
        expected[code].format(" selected" if code == language else "") for code in expected
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("separator", [False, True])
def test_a_variable_renders_as_djangos_integers_too(language, separator):
    source = (
        "{{ n }}|{{ negative }}|{{ big }}|{{ yes }}|{{ amount }}|{{ ratio }}|{{ text }}|"
        "{% autoescape off %}{{ n }}{{ text }}{% endautoescape %}|{% localize off %}{{ n }}"
        "{% endlocalize %}|{{ n|add:1 }}"
    )
    context = {
        "n": 1234567,
        "negative": -4321,
        "big": 10**30,
        "yes": True,
        "amount": Decimal("1234.50"),
        "ratio": 0.25,
        "text": "<b>",
    }
    loaders = [("django.template.loaders.locmem.Loader", {"page.html": "{% load l10n %}" + source})]
    libraries = {"l10n": "django.templatetags.l10n"}
    folding = Engine(
        loaders=[("seatwise.core.template_folding.Loader", loaders)], libraries=libraries
    )
    plain = Engine(loaders=loaders, libraries=libraries)
    with translation.override(language), override_settings(USE_THOUSAND_SEPARATOR=separator):
        expected = plain.get_template("page.html").render(Context(context))
        assert folding.get_template("page.html").render(Context(context)) == expected
    assert folding.get_template("page.html").nodelist.get_nodes_by_type(IntAwareVariableNode)
    if separator and language == "de":
        assert expected.startswith("1.234.567|-4.321|")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_block_switches_what_is_kept_and_back(language):
    """The language of a render is read once (core.kept.render_state); inside and after
    ``{% language %}`` the kept messages and URLs are those of the language then active, one
    render after another whatever language the block names."""
    source = (
        "{% load i18n %}{% translate 'Yes' %}<a href=\"{% url 'help:home' %}\">"
        "{% translate 'Help' %}</a>|{% language other %}{% translate 'Yes' %} "
        "{% translate 'Help' %}{% language 'it' %}/{% translate 'Yes' %}{% endlanguage %}"
        "{% endlanguage %}|{% translate 'Yes' %} {% translate 'Help' %}"
    )
    loaders = [("django.template.loaders.locmem.Loader", {"page.html": source})]
    engine = seatwise_engine()
    builtins = [name for name in engine.builtins if name not in Engine.default_builtins]
    folding = Engine(
        loaders=[("seatwise.core.template_folding.Loader", loaders)],
        libraries=engine.libraries,
        builtins=builtins,
    )
    plain = Engine(loaders=loaders, libraries=engine.libraries)
    with translation.override(language):
        for other in (*LANGUAGES, *LANGUAGES):
            context = {"other": other}
            expected = plain.get_template("page.html").render(Context(context))
            assert folding.get_template("page.html").render(Context(context)) == expected, other
            with translation.override(other):
                yes = translation.gettext("Yes")
            assert expected.split("|")[1].startswith(f"{yes} ")
