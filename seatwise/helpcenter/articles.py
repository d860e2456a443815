"""The help center's articles: Markdown files in the repository, never database rows.

Each article is one file per language, ``content/<language>/<slug>.md``, with the same slug in
every language of ``settings.LANGUAGES``. A file starts with YAML front matter between two
``---`` lines (read with ``yaml.safe_load``)::

    ---
    title: How do I change the billing contact of my account?
    summary: One or two sentences for the index and the search results.
    order: 20
    related: [billing-contact, online-vs-corporate]
    contact_topic: billing_contact_change
    pages:
      corporate.account: [Account, Bill To, Edit]
    ---

``pages`` names, by the page it is on (``pages.PAGES``), every label the article's steps tell
the reader to look for or click; in the body each of them is written in bold, and nothing else
is. ``tests/helpcenter/test_labels_on_pages.py`` opens each page as the right person in each
language and checks that the label is really there, so an article cannot drift away from the
product it describes.

Rendering is safe by construction: markdown-it-py's CommonMark with raw HTML off (it is
escaped, never passed through) and images off; a link is a link only if it leads to a path of
this site (``/…``), an anchor, ``mailto:`` or ``https:``, otherwise its source stays plain
text. Headings get ids for anchors. The body's title is the page's ``h1``, so the body starts
at ``##``.

The files are read, checked and rendered once per process (``library()``); every problem found
(unknown front-matter keys, a missing title, unknown related slugs or page keys, an unknown
contact topic, bold text that is not a listed label, an article missing in a language) is
reported together, by ``ArticleError`` and by the system check in ``checks.py``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from seatwise.helpcenter.pages import PAGES

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# What the contact options at the end of an article open (``templates/help/_contact_options.html``).
CONTACT_TOPICS = ("billing_contact_change", "billing", "subscription", "account", "other")
FRONT_MATTER_KEYS = frozenset({"title", "summary", "order", "related", "contact_topic", "pages"})
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Links may lead to this site's pages (a path, not "//host"), an anchor, mail or https only.
SAFE_LINK_RE = re.compile(r"^(?:/(?![/\\])|#|mailto:|https://)", re.IGNORECASE)
HELP_LINK_RE = re.compile(r"^/help/([^/?#]+)/?(?:[?#].*)?$")
# Paths of the help center itself (``portals/help/urls.py``, routed before the articles): no
# article can have them as its slug, and a link to one is no link to an article.
RESERVED_SLUGS = frozenset({"search", "contact", "cases"})


class ArticleError(Exception):
    """The content files have problems; ``problems`` lists every one, each with its file."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Help center content: " + "; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Article:
    """One article in one language, parsed, checked and rendered."""

    slug: str
    language: str
    title: str
    summary: str
    order: int
    related: tuple[str, ...]
    contact_topic: str
    # Page key → the labels the article names on that page, in the article's language.
    pages: Mapping[str, tuple[str, ...]]
    html: SafeString  # the body, rendered
    text: str  # the body as plain text, for search and snippets
    bold: frozenset[str]  # the body's bold texts, whitespace normalised
    links: tuple[str, ...]  # the body's link targets
    path: Path

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(label for labels in self.pages.values() for label in labels)


@dataclass(frozen=True, slots=True)
class Library:
    """Every article of a content directory, in every language."""

    directory: Path
    languages: tuple[str, ...]
    fingerprint: str  # SHA-256 of the files' names and bytes
    articles: Mapping[tuple[str, str], Article] = field(default_factory=dict)

    def get(self, *, slug: str, language: str) -> Article | None:
        return self.articles.get((language, slug))

    def in_language(self, language: str) -> list[Article]:
        """The articles of one language in the index's order."""
        found = [a for (lang, _slug), a in self.articles.items() if lang == language]
        return sorted(found, key=lambda a: (a.order, a.slug))


# --- rendering ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    text: str
    bold: frozenset[str]
    links: tuple[str, ...]  # every href, as rendered
    heading_levels: tuple[int, ...]


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def _link_is_safe(url: str) -> bool:
    return bool(SAFE_LINK_RE.match(url))


def _heading_ids(state: StateCore) -> None:
    """Give every heading an id from its text (unique within the article) for anchors."""
    used: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        base = slugify(_inline_text(tokens[index + 1].children or []), allow_unicode=True)
        base = base or "section"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        token.attrSet("id", candidate)


def _inline_text(children: Iterable[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")
    # markdown-it calls this for every link destination (after normalising it): an unsafe one
    # is not parsed as a link, and its source is rendered as escaped text.
    md.validateLink = _link_is_safe  # type: ignore[method-assign]
    md.core.ruler.push("heading_ids", _heading_ids)
    return md


_MD = _markdown()


def _walk_inline(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type == "inline":
            yield from token.children or []


def render_markdown(source: str) -> Rendered:
    """The body's HTML and what the loader checks in it: bold texts, links, heading levels."""
    tokens = _MD.parse(source)
    bold: set[str] = set()
    links: list[str] = []
    depth = 0
    current: list[str] = []
    for token in _walk_inline(tokens):
        if token.type == "strong_open":
            depth += 1
            if depth == 1:
                current = []
        elif token.type == "strong_close":
            depth -= 1
            if depth == 0:
                bold.add(normalize_space("".join(current)))
        elif depth and token.type in ("text", "code_inline"):
            current.append(token.content)
        elif depth and token.type in ("softbreak", "hardbreak"):
            current.append(" ")
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            links.append(href)
            if href.lower().startswith("https://"):
                token.attrSet("rel", "noopener noreferrer")
    text_blocks = [_inline_text(t.children or []) for t in tokens if t.type == "inline"]
    levels = tuple(int(t.tag[1]) for t in tokens if t.type == "heading_open")
    html = _MD.renderer.render(tokens, _MD.options, {})
    return Rendered(
        html=html,
        text="\n".join(normalize_space(block) for block in text_blocks if block.strip()),
        bold=frozenset(bold),
        links=tuple(links),
        heading_levels=levels,
    )


# --- loading and checking ------------------------------------------------------------------------


def _split_front_matter(raw: str) -> tuple[str, str] | None:
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end == -1:
        return None
    return text[4:end], text[end + 5 :]


def _string_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [normalize_space(v) for v in value]


def _parse(path: Path, *, slug: str, language: str, problems: list[str]) -> Article | None:
    """One file: its front matter and body, or ``None`` with the file's problems added."""
    where = f"{language}/{path.name}"
    before = len(problems)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{where}: cannot be read ({error})")
        return None
    parts = _split_front_matter(raw)
    if parts is None:
        problems.append(f"{where}: no front matter (the file starts with a '---' line)")
        return None
    try:
        meta = yaml.safe_load(parts[0])
    except yaml.YAMLError as error:
        problems.append(f"{where}: the front matter is not valid YAML ({error})")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{where}: the front matter is not a mapping of keys")
        return None
    unknown = sorted(str(k) for k in meta if k not in FRONT_MATTER_KEYS)
    if unknown:
        problems.append(f"{where}: unknown front-matter keys {', '.join(unknown)}")
    title, summary, order = meta.get("title"), meta.get("summary"), meta.get("order")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{where}: the title is missing")
    if not isinstance(summary, str) or not summary.strip():
        problems.append(f"{where}: the summary is missing")
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(f"{where}: order must be a whole number")
    related = _string_list(meta.get("related", []))
    if related is None:
        problems.append(f"{where}: related must be a list of slugs")
    elif slug in related or len(set(related)) != len(related):
        problems.append(f"{where}: related lists the article itself or a slug twice")
    topic = meta.get("contact_topic", "other")
    if topic not in CONTACT_TOPICS:
        problems.append(
            f"{where}: unknown contact_topic {topic!r} (one of {', '.join(CONTACT_TOPICS)})"
        )
    pages: dict[str, tuple[str, ...]] = {}
    raw_pages = meta.get("pages") or {}
    if not isinstance(raw_pages, dict):
        problems.append(f"{where}: pages must map page keys to lists of labels")
        raw_pages = {}
    for key, labels in raw_pages.items():
        clean = _string_list(labels)
        if str(key) not in PAGES:
            problems.append(f"{where}: unknown page key {key!r} (see helpcenter/pages.py)")
        elif clean is None or not clean:
            problems.append(f"{where}: the labels of page {key!r} must be a list of texts")
        else:
            pages[str(key)] = tuple(clean)
    body = parts[1]
    if not body.strip():
        problems.append(f"{where}: the body is empty")
    rendered = render_markdown(body)
    labels = {label for values in pages.values() for label in values}
    for text in sorted(rendered.bold - labels):
        problems.append(f"{where}: bold text {text!r} is not a label listed under pages")
    for text in sorted(labels - rendered.bold):
        problems.append(f"{where}: label {text!r} of pages is not in bold in the body")
    if any(level < 2 for level in rendered.heading_levels):
        problems.append(f"{where}: the title is the page's heading: start the body at '##'")
    if len(problems) > before:
        return None
    assert isinstance(title, str)
    assert isinstance(summary, str)
    assert isinstance(order, int)
    return Article(
        slug=slug,
        language=language,
        title=normalize_space(title),
        summary=normalize_space(summary),
        order=order,
        related=tuple(related or ()),
        contact_topic=str(topic),
        pages=pages,
        html=mark_safe(rendered.html),  # noqa: S308 - markdown-it output, raw HTML escaped
        text=rendered.text,
        bold=rendered.bold,
        links=rendered.links,
        path=path,
    )


def _fingerprint(files: Sequence[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _check_across(
    library: dict[tuple[str, str], Article], slugs: set[str], problems: list[str]
) -> None:
    """Related slugs and links to ``/help/<slug>/`` name articles that exist (as files: one
    that failed its own checks is reported once, for itself)."""
    for article in library.values():
        where = f"{article.language}/{article.slug}.md"
        for slug in article.related:
            if slug not in slugs:
                problems.append(f"{where}: related slug {slug!r} is no article")
        for link in article.links:
            found = HELP_LINK_RE.match(link)
            if found and found.group(1) not in slugs | RESERVED_SLUGS:
                problems.append(f"{where}: links to {link!r}, which is no article")


def _same_in_every_language(
    library: dict[tuple[str, str], Article], source: str, problems: list[str]
) -> None:
    """Order, related articles, contact topic and page keys are the article's, not the
    translation's: they are the same in every language as in ``source``."""
    for (language, slug), article in sorted(library.items()):
        original = library.get((source, slug))
        if language == source or original is None:
            continue
        for name in ("order", "related", "contact_topic"):
            if getattr(article, name) != getattr(original, name):
                problems.append(f"{language}/{slug}.md: {name} differs from {source}/{slug}.md")
        if set(article.pages) != set(original.pages):
            problems.append(f"{language}/{slug}.md: page keys differ from {source}/{slug}.md")


def load_library(directory: Path, languages: Sequence[str]) -> Library:
    """Read, check and render every article under ``directory``; raise ``ArticleError`` with
    every problem found. ``languages[0]`` is the source language the others must match."""
    problems: list[str] = []
    files: list[tuple[str, Path]] = []
    if not directory.is_dir():
        raise ArticleError([f"{directory}: the content directory does not exist"])
    for entry in sorted(directory.iterdir()):
        if entry.is_dir() and entry.name not in languages:
            problems.append(f"{entry.name}/: not a language of settings.LANGUAGES")
    slugs_by_language: dict[str, set[str]] = {}
    for language in languages:
        folder = directory / language
        names = sorted(folder.glob("*.md")) if folder.is_dir() else []
        slugs_by_language[language] = set()
        for path in names:
            slug = path.stem
            if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
                problems.append(
                    f"{language}/{path.name}: a slug is lower-case words and hyphens, "
                    f"not {', '.join(sorted(RESERVED_SLUGS))}"
                )
                continue
            slugs_by_language[language].add(slug)
            files.append((f"{language}/{path.name}", path))
    every = set().union(*slugs_by_language.values()) if slugs_by_language else set()
    for language, slugs in slugs_by_language.items():
        for slug in sorted(every - slugs):
            problems.append(
                f"{language}/{slug}.md: missing (the article exists in another language)"
            )
    articles: dict[tuple[str, str], Article] = {}
    for name, path in files:
        language = name.split("/", 1)[0]
        article = _parse(path, slug=path.stem, language=language, problems=problems)
        if article is not None:
            articles[(language, article.slug)] = article
    _check_across(articles, every, problems)
    _same_in_every_language(articles, languages[0], problems)
    if problems:
        raise ArticleError(problems)
    return Library(
        directory=directory,
        languages=tuple(languages),
        fingerprint=_fingerprint(files),
        articles=articles,
    )


def content_languages() -> tuple[str, ...]:
    """The languages of the content: the default language first, then the others."""
    codes = [code for code, _name in settings.LANGUAGES]
    default = settings.LANGUAGE_CODE.split("-")[0]
    return (default, *[code for code in codes if code != default])


def content_dir() -> Path:
    """``settings.SEATWISE_HELP_CONTENT_DIR`` (tests point it elsewhere), else the app's own."""
    configured = getattr(settings, "SEATWISE_HELP_CONTENT_DIR", None)
    return Path(configured) if configured else CONTENT_DIR


@cache
def _library_cached(directory: str, languages: tuple[str, ...]) -> Library:
    return load_library(Path(directory), languages)


def library() -> Library:
    """The articles, read once per process and content directory (raises ``ArticleError``)."""
    return _library_cached(str(content_dir()), content_languages())


def library_cache_clear() -> None:
    """Forget the articles read so far: the next ``library()`` reads the files again."""
    _library_cached.cache_clear()


def fold(text: str) -> str:
    """Lower case without diacritics, for comparing words as a reader types them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
