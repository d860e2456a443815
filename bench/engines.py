"""B1's template engines: one portal page rendered by Django's template language, as Seatwise
renders it, and by Jinja2 through Django's Jinja2 backend, from the same context and request,
in this process.

The page is the Billing Center's Subscriptions (``PAGE``), the slowest of B1's pages. Its
template and the three layouts it extends are written again in Jinja2 in ``bench/jinja2/``,
tag for tag: the same markup, the same messages through the same catalogs, the same URLs and
static paths, the same context processors (tests/test_bench.py renders both for people of
every language and compares the HTML). Each engine renders the page ``RENDERS`` times per
round, the two in turn for ``ROUNDS`` rounds; each figure is its best round's time per render.
The machine's speed drifts within seconds: only figures taken in turn are compared.

What this measures is whether a faster template engine would bring the pages to their goal:
the engine's own cost (nodes, variable lookups) against the work the page asks of it either
way (its messages in the request's language, its URLs and dates, escaping).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure, quick
from bench.server import template_renders_wrapped

PAGE = "billing_center/subscriptions.html"
FOLDER = Path(__file__).with_name("jinja2")
ROUNDS = 5
RENDERS = 300


def environment(**options: Any) -> Any:
    """The Jinja2 environment of ``bench/jinja2/``: gettext from Django's catalogs (the i18n
    extension, ``{% trans %}`` and ``_()``), ``url()`` and ``static()`` as the product's
    ``{% url %}`` and ``{% static %}``, Django's ``date`` and ``capfirst`` filters."""
    import jinja2
    from django.template.defaultfilters import capfirst, date
    from django.templatetags.static import static
    from django.utils import translation
    from django.utils.translation import get_language_info

    from seatwise.core.urls import reverse_cached

    def url(name: str, *args: Any, **kwargs: Any) -> str:
        return reverse_cached(name, args=args, kwargs=kwargs)

    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = jinja2.Environment(**options)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(static=static, url=url, language_info=get_language_info)
    env.filters.update(date=date, capfirst=capfirst)
    return env


def jinja2_backend() -> Any:
    """Django's Jinja2 backend on ``bench/jinja2/``, with the context processors of the
    product's Django backend."""
    from django.conf import settings
    from django.template.backends.jinja2 import Jinja2

    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    return Jinja2(
        {
            "NAME": "bench-jinja2",
            "DIRS": [FOLDER],
            "APP_DIRS": False,
            "OPTIONS": {
                "environment": "bench.engines.environment",
                "context_processors": processors,
            },
        }
    )


@contextlib.contextmanager
def _recording() -> Iterator[list[tuple[Any, dict[str, Any], Any]]]:
    """The templates Django's backend renders inside the block: (template, context, request)."""
    rendered: list[tuple[Any, dict[str, Any], Any]] = []

    def record(render: Callable[..., Any], template: Any, context: Any, request: Any) -> Any:
        rendered.append((template, dict(context or {}), request))
        return render(template, context, request)

    with template_renders_wrapped(record):
        yield rendered


def page_renderers(client: Any, path: str) -> tuple[Callable[[], str], Callable[[], str]]:
    """The page at ``path`` requested by ``client`` (signed in as its reader); two functions
    that render its template again from the context and request of that request: with Django's
    template language (the product) and with Jinja2 (``bench/jinja2/``)."""
    from django.utils import translation

    with _recording() as rendered:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    [(django_template, context, request)] = [
        r for r in rendered if r[0].origin.template_name == PAGE
    ]
    language = request.LANGUAGE_CODE

    def rendering(template: Any) -> Callable[[], str]:
        def render() -> str:
            with translation.override(language):
                return str(template.render(dict(context), request))

        return render

    return rendering(django_template), rendering(jinja2_backend().get_template(PAGE))


def _per_render_ms(render: Callable[[], str], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        render()
    return (time.process_time() - started) / count * 1000


def engines(client: Any, path: str) -> list[Figure]:
    """B1.engine: the page's template rendered by each engine, in turn (module docstring)."""
    with_django, with_jinja2 = page_renderers(client, path)
    rounds, count = (2, 100) if quick() else (ROUNDS, RENDERS)
    with_django(), with_jinja2()
    best = {"django": float("inf"), "jinja2": float("inf")}
    for _ in range(rounds):
        best["django"] = min(best["django"], _per_render_ms(with_django, count))
        best["jinja2"] = min(best["jinja2"], _per_render_ms(with_jinja2, count))
    detail = {"template": PAGE, "renders_per_round": count, "rounds": rounds}
    return [
        Figure(
            "B1.engine.django_ms",
            best["django"],
            "ms",
            goal=None,
            higher_is_better=False,
            detail=detail,
        ),
        Figure(
            "B1.engine.jinja2_ms",
            best["jinja2"],
            "ms",
            goal=None,
            higher_is_better=False,
            baseline=best["django"],
            detail=detail,
        ),
    ]
