"""Compiled templates with their constant runs folded: each run of nodes whose output depends
only on the active language (text, a literal ``{% translate %}``, a ``{% url %}`` without
arguments, a literal ``{% static %}``, ``{% load %}``, a comment) becomes one node that renders
the run once per language and autoescape mode and keeps the result.

A page's layout and tables are mostly such runs: a table header is nine messages between
text, a side navigation three URLs and three messages. Django renders each node on every
render, each asking for the active language on its own; folded, a run costs one lookup. The
output is the same, byte for byte (tests/core/test_template_folding.py renders every template of
the project both ways).

A template that ``{% extends %}`` a parent named by a literal is also flattened once
(``flatten``): its nodes become the parent's (itself flattened), each block its most derived
definition and what that overrides kept for ``{{ block.super }}`` (``FlatBlockNode``). A
page's three levels of layout then render as one template: no parent to find, no block
context to fill and search on every render. Output unchanged
(tests/core/test_template_folding_pages.py renders the portal's pages from their real contexts
both ways).

Both are done once per compiled template, by the template loader (``Loader``, the cached
loader of the project's engine); the folded runs keep their outputs as the literal messages do
(``seatwise.core.kept``).
"""

from __future__ import annotations

import copy as _copy
import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template.base import Node, NodeList, TextNode, VariableNode, render_value_in_context
from django.template.defaulttags import CommentNode, LoadNode
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockNode,
    ExtendsNode,
    IncludeNode,
    construct_relative_path,
)
from django.template.loaders import cached
from django.templatetags import i18n
from django.templatetags.static import StaticNode
from django.utils.safestring import SafeString, mark_safe

from seatwise.core.kept import KeptPerLanguage, keep, render_state, render_state_forget
from seatwise.core.templatetags.cached_i18n import (
    ConstantBlockTranslateNode,
    ConstantTranslateNode,
)
from seatwise.core.templatetags.cached_urls import CachedURLNode
from seatwise.core.templatetags.per_language import PerLanguageNode


def _literal(expression: Any) -> bool:
    return not expression.filters and isinstance(expression.var, str)


def constant(node: Node) -> bool:
    """Whether the node's output depends on nothing but the active language and the autoescape
    mode (and on the process's settings, URLs and catalogs), and it sets no variable."""
    if type(node) in (TextNode, LoadNode, CommentNode):
        return True
    if type(node) in (ConstantTranslateNode, ConstantBlockTranslateNode, PerLanguageNode):
        return True
    if type(node) is CachedURLNode:
        return node.asvar is None and not node.args and not node.kwargs and _literal(node.view_name)
    if type(node) is StaticNode:
        return node.varname is None and _literal(node.path)
    return False


class RunNode(Node):
    """Nodes rendered one after the other."""

    child_nodelists = ()

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.token = nodes[0].token
        self.origin = nodes[0].origin

    def render(self, context: Context) -> SafeString:
        return mark_safe("".join(str(node.render(context)) for node in self.nodes))  # noqa: S308

    def render_annotated(self, context: Context) -> SafeString:
        return self.render(context)

    def get_nodes_by_type(self, nodetype: type[Node]) -> list[Node]:
        found: list[Node] = [self] if isinstance(self, nodetype) else []
        for node in self.nodes:
            found.extend(node.get_nodes_by_type(nodetype))
        return found


class FoldedNode(KeptPerLanguage, RunNode):
    """A run of constant nodes (``constant``), rendered once per language and autoescape mode."""


class FoldedLinksNode(FoldedNode):
    """A folded run with a URL, a static file's URL or a ``per_language`` fragment in it: kept
    per script prefix too (the path the site is served under, which one process could serve
    several of; a relative ``STATIC_URL`` is under it as well)."""

    def kept_key(self, context: Context) -> tuple[Any, ...]:
        language, prefix, _urlconf = render_state(context)
        return (language, context.autoescape, prefix)


def _folded(run: list[Node]) -> list[Node]:
    if len(run) < 2:
        return run
    linked = any(type(node) in (CachedURLNode, StaticNode, PerLanguageNode) for node in run)
    return [keep((FoldedLinksNode if linked else FoldedNode)(run))]


def _nodelists(node: Node) -> Iterator[NodeList]:
    for value in vars(node).values():
        if isinstance(value, NodeList):
            yield value
        elif isinstance(value, list):  # IfNode's conditions_nodelists
            for item in value:
                if isinstance(item, tuple):
                    yield from (part for part in item if isinstance(part, NodeList))


def fold(nodelist: NodeList) -> None:
    """Fold the constant runs of ``nodelist`` and of every nodelist below it, in place."""
    folded: list[Node] = []
    run: list[Node] = []
    for node in nodelist:
        if constant(node):
            run.append(node)
            continue
        folded.extend(_folded(run))
        run = []
        for child in _nodelists(node):  # (a per_language fragment is folded whole, above)
            fold(child)
        folded.append(node)
    folded.extend(_folded(run))
    nodelist[:] = folded


class CompiledNodeList(NodeList):
    """A compiled template's top nodes. Nothing below them changes once the template is folded,
    so each search by type is made once: ``{% extends %}`` looks up its parent's blocks on every
    render, a walk of the parent's whole tree (and its parent's)."""

    def __init__(self, nodelist: NodeList) -> None:
        super().__init__(nodelist)
        self.contains_nontext = nodelist.contains_nontext
        self._found: dict[type[Node], list[Node]] = {}

    def get_nodes_by_type(self, nodetype: type[Node]) -> list[Node]:
        try:
            found = self._found[nodetype]
        except KeyError:
            found = self._found[nodetype] = super().get_nodes_by_type(nodetype)
        return list(found)


class FlatBlockNode(BlockNode):
    """A block of a flattened template (``flatten``): its most derived definition, rendered in
    place, and the one it overrides (``base``) for ``{{ block.super }}``. Rendered as part of a
    template that ``{% extends %}`` itself at render time, it is a block as Django's."""

    def __init__(
        self,
        name: str,
        nodelist: NodeList,
        parent: Any = None,
        base: BlockNode | None = None,
        reads_block: bool | None = None,
    ) -> None:
        super().__init__(name, nodelist, parent)
        self.base = base
        self.reads_block = _may_read_block(nodelist) if reads_block is None else reads_block

    def render(self, context: Context) -> SafeString:
        if context.render_context.get(BLOCK_CONTEXT_KEY) is not None:
            return super().render(context)
        if not self.reads_block:
            # Nothing in it can read ``block`` (``{{ block.super }}``): the block's own scope
            # without the object that only that would read.
            with context.push():
                return self.nodelist.render(context)
        with context.push():
            # A block of its own per render, as Django's: it holds the context for block.super.
            block = FlatBlockNode(self.name, self.nodelist, base=self.base, reads_block=True)
            block.context = context
            context["block"] = block
            return self.nodelist.render(context)

    def super(self) -> SafeString:
        if BLOCK_CONTEXT_KEY in self.context.render_context:
            return super().super()
        if self.base is None:
            return mark_safe("")
        return mark_safe(self.base.render(self.context))  # noqa: S308


# ``block`` as a name in a tag's or variable's source (``block.super``, ``with x=block``), not
# as part of another word (``blocktranslate``, ``endblock``).
_BLOCK_NAME = re.compile(r"(?<![\w.])block(?!\w)")


def _may_read_block(nodelist: NodeList, seen: set[int] | None = None) -> bool:
    """Whether a node below ``nodelist`` may read the variable ``block``: a tag or variable
    (not a block's own tag) whose source names it, or a template included by a name known
    only when rendered. An included template is looked into once (``seen``: a template may
    include itself)."""
    seen = set() if seen is None else seen
    for node in nodelist.get_nodes_by_type(Node):
        if type(node) is IncludeNode:
            return True
        if type(node) is InlinedIncludeNode:
            if id(node.template) not in seen:
                seen.add(id(node.template))
                if _may_read_block(node.template.nodelist, seen):
                    return True
            continue
        if isinstance(node, (TextNode, BlockNode)):
            continue
        token = getattr(node, "token", None)
        if token is not None and _BLOCK_NAME.search(token.contents):
            return True
    return False


class IntAwareVariableNode(VariableNode):
    """``{{ value }}`` as Django's, an integer written at once: without thousand separators
    (``USE_THOUSAND_SEPARATOR`` off), Django's localisation of an integer asks the active
    language for three formats and then writes its digits (5–7 µs each; a page's ids and
    seat counts). Every ``VariableNode`` of a compiled template is one (``Loader``)."""

    def render(self, context: Context) -> str:
        try:
            output = self.filter_expression.resolve(context)
        except UnicodeDecodeError:  # as Django's
            return ""
        if type(output) is int and not settings.USE_THOUSAND_SEPARATOR:
            digits = str(output)
            return SafeString(digits) if context.autoescape else digits
        rendered: str = render_value_in_context(output, context)
        return rendered


class LanguageNode(i18n.LanguageNode):
    """``{% language %}`` as Django's: the kept nodes and URLs inside it and after it read the
    language it switches to and back (``core.kept.render_state``). Every ``{% language %}`` of a
    compiled template is one (``Loader``)."""

    def render(self, context: Context) -> str:
        render_state_forget(context)
        try:
            rendered: str = super().render(context)
            return rendered
        finally:
            render_state_forget(context)


class InlinedIncludeNode(Node):
    """``{% include "name" %}`` of a template named by a literal, the template found once when
    the including one is compiled instead of on every render; rendered as Django's
    ``IncludeNode`` renders it (its ``with`` values, ``only``, a render context of its own)."""

    child_nodelists = ()

    def __init__(self, include: IncludeNode, template: Template) -> None:
        self.template = template
        self.extra_context = include.extra_context
        self.isolated_context = include.isolated_context
        self.token = include.token
        self.origin = include.origin

    def render(self, context: Context) -> SafeString:
        values = {name: var.resolve(context) for name, var in self.extra_context.items()}
        if self.isolated_context:
            return self.template.render(context.new(values))
        with context.push(**values):
            if context.template is None:
                return self.template.render(context)
            # Template.render's push_state, without its generator.
            render_context = context.render_context
            initial = render_context.template
            render_context.template = self.template
            render_context.push()
            try:
                rendered: SafeString = self.template._render(context)  # type: ignore[attr-defined]
                return rendered
            finally:
                render_context.template = initial
                render_context.pop()


def _parent(template: Template) -> tuple[list[Node], ExtendsNode, str] | None:
    """The text before a template's ``{% extends %}`` and the tag, if it names its parent by a
    literal other than its own name."""
    for position, node in enumerate(template.nodelist):
        if isinstance(node, TextNode):
            continue
        name: Any = getattr(node, "parent_name", None)
        if (
            isinstance(node, ExtendsNode)
            and not name.filters
            and isinstance(name.var, str)
            and name.var != template.origin.template_name
        ):
            return list(template.nodelist[:position]), node, name.var
        return None
    return None


def flatten(lead: list[Node], extends: ExtendsNode, parent: Template) -> NodeList:
    """A template's nodes with its ``{% extends %}`` resolved once (``lead``: the text before
    the tag, ``_parent``): the parent's nodes (itself flattened or a root: no ``{% extends %}``),
    each block its most derived definition."""
    overrides: dict[str, BlockNode] = extends.blocks
    inherited: dict[str, Any] = {
        found.name: found  # type: ignore[attr-defined]
        for found in parent.nodelist.get_nodes_by_type(BlockNode)
    }
    made: dict[int, Node] = {}
    derived: dict[str, FlatBlockNode] = {}

    def nodes(nodelist: NodeList) -> NodeList:
        result = NodeList(node(child) for child in nodelist)
        result.contains_nontext = nodelist.contains_nontext
        return result

    def node(original: Node) -> Node:
        if isinstance(original, BlockNode) and original.name in overrides:
            return most_derived(original.name)
        if id(original) not in made:
            made[id(original)] = copied(original)
        return made[id(original)]

    def most_derived(name: str) -> FlatBlockNode:
        if name not in derived:
            base = inherited.get(name)
            derived[name] = FlatBlockNode(
                name, nodes(overrides[name].nodelist), base=None if base is None else block(base)
            )
        return derived[name]

    def block(original: BlockNode) -> FlatBlockNode:
        """An inherited block, with the blocks below it (and in what it overrides)
        substituted."""
        base = getattr(original, "base", None)
        return FlatBlockNode(
            original.name, nodes(original.nodelist), base=None if base is None else block(base)
        )

    def copied(original: Node) -> Node:
        """``original`` with the blocks below it substituted (a copy, if there are any)."""
        if isinstance(original, BlockNode):
            return block(original)
        if not original.get_nodes_by_type(BlockNode):
            return original
        copy = _copy.copy(original)
        for name, value in vars(original).items():
            if isinstance(value, NodeList):
                setattr(copy, name, nodes(value))
            elif isinstance(value, list) and any(isinstance(item, tuple) for item in value):
                setattr(
                    copy,
                    name,
                    [
                        tuple(nodes(part) if isinstance(part, NodeList) else part for part in item)
                        if isinstance(item, tuple)
                        else item
                        for item in value
                    ],
                )
        return copy

    flat = NodeList(lead + list(nodes(parent.nodelist)))
    flat.contains_nontext = True
    return flat


class Loader(cached.Loader):
    """Django's cached template loader, folding each template once as it compiles it, and
    resolving its ``{% extends %}`` once (``flatten``) where its parent is named by a literal."""

    def get_template(self, template_name: str, skip: list[Any] | None = None) -> Template:
        key = self.cache_key(template_name, skip)
        known = key in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not known:
            fold(template.nodelist)
            self._inline_includes(template.nodelist, template)
            for node in template.nodelist.get_nodes_by_type(VariableNode):
                if type(node) is VariableNode:
                    node.__class__ = IntAwareVariableNode
            for node in template.nodelist.get_nodes_by_type(i18n.LanguageNode):
                node.__class__ = LanguageNode
            found = _parent(template)
            if found is not None:
                lead, extends, parent_name = found
                parent = self._parent_template(parent_name)
                if parent is not None and not any(
                    isinstance(node, ExtendsNode) for node in parent.nodelist
                ):
                    template.nodelist = flatten(lead, extends, parent)
            template.nodelist = CompiledNodeList(template.nodelist)
        return template

    def _inline_includes(self, nodelist: NodeList, template: Template) -> None:
        """Replace, in place, each ``{% include %}`` below ``nodelist`` that names its template
        by a literal with an ``InlinedIncludeNode`` (a template that does not exist or does not
        compile stays an include: it fails when rendered, as Django's). A template that
        includes itself, or one that includes it, gets the compiled template from the cache:
        nothing is compiled twice, and the recursion is the template's, when rendered, as with
        Django's."""
        for position, node in enumerate(nodelist):
            if type(node) is IncludeNode:
                name: Any = node.template
                if name.filters or not isinstance(name.var, str):
                    continue
                origin = template.origin.template_name
                path = construct_relative_path(
                    origin if isinstance(origin, str) else None, name.var
                )
                try:
                    included = self.engine.get_template(path)
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    # Django finds the template when the include renders: a page whose include
                    # of a broken or missing template is never rendered still renders.
                    continue
                nodelist[position] = InlinedIncludeNode(node, included)
                continue
            for child in _nodelists(node):
                self._inline_includes(child, template)

    def _parent_template(self, name: str) -> Template | None:
        """The parent, compiled (and itself flattened where it can be); None if there is no
        such template: the ``{% extends %}`` then fails when rendered, as Django's."""
        try:
            return self.get_template(name)
        except TemplateDoesNotExist:
            return None
