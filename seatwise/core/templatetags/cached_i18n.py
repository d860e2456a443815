"""Django's ``i18n`` template library, with ``{% translate %}`` and ``{% blocktranslate %}``
rendered once per language where their output cannot depend on the context.

A page has some fifty to a hundred such tags ("Invoices", "Add seats", ...); Django resolves,
translates, escapes and formats each one on every render, a fifth of a page's template time.
Here a tag whose message is a literal, with no filter, no ``as`` variable, no context variable
in it and no count, keeps what it rendered per active language (and per autoescape mode) on
its node: compiled templates live as long as the process (the cached template loader), and so
do the message catalogs. Every other tag renders as Django renders it. Same syntax, same
output.

Installed as the ``i18n`` library by the template backend (``seatwise.core.templates``), so
every ``{% load i18n %}`` loads it. The kept outputs are dropped when a test changes the languages
or the catalogs' settings.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Library
from django.template.base import FilterExpression, Node, Parser, Token, TokenType
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# Every node that keeps outputs, so that a settings change can drop them.
_KEEPERS: weakref.WeakSet[Node] = weakref.WeakSet()
_SETTINGS = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}


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


class _KeptPerLanguage:
    """A node whose output depends only on the active language and the autoescape mode."""

    _kept: dict[tuple[str | None, bool], Any]

    def render(self, context: Context, *args: Any, **kwargs: Any) -> Any:
        key = (get_language(), context.autoescape)
        try:
            return self._kept[key]
        except KeyError:
            output = super().render(context, *args, **kwargs)  # type: ignore[misc]
            self._kept[key] = output
            return output


class ConstantTranslateNode(_KeptPerLanguage, django_i18n.TranslateNode):
    pass


class ConstantBlockTranslateNode(_KeptPerLanguage, django_i18n.BlockTranslateNode):
    pass


def _keep(node: Node, kind: type[Node]) -> Node:
    node.__class__ = kind
    node._kept = {}  # type: ignore[attr-defined]
    _KEEPERS.add(node)
    return node


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> Node:
    node = django_i18n.do_translate(parser, token)
    if node.asvar is None and _literal(node.filter_expression) and _literal(node.message_context):
        return _keep(node, ConstantTranslateNode)
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
        return _keep(node, ConstantBlockTranslateNode)
    return node


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        for node in list(_KEEPERS):
            node._kept.clear()  # type: ignore[attr-defined]
