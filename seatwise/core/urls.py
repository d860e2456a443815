"""URLs reversed once per process.

A portal page reverses a dozen URLs (the layout's links, the navigation, one per row and
action); Django's ``reverse`` walks the resolver for each, 50–70 µs apiece, the same answer
every time. ``reverse_cached`` remembers the answer per view name and arguments, and per what
else a reversal depends on (the script prefix the server runs under, the request's URLconf,
the current namespace and the active language), so it cannot serve a URL another request
would not have got. Only plain arguments (``int``, ``str``) are remembered; anything else (a
model instance, a lazy string) is reversed every time, as by ``reverse``. The patterns are
fixed for the life of the process; the cache holds the most recent ``MAX_URLS`` answers.

The template tag ``{% url %}`` uses it (``seatwise.core.templatetags.cached_urls``, a builtin
of the template engine), and so do the portal's context processors.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from seatwise.core.kept import RenderState

MAX_URLS = 8192


@functools.lru_cache(maxsize=MAX_URLS)
def _reversed(
    viewname: str,
    args: tuple[int | str, ...],
    kwargs: tuple[tuple[str, int | str], ...],
    current_app: str | None,
    _prefix: str,
    _urlconf: str | None,
    _language: str | None,
) -> str:
    return reverse(viewname, args=args, kwargs=dict(kwargs), current_app=current_app)


def _plain(value: object) -> bool:
    # A str subclass too: the template engine's literals are SafeStrings (equal and hashed as
    # their text).
    return type(value) is int or isinstance(value, str)


def reverse_cached(
    viewname: Any,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    current_app: str | None = None,
    *,
    state: RenderState | None = None,
) -> str:
    """``django.urls.reverse(viewname, args, kwargs, current_app)``, remembered (see the module
    docstring); raises ``NoReverseMatch`` as it does. ``state``: the active language, script
    prefix and URLconf as the caller read them (a template's, ``core.kept.render_state``)."""
    kwargs = kwargs or {}
    language, prefix, urlconf = state or (get_language(), get_script_prefix(), get_urlconf())
    if (
        not isinstance(viewname, str)
        or not all(_plain(arg) for arg in args)
        or not all(_plain(value) for value in kwargs.values())
        or not (urlconf is None or isinstance(urlconf, str))
    ):
        return reverse(viewname, args=args, kwargs=dict(kwargs), current_app=current_app)
    return _reversed(
        viewname,
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
        prefix,
        urlconf,
        language,
    )
