"""Django's template backend, with Seatwise's ``i18n`` library in place of Django's.

``{% load i18n %}`` loads ``seatwise.core.templatetags.cached_i18n``: Django's library, whose
``{% translate %}`` and ``{% blocktranslate %}`` render a literal message once per language.
The replacement is made here, on purpose and in one place, so Django's check for two
libraries of one name (templates.W003) leaves this one out and still reports any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage
from django.template.backends import django as django_backend

# Library name → (Django's module, the module that replaces it).
REPLACED_LIBRARIES = {
    "i18n": ("django.templatetags.i18n", "seatwise.core.templatetags.cached_i18n"),
}


class DjangoTemplates(django_backend.DjangoTemplates):
    def get_templatetag_libraries(self, custom_libraries: dict[str, str]) -> dict[str, Any]:
        libraries = super().get_templatetag_libraries(custom_libraries)
        libraries.update({name: ours for name, (_django, ours) in REPLACED_LIBRARIES.items()})
        return libraries

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        replaced = {
            f"{name!r} is used for multiple template tag modules: {django!r}, {ours!r}"
            for name, (django, ours) in REPLACED_LIBRARIES.items()
        }
        return [
            message
            for message in super().check(**kwargs)
            if not (message.id == "templates.W003" and message.msg in replaced)
        ]


def preload() -> None:
    """Compile every template of the project's template folders (``DIRS``) into the cached
    loader (see ``seatwise.core.rq_workers``): e-mails and documents then render without
    reading or parsing a file."""
    from django.template import engines

    for engine in engines.all():
        for folder in engine.dirs:
            for path in sorted(Path(folder).rglob("*")):
                if path.suffix in (".html", ".txt"):
                    engine.get_template(path.relative_to(folder).as_posix())
