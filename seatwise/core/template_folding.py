"""Compiled templates with their constant runs folded: each run of nodes whose output depends
only on the active language (text, a literal ``{% translate %}``, a ``{% url %}`` without
arguments, a literal ``{% static %}``, ``{% load %}``, a comment) becomes one node that renders
the run once per language and autoescape mode and keeps the result.

A page's layout and tables are mostly such runs: a table header is nine messages between
text, a side navigation three URLs and three messages. Django renders each node on every
render, each asking for the active language on its own; folded, a run costs one lookup. The
output is the same, byte for byte (tests/test_template_folding.py renders every template of
the project both ways).

The folding is done once per compiled template, by the template loader (``Loader``, the
cached loader of the project's engine); the folded runs keep their outputs as the literal
messages do (``seatwise.core.kept``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template import Context, Template
from django.template.base import Node, NodeList, TextNode
from django.template.defaulttags import CommentNode, LoadNode
from django.template.loaders import cached
from django.templatetags.static import StaticNode
from django.utils.safestring import SafeString, mark_safe

from seatwise.core.kept import KeptPerLanguage, keep
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
        folded.extend([keep(FoldedNode(run))] if len(run) > 1 else run)
        run = []
        for child in _nodelists(node):  # (a per_language fragment is folded whole, above)
            fold(child)
        folded.append(node)
    folded.extend([keep(FoldedNode(run))] if len(run) > 1 else run)
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


class Loader(cached.Loader):
    """Django's cached template loader, folding each template once as it compiles it."""

    def get_template(self, template_name: str, skip: list[Any] | None = None) -> Template:
        key = self.cache_key(template_name, skip)
        known = key in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not known:
            fold(template.nodelist)
            template.nodelist = CompiledNodeList(template.nodelist)
        return template
