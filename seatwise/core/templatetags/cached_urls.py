"""``{% url %}`` with ``seatwise.core.urls.reverse_cached``: the same tag, syntax and output as
Django's, each URL reversed once per process. A builtin of the template engine
(``TEMPLATES[…]["OPTIONS"]["builtins"]``), so it replaces Django's tag in every template."""

from __future__ import annotations

from django import template
from django.template import Context
from django.template.base import Parser, Token
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from seatwise.core.kept import render_state
from seatwise.core.urls import reverse_cached

register = template.Library()


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse_cached(
                view_name,
                args=args,
                kwargs=kwargs,
                current_app=current_app,
                state=render_state(context),
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> CachedURLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
