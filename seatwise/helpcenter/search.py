"""Search in the help center: one selector, ``help_search``, over the titles, summaries and text
of the articles in the reader's language, by the database's own full-text search.

The backend follows the database vendor (migration ``0002_search_index`` creates its table):

- **SQLite**: FTS5 (``helpcenter_search_fts``), tokenizer unicode61 without diacritics; every
  term the reader types is a quoted prefix (``"rechnung"*``), ranked by bm25 with the title
  weighted 10, the summary 4 and the text 1.
- **PostgreSQL**: a tsvector column (``helpcenter_search_document.document``, GIN index) built
  with the language's text search configuration (english, german, italian, spanish), so words
  are stemmed as in that language; every term is a prefix (``'rechnung':*``), ranked by
  ``ts_rank`` with the title as weight A, the summary B and the text C. Text and terms are
  folded to lower case without diacritics first (``articles.fold``), on both sides alike, so
  that "facturacion" finds "facturación" here too.

A term of one or two letters ("I", "de") is a whole word, not a prefix: as a prefix it would
match nearly everything.

What the reader types is never SQL: it is cut into words (letters and digits only, so that
quotes, ``*``, ``-``, ``:`` or ``NEAR(`` are separators, not syntax), each word is quoted as
a term, and the expression is passed as a query parameter. All terms must match; if none does,
any term may. An empty query gives no results. The snippet under each hit is built here from
the article's own text, escaped, with the matching words in ``<mark>``.

The index is built from the content files. ``manage.py help_index`` rebuilds it; each search
first compares the fingerprint of the content this process reads with the one stored with the
index (one query) and rebuilds it when they differ, so an upgrade with new articles needs
nothing done by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from seatwise.helpcenter.articles import Article, Library, fold, library
from seatwise.helpcenter.lock_objects import search_index_state_lock
from seatwise.helpcenter.models import STATE_ID, SearchIndexState

QUERY_MAX_CHARS = 200
TERMS_MAX = 8
TERM_MAX_CHARS = 40
PREFIX_MIN_CHARS = 3  # shorter terms match whole words only
SNIPPET_WORDS = 30
# A word as the reader types it: letters and digits; everything else separates words.
WORD_RE = re.compile(r"[^\W_]+")

# PostgreSQL's text search configuration of each content language.
POSTGRESQL_CONFIGS = {"en": "english", "de": "german", "it": "italian", "es": "spanish"}


@dataclass(frozen=True, slots=True)
class SearchHit:
    slug: str
    title: str
    summary: str
    snippet: SafeString  # escaped text, the matching words in <mark>
    rank: float  # higher is better


@dataclass(frozen=True, slots=True)
class IndexRow:
    slug: str
    language: str
    title: str
    summary: str
    text: str


def query_terms(query: str) -> list[str]:
    """The words of what the reader typed, in order, without repeats, at most ``TERMS_MAX``."""
    terms: list[str] = []
    for word in WORD_RE.findall(query[:QUERY_MAX_CHARS]):
        term = word[:TERM_MAX_CHARS]
        if fold(term) not in {fold(t) for t in terms}:
            terms.append(term)
        if len(terms) == TERMS_MAX:
            break
    return terms


# --- backends ------------------------------------------------------------------------------------


class Backend(Protocol):
    def replace(self, cursor: CursorWrapper, rows: Sequence[IndexRow]) -> None: ...

    def ranked(
        self,
        cursor: CursorWrapper,
        *,
        terms: Sequence[str],
        language: str,
        limit: int,
        match_all: bool,
    ) -> list[tuple[str, float]]: ...


class SqliteFts5:
    TABLE = "helpcenter_search_fts"

    def replace(self, cursor: CursorWrapper, rows: Sequence[IndexRow]) -> None:
        cursor.execute(f"DELETE FROM {self.TABLE}")  # noqa: S608 - a constant
        cursor.executemany(
            f"INSERT INTO {self.TABLE} (slug, language, title, summary, body) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [(r.slug, r.language, r.title, r.summary, r.text) for r in rows],
        )

    @staticmethod
    def match_expression(terms: Sequence[str], *, match_all: bool) -> str:
        """An FTS5 query of quoted prefix terms: ``"abrechnungskont"* "rechnung"*``."""
        quoted = ['"' + term.replace('"', '""') + '"' + _star(term, "*") for term in terms]
        return (" " if match_all else " OR ").join(quoted)

    def ranked(
        self,
        cursor: CursorWrapper,
        *,
        terms: Sequence[str],
        language: str,
        limit: int,
        match_all: bool,
    ) -> list[tuple[str, float]]:
        cursor.execute(
            # bm25's weights follow the columns: slug, language, title, summary, body.
            f"SELECT slug, bm25({self.TABLE}, 0.0, 0.0, 10.0, 4.0, 1.0) AS score "  # noqa: S608
            f"FROM {self.TABLE} WHERE {self.TABLE} MATCH %s AND language = %s "
            "ORDER BY score, slug LIMIT %s",
            [self.match_expression(terms, match_all=match_all), language, limit],
        )
        # bm25 is lower for a better match: the hit's rank is higher for a better one.
        return [(str(slug), -float(score)) for slug, score in cursor.fetchall()]


class PostgresTsvector:
    TABLE = "helpcenter_search_document"

    def replace(self, cursor: CursorWrapper, rows: Sequence[IndexRow]) -> None:
        params = [
            (row.language, row.slug, *_weighted(row.language, row.title, row.summary, row.text))
            for row in rows
        ]
        cursor.execute(f"DELETE FROM {self.TABLE}")  # noqa: S608 - a constant
        cursor.executemany(
            f"INSERT INTO {self.TABLE} (language, slug, document) VALUES (%s, %s, "  # noqa: S608
            "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'C'))",
            params,
        )

    @staticmethod
    def tsquery(terms: Sequence[str], *, match_all: bool) -> str:
        """A ``to_tsquery`` text of quoted prefix terms: ``'abrechnungskont':* & 'rechnung':*``.
        The terms are letters and digits only (``WORD_RE``, again after folding), so no quote
        can end a term."""
        folded = ["".join(WORD_RE.findall(fold(term))) for term in terms]
        quoted = [f"'{term}'" + _star(term, ":*") for term in folded if term]
        return (" & " if match_all else " | ").join(quoted)

    def ranked(
        self,
        cursor: CursorWrapper,
        *,
        terms: Sequence[str],
        language: str,
        limit: int,
        match_all: bool,
    ) -> list[tuple[str, float]]:
        cursor.execute(
            "SELECT slug, ts_rank(document, query) AS score "  # noqa: S608
            f"FROM {self.TABLE}, to_tsquery(%s::regconfig, %s) AS query "
            "WHERE language = %s AND document @@ query "
            "ORDER BY score DESC, slug LIMIT %s",
            [_config(language), self.tsquery(terms, match_all=match_all), language, limit],
        )
        return [(str(slug), float(score)) for slug, score in cursor.fetchall()]


def _star(term: str, star: str) -> str:
    """The prefix operator for a term long enough to be a prefix, else nothing."""
    return star if len(term) >= PREFIX_MIN_CHARS else ""


def _config(language: str) -> str:
    return POSTGRESQL_CONFIGS.get(language, "simple")


def _weighted(language: str, *parts: str) -> tuple[str, ...]:
    """(configuration, folded part) for each part: the parameters of ``setweight(to_tsvector(…))``
    of each."""
    config = _config(language)
    return tuple(value for part in parts for value in (config, fold(part)))


BACKENDS: dict[str, Backend] = {"sqlite": SqliteFts5(), "postgresql": PostgresTsvector()}


def _backend() -> Backend:
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise ImproperlyConfigured(
            f"The help center's search supports SQLite and PostgreSQL, not {connection.vendor}."
        ) from None


# --- the index -----------------------------------------------------------------------------------


def _rows(content: Library) -> list[IndexRow]:
    return [
        IndexRow(a.slug, a.language, a.title, a.summary, a.text)
        for (_language, _slug), a in sorted(content.articles.items())
    ]


def search_index_rebuild(*, content: Library | None = None, only_if_stale: bool = False) -> bool:
    """Build the index from ``content`` (the content files) and store its fingerprint with it.

    One writer at a time: the state row is locked (on SQLite the IMMEDIATE transaction is the
    lock) and, with ``only_if_stale``, checked again under the lock, so that processes which
    all find the index stale build it once. Returns whether it was built."""
    content = content or library()
    backend = _backend()
    with transaction.atomic():
        now = timezone.now()
        SearchIndexState.objects.bulk_create(
            [SearchIndexState(pk=STATE_ID, fingerprint="", built_at=now)], ignore_conflicts=True
        )
        state = search_index_state_lock()
        if only_if_stale and state.fingerprint == content.fingerprint:
            return False
        with connection.cursor() as cursor:
            backend.replace(cursor, _rows(content))
        state.fingerprint = content.fingerprint
        state.built_at = now
        state.save(update_fields=["fingerprint", "built_at"])
    return True


def search_index_ensure(*, content: Library) -> None:
    """Rebuild the index if it was built from other content than ``content`` (one query)."""
    stored = (
        SearchIndexState.objects.filter(pk=STATE_ID).values_list("fingerprint", flat=True).first()
    )
    if stored != content.fingerprint:
        search_index_rebuild(content=content, only_if_stale=True)


# --- the selector --------------------------------------------------------------------------------


def help_search(*, query: str, language: str, limit: int = 10) -> list[SearchHit]:
    """The articles in ``language`` that match ``query``, best first, at most ``limit``."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    content = library()
    if language not in content.languages:
        language = content.languages[0]
    search_index_ensure(content=content)
    backend = _backend()
    with connection.cursor() as cursor:
        ranked = backend.ranked(cursor, terms=terms, language=language, limit=limit, match_all=True)
        if not ranked and len(terms) > 1:
            ranked = backend.ranked(
                cursor, terms=terms, language=language, limit=limit, match_all=False
            )
    hits: list[SearchHit] = []
    for slug, rank in ranked:
        article = content.get(slug=slug, language=language)
        if article is not None:  # the index and this process read the same content
            hits.append(_hit(article, terms, rank))
    return hits


def _hit(article: Article, terms: Sequence[str], rank: float) -> SearchHit:
    return SearchHit(
        slug=article.slug,
        title=article.title,
        summary=article.summary,
        snippet=snippet(article.text, terms),
        rank=rank,
    )


def _matches(word: str, folded_terms: Sequence[str]) -> bool:
    """Whether a word of the text (letters and digits) is what a term finds: the same word, or
    one it begins, for a term long enough to be a prefix."""
    folded = fold(word)
    return any(
        folded.startswith(term) if len(term) >= PREFIX_MIN_CHARS else folded == term
        for term in folded_terms
    )


def _marked(token: str, folded_terms: Sequence[str]) -> tuple[str, bool]:
    """A whitespace-separated token of the text, escaped, its matching words in ``<mark>``."""
    parts: list[str] = []
    found = False
    position = 0
    for word in WORD_RE.finditer(token):
        parts.append(str(escape(token[position : word.start()])))
        if _matches(word.group(), folded_terms):
            parts.append(f"<mark>{escape(word.group())}</mark>")
            found = True
        else:
            parts.append(str(escape(word.group())))
        position = word.end()
    parts.append(str(escape(token[position:])))
    return "".join(parts), found


def snippet(text: str, terms: Sequence[str], *, words: int = SNIPPET_WORDS) -> SafeString:
    """The stretch of ``text`` of ``words`` words with the most matching words, escaped, each
    word that a term finds (ignoring case and diacritics) in ``<mark>``."""
    tokens = text.split()
    if not tokens:
        return mark_safe("")
    folded_terms = [fold(term) for term in terms]
    marked = [_marked(token, folded_terms) for token in tokens]
    hit = [found for _html, found in marked]
    window = min(words, len(tokens))
    best_start, best = 0, sum(hit[:window])
    current = best
    for start in range(1, len(tokens) - window + 1):
        current += hit[start + window - 1] - hit[start - 1]
        if current > best:
            best_start, best = start, current
    # Shift the stretch to start a little before its first match, for context, keeping its
    # last match and a full stretch of words.
    matched = [i for i in range(best_start, best_start + window) if hit[i]] or [best_start]
    start = max(0, matched[-1] - window + 1, matched[0] - 3)
    start = min(start, len(tokens) - window)
    end = start + window
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(tokens) else ""
    body = " ".join(html for html, _found in marked[start:end])
    return mark_safe(prefix + body + suffix)  # noqa: S308 - built from escaped text
