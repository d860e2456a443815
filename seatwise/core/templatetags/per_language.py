"""``{% per_language %}…{% endper_language %}``: a fragment rendered once per language.

What it encloses is rendered in a context of its own, empty, so that nothing of the request or
the person can reach it: only the active language (and the autoescape mode) can make two
renders differ, and the first render in each language is kept on the node
(``seatwise.core.kept``; ``seatwise.core.template_folding`` folds it into the constant run
around it). The language switch's options are such a fragment: four languages, their names, the
current one selected. A block or a CSRF token inside is refused when the template compiles.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Library, TemplateSyntaxError
from django.template.base import Node, NodeList, Parser, Token
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe

from seatwise.core.kept import KeptPerLanguage, keep, render_state

register = Library()


class SealedNode(Node):
    """Its nodes rendered in an empty context of their own."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        sealed = Context(
            autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
        )
        sealed.template = context.template  # the engine's settings (string_if_invalid, debug)
        return mark_safe(self.nodelist.render(sealed))  # noqa: S308 - the engine's own output


class PerLanguageNode(KeptPerLanguage, SealedNode):
    """A sealed fragment, kept per language (and per script prefix: a link in it is under the
    path the site is served under)."""

    def kept_key(self, context: Context) -> tuple[Any, ...]:
        language, prefix, _urlconf = render_state(context)
        return (language, context.autoescape, prefix)


@register.tag("per_language")
def per_language(parser: Parser, token: Token) -> PerLanguageNode:
    if len(token.split_contents()) != 1:
        raise TemplateSyntaxError("'per_language' takes no arguments.")
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    for kind in (BlockNode, CsrfTokenNode):
        if nodelist.get_nodes_by_type(kind):
            raise TemplateSyntaxError(
                f"'per_language' cannot enclose a {kind.__name__}: its output depends on more "
                "than the language."
            )
    return keep(PerLanguageNode(nodelist))
