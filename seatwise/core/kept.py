"""Template nodes that keep their output per language: one mechanism for the literal messages
(``seatwise.core.templatetags.cached_i18n``), the ``{% per_language %}`` fragments
(``seatwise.core.templatetags.per_language``) and the folded constant runs
(``seatwise.core.template_folding``).

Such a node's output depends only on the active language and the autoescape mode, and on what
lives as long as the process: the message catalogs, the URLs, the static files' names. The
compiled templates live as long too (the cached template loader), so the node keeps what it
rendered the first time in each language. A test that changes one of those settings drops
every kept output (``_forget``).

What a render depends on (the active language, the script prefix the site is served under, the
request's URLconf) is read once per render (``render_state``), not by each of the page's kept
nodes and URLs: each is a context-local variable read through a lock (about 1.3 µs; 50–80 of
them a page). A render that switches the language (``{% language %}``) reads it again inside
and after (``render_state_forget``, ``template_folding.LanguageNode``).
"""

from __future__ import annotations

import weakref
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.base import Node
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

# Every node that keeps outputs, so that a settings change can drop them.
_KEEPERS: weakref.WeakSet[Node] = weakref.WeakSet()
_SETTINGS = {
    "LANGUAGES",
    "LANGUAGE_CODE",
    "LOCALE_PATHS",
    "USE_I18N",
    "ROOT_URLCONF",
    "STATIC_URL",
    "STORAGES",
}


_STATE = "_seatwise_render_state"

type RenderState = tuple[str | None, str, Any]


def render_state(context: Context) -> RenderState:
    """The active language, the script prefix and the URLconf of the render that ``context``
    belongs to, read on first use and kept on the context."""
    values = context.__dict__
    try:
        state: RenderState = values[_STATE]
    except KeyError:
        state = values[_STATE] = (get_language(), get_script_prefix(), get_urlconf())
    return state


def render_state_forget(context: Context) -> None:
    """Read ``render_state`` afresh from now on (the active language changed)."""
    context.__dict__.pop(_STATE, None)


class KeptPerLanguage:
    """A node whose output depends only on the active language and the autoescape mode (mixed
    in before the node's class; see ``keep``)."""

    _kept: dict[tuple[Any, ...], Any]

    def kept_key(self, context: Context) -> tuple[Any, ...]:
        """What the output depends on."""
        return (render_state(context)[0], context.autoescape)

    def render(self, context: Context, *args: Any, **kwargs: Any) -> Any:
        key = self.kept_key(context)
        try:
            return self._kept[key]
        except KeyError:
            output = super().render(context, *args, **kwargs)  # type: ignore[misc]
            self._kept[key] = output
            return output


def keep[N: Node](node: N, kind: type[N] | None = None) -> N:
    """``node`` (turned into ``kind``, a ``KeptPerLanguage`` subclass of its class, if given)
    keeping its outputs from now on."""
    if kind is not None:
        node.__class__ = kind
    node._kept = {}  # type: ignore[attr-defined]
    _KEEPERS.add(node)
    return node


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        for node in list(_KEEPERS):
            node._kept.clear()  # type: ignore[attr-defined]
