"""Writing a temporary content directory for tests: one article in every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LANGUAGES = ("en", "de", "it", "es")


def article_file(
    *,
    title: str = "A title",
    summary: str = "A summary.",
    order: int = 10,
    extra: str = "",
    body: str = "Some text.\n",
) -> str:
    return f"---\ntitle: {title}\nsummary: {summary}\norder: {order}\n{extra}---\n{body}"


def write_article(
    directory: Path,
    slug: str,
    *,
    languages: tuple[str, ...] = LANGUAGES,
    **fields: object,
) -> None:
    """``slug`` in each of ``languages``, the same file in each (a string field may name
    ``{language}`` to differ by language)."""
    for language in languages:
        folder = directory / language
        folder.mkdir(parents=True, exist_ok=True)
        values: dict[str, Any] = {
            key: value.format(language=language) if isinstance(value, str) else value
            for key, value in fields.items()
        }
        (folder / f"{slug}.md").write_text(article_file(**values), encoding="utf-8")
