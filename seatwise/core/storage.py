"""The static files' storage: WhiteNoise's (compressed files with hashed names, from the
manifest ``collectstatic`` writes), each file's URL looked up once per process.

A page asks for the same three or four URLs (``{% static %}``: the style sheets, the logo) on
every request, and each answer walks the manifest storage's name handling (20–30 µs apiece).
The manifest is read when the process starts and does not change while it runs (a deploy
starts new processes), so the answer for a name never changes either.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return str(super().url(name, force))
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = str(super().url(name))
            return url
