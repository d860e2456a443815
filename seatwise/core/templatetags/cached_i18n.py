"""Django's ``i18n`` template library, with ``{% translate %}`` and ``{% blocktranslate %}``
rendered once per language where their output cannot depend on the context.

A page has some fifty to a hundred such tags ("Invoices", "Add seats", ...); Django resolves,
translates, escapes and formats each one on every render, a fifth of a page's template time.
Here a tag whose message is a literal, with no filter, no ``as`` variable, no context variable
in it and no count, keeps what it rendered per active language (and per autoescape mode) on
its node (``seatwise.core.kept``). Every other tag renders as Django renders it. Same syntax,
same output.

Installed as the ``i18n`` library by the template backend (``seatwise.core.templates``), so
every ``{% load i18n %}`` loads it.
"""

from __future__ import annotations

from django.template import Library
from django.template.base import FilterExpression, Node, Parser, Token, TokenType
from django.templatetags import i18n as django_i18n

from seatwise.core.kept import KeptPerLanguage, keep

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


def _literal(expression: FilterExpression | None) -> bool:
    """A quoted string with no filter: the same value in every context. (The engine keeps a
    constant as its value, a ``str``; the translate tag turns its message into a literal
    ``Variable``.)"""
    if expression is None:
        return True
    variable = expression.var
    return not expression.filters and (
        isinstance(variable, str)
        or (
            getattr(variable, "literal", None) is not None
            and getattr(variable, "lookups", None) is None
        )
    )


class ConstantTranslateNode(KeptPerLanguage, django_i18n.TranslateNode):
    pass


class ConstantBlockTranslateNode(KeptPerLanguage, django_i18n.BlockTranslateNode):
    pass


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> Node:
    node = django_i18n.do_translate(parser, token)
    if node.asvar is None and _literal(node.filter_expression) and _literal(node.message_context):
        return keep(node, ConstantTranslateNode)
    return node


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser: Parser, token: Token) -> Node:
    node = django_i18n.do_block_translate(parser, token)
    if (
        node.asvar is None
        and not node.extra_context
        and not node.plural
        and node.counter is None
        and _literal(node.message_context)
        and all(part.token_type == TokenType.TEXT for part in node.singular)
    ):
        return keep(node, ConstantBlockTranslateNode)
    return node
