"""Search in the help center, on the database the suite runs on (SQLite FTS5, or PostgreSQL's
tsvector when ``DATABASE_URL`` points at PostgreSQL: ``make test`` runs both)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from seatwise.helpcenter.articles import library, library_cache_clear
from seatwise.helpcenter.models import SearchIndexState
from seatwise.helpcenter.search import (
    PostgresTsvector,
    SqliteFts5,
    help_search,
    query_terms,
    search_index_rebuild,
    snippet,
)
from tests.helpcenter.content import write_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_library():
    library_cache_clear()
    yield
    library_cache_clear()


def slugs(query: str, language: str, **kwargs) -> list[str]:
    return [hit.slug for hit in help_search(query=query, language=language, **kwargs)]


# --- the shipped articles, in each language -------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title_word", "expected"),
    [
        ("en", "reactivate", "cancel-and-reactivate"),
        ("de", "Angebot", "quotes"),
        ("it", "preventivo", "quotes"),
        ("es", "presupuesto", "quotes"),
    ],
)
def test_a_title_word_finds_its_article_first(language, title_word, expected) -> None:
    hits = help_search(query=title_word, language=language)

    assert hits[0].slug == expected
    assert hits[0].title == library().get(slug=expected, language=language).title


@pytest.mark.parametrize(
    ("language", "body_word"),
    [
        ("en", "authenticator"),
        ("de", "Authenticator"),
        ("it", "autenticazione"),
        ("es", "autenticación"),
    ],
)
def test_a_word_of_the_text_finds_its_article(language, body_word) -> None:
    hits = help_search(query=body_word, language=language)

    assert [hit.slug for hit in hits] == ["sign-in-billing"]
    assert f"<mark>{body_word}</mark>" in hits[0].snippet


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("de", "Abrechnungskont", {"billing-contact", "change-billing-contact"}),
        ("de", "rechnung", {"invoice-history", "pay-invoice-online"}),
        ("es", "autenticacion", {"sign-in-billing"}),  # typed without its accent
        ("it", "fatturazione corporate", {"billing-contact", "add-seats-corporate"}),
    ],
)
def test_terms_are_prefixes_and_diacritics_do_not_matter(language, query, expected) -> None:
    assert expected <= set(slugs(query, language))


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("de", "reactivate"),
        ("en", "Abrechnungskontakt"),
        ("it", "presupuesto"),
        ("es", "preventivo"),
    ],
)
def test_another_languages_words_find_nothing(language, query) -> None:
    assert slugs(query, language) == []


@pytest.mark.parametrize("language", ["en", "de", "it", "es"])
def test_every_hit_is_an_article_of_the_readers_language(language) -> None:
    titles = {a.title for a in library().in_language(language)}

    hits = help_search(query="Corporate Billing Portal", language=language, limit=20)

    assert hits
    assert {hit.title for hit in hits} <= titles


def test_all_terms_must_match_before_any_may() -> None:
    # "Pending Cancellation" together only in one article; "zzz" in none, so then any term.
    assert slugs("Pending Cancellation", "en") == ["cancel-and-reactivate"]
    assert "cancel-and-reactivate" in slugs("reactivate zzzunknown", "en")


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "-",
        "NEAR(",
        "NEAR(a b)",
        ":",
        "title:quote",
        "billing -contact",
        '"unterminated',
        "a' OR 1=1 --",
        "\\",
        "()",
        "^",
        "AND",
        "OR NOT",
        "\x00",
        "…",
        "x" * 500,
    ],
)
def test_query_syntax_typed_by_the_reader_is_no_error(query) -> None:
    hits = help_search(query=query, language="en")

    assert isinstance(hits, list)


@pytest.mark.parametrize("query", ["", "   ", "\t\n", '"*-:'])
def test_an_empty_query_finds_nothing_and_asks_the_database_nothing(
    query, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        assert help_search(query=query, language="en") == []


def test_the_number_of_hits_is_bounded() -> None:
    assert len(slugs("Billing", "en", limit=3)) == 3
    assert slugs("Billing", "en", limit=0) == []


def test_an_unknown_language_searches_the_default_one() -> None:
    assert slugs("reactivate", "fr") == slugs("reactivate", "en")


def test_a_search_costs_one_query_more_than_the_index_itself(django_assert_num_queries) -> None:
    search_index_rebuild()

    with django_assert_num_queries(2):  # the fingerprint, the search
        assert slugs("reactivate", "en")[0] == "cancel-and-reactivate"


def test_reader_input_is_quoted_term_by_term() -> None:
    terms = query_terms('billing "contact" NEAR(x -y) ab*')

    assert terms == ["billing", "contact", "NEAR", "x", "y", "ab"]
    assert (
        SqliteFts5.match_expression(terms, match_all=True)
        == '"billing"* "contact"* "NEAR"* "x" "y" "ab"'
    )
    assert (
        PostgresTsvector.tsquery(terms, match_all=False)
        == "'billing':* | 'contact':* | 'near':* | 'x' | 'y' | 'ab'"
    )


def test_query_terms_are_bounded_and_unique() -> None:
    assert query_terms("Rechnung rechnung RECHNUNG " + " ".join(f"w{n}" for n in range(20))) == [
        "Rechnung",
        *[f"w{n}" for n in range(7)],
    ]


# --- snippets -------------------------------------------------------------------------------------


def test_a_snippet_is_escaped_text_with_the_matches_marked() -> None:
    text = "Intro words here. Click <b>Save</b> & the Saved cart: «Säve» now."

    html = snippet(text, ["save"], words=30)

    assert html == (
        "Intro words here. Click &lt;b&gt;<mark>Save</mark>&lt;/b&gt; &amp; the "
        "<mark>Saved</mark> cart: «<mark>Säve</mark>» now."
    )


def test_a_snippet_is_the_stretch_with_the_most_matches() -> None:
    text = " ".join(["filler"] * 50 + ["quote", "and", "quote"] + ["tail"] * 50)

    html = snippet(text, ["quote"], words=10)

    assert html == (
        "… filler filler filler <mark>quote</mark> and <mark>quote</mark> tail tail tail tail …"
    )


# --- the index follows the content ---------------------------------------------------------------


def test_the_index_is_rebuilt_when_the_content_changes(tmp_path, settings) -> None:
    # given an index built from content that speaks of zebras
    write_article(tmp_path, "animals", title="Animals", body="The zebra is striped.\n")
    settings.SEATWISE_HELP_CONTENT_DIR = str(tmp_path)
    first = library()
    assert slugs("zebra", "en") == ["animals"]
    assert SearchIndexState.objects.get().fingerprint == first.fingerprint

    # when the file changes and a process reads it anew (an upgrade)
    write_article(tmp_path, "animals", title="Animals", body="The giraffe is tall.\n")
    write_article(tmp_path, "plants", title="Plants", body="A fern, and no zebra.\n")
    library_cache_clear()
    second = library()

    # then the first search rebuilds the index from the new content
    assert slugs("giraffe", "en") == ["animals"]
    assert slugs("zebra", "en") == ["plants"]
    assert SearchIndexState.objects.get().fingerprint == second.fingerprint != first.fingerprint


def test_the_index_is_built_once_by_processes_that_find_it_stale() -> None:
    content = library()

    first = search_index_rebuild(content=content, only_if_stale=True)
    second = search_index_rebuild(content=content, only_if_stale=True)

    assert (first, second) == (True, False)


def test_help_index_rebuilds_the_index(tmp_path, settings) -> None:
    write_article(tmp_path, "animals", title="Animals", body="The okapi hides.\n")
    settings.SEATWISE_HELP_CONTENT_DIR = str(tmp_path)
    out = StringIO()

    call_command("help_index", stdout=out)

    content = library()
    assert out.getvalue() == (
        f"Indexed 4 articles in 4 languages (content {content.fingerprint[:12]}).\n"
    )
    assert SearchIndexState.objects.get().fingerprint == content.fingerprint
    with connection.cursor() as cursor:
        table = SqliteFts5.TABLE if connection.vendor == "sqlite" else PostgresTsvector.TABLE
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == 4
