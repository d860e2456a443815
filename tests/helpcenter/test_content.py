"""The articles shipped with Seatwise: all thirteen in every language, valid, linked to each
other and to Seatwise's pages only; and the loader's refusals of broken content."""

from __future__ import annotations

import re

import pytest
from django.core import checks
from django.urls import Resolver404, resolve

from seatwise.helpcenter.articles import (
    CONTACT_TOPICS,
    ArticleError,
    library,
    library_cache_clear,
    load_library,
)
from seatwise.helpcenter.checks import help_content_check
from seatwise.helpcenter.pages import PAGES
from tests.helpcenter.content import LANGUAGES, write_article

SLUGS = {
    "billing-contact",
    "change-billing-contact",
    "add-licenses",
    "add-seats-corporate",
    "change-plan-or-seats",
    "payment-method",
    "invoice-history",
    "pay-invoice-online",
    "cancel-and-reactivate",
    "auto-renew",
    "online-vs-corporate",
    "sign-in-billing",
    "quotes",
}


@pytest.fixture(autouse=True)
def _fresh_library():
    library_cache_clear()
    yield
    library_cache_clear()


# --- the shipped articles -------------------------------------------------------------------------


def test_every_article_is_in_every_language_with_the_same_slugs() -> None:
    content = library()

    by_language = {
        language: {a.slug for a in content.in_language(language)} for language in LANGUAGES
    }

    assert by_language == dict.fromkeys(LANGUAGES, SLUGS)


def test_the_shipped_content_passes_the_system_check() -> None:
    assert help_content_check() == []
    assert [m for m in checks.run_checks(tags=["helpcenter"]) if m.id == "helpcenter.E001"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_front_matter_is_complete_and_related_articles_exist(language: str) -> None:
    content = library()

    for article in content.in_language(language):
        assert article.title, article.slug
        assert article.summary, article.slug
        assert article.contact_topic in CONTACT_TOPICS
        assert article.related, f"{article.slug} has no related topics"
        assert set(article.related) <= SLUGS - {article.slug}
        assert set(article.pages) <= set(PAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_bold_words_are_exactly_the_labels_listed_by_page(language: str) -> None:
    for article in library().in_language(language):
        assert article.bold == article.labels, article.slug


def test_the_order_of_the_index_is_the_same_in_every_language() -> None:
    content = library()

    orders = {language: [a.slug for a in content.in_language(language)] for language in LANGUAGES}

    assert orders["de"] == orders["it"] == orders["es"] == orders["en"]
    assert orders["en"][:2] == ["billing-contact", "change-billing-contact"]


def test_changing_the_billing_contact_opens_a_billing_contact_change_request() -> None:
    for language in LANGUAGES:
        article = library().get(slug="change-billing-contact", language=language)
        assert article is not None
        assert article.contact_topic == "billing_contact_change"


@pytest.mark.parametrize("language", LANGUAGES)
def test_links_lead_to_seatwise_pages_only(language: str) -> None:
    for article in library().in_language(language):
        source = article.path.read_text(encoding="utf-8")
        assert "logmein" not in source.lower(), article.slug
        assert "goto.com" not in source.lower(), article.slug
        for link in article.links:
            assert link.startswith("/"), (article.slug, link)
            try:
                resolve(link)
            except Resolver404:
                pytest.fail(f"{language}/{article.slug}: {link} is no page of Seatwise")


def test_seed_001s_conditions_are_in_every_language() -> None:
    # Article 001: the two conditions for customer service, in capitals as the seed writes "ODER".
    words = {"en": " OR ", "de": " ODER ", "it": " OPPURE ", "es": " O "}
    for language, word in words.items():
        article = library().get(slug="change-billing-contact", language=language)
        assert article is not None
        assert re.search(rf"\w{word}\w", article.text), language


# --- broken content is refused, every problem named ---------------------------------------------


def _problems(tmp_path) -> tuple[str, ...]:
    with pytest.raises(ArticleError) as raised:
        load_library(tmp_path, LANGUAGES)
    return raised.value.problems


def test_a_valid_article_loads(tmp_path) -> None:
    write_article(tmp_path, "one", title="One in {language}")

    content = load_library(tmp_path, LANGUAGES)

    assert [(a.language, a.title) for a in content.articles.values()] == [
        ("en", "One in en"),
        ("de", "One in de"),
        ("it", "One in it"),
        ("es", "One in es"),
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"extra": "colour: blue\n"}, "en/one.md: unknown front-matter keys colour"),
        ({"title": "''"}, "en/one.md: the title is missing"),
        ({"summary": "''"}, "en/one.md: the summary is missing"),
        ({"order": "first"}, "en/one.md: order must be a whole number"),
        (
            {"extra": "related: [nowhere]\n"},
            "en/one.md: related slug 'nowhere' is no article",
        ),
        (
            {"extra": "contact_topic: sales\n"},
            "en/one.md: unknown contact_topic 'sales' (one of billing_contact_change, "
            "billing, subscription, account, other)",
        ),
        (
            {"extra": "pages:\n  billing.nowhere: [Save]\n", "body": "Click **Save**.\n"},
            "en/one.md: unknown page key 'billing.nowhere' (see helpcenter/pages.py)",
        ),
        (
            {"body": "Click **Save**.\n"},
            "en/one.md: bold text 'Save' is not a label listed under pages",
        ),
        (
            {"extra": "pages:\n  corporate.account: [Edit]\n"},
            "en/one.md: label 'Edit' of pages is not in bold in the body",
        ),
        (
            {"body": "# A second title\n"},
            "en/one.md: the title is the page's heading: start the body at '##'",
        ),
        (
            {"body": "See [two](/help/two/).\n"},
            "en/one.md: links to '/help/two/', which is no article",
        ),
        ({"body": "   \n"}, "en/one.md: the body is empty"),
    ],
)
def test_each_problem_of_an_article_is_named(tmp_path, fields, problem) -> None:
    write_article(tmp_path, "one", **fields)

    problems = _problems(tmp_path)

    assert problem in problems


def test_an_article_missing_in_a_language_is_named(tmp_path) -> None:
    write_article(tmp_path, "one")
    write_article(tmp_path, "two", languages=("en", "de", "it"))

    assert _problems(tmp_path) == ("es/two.md: missing (the article exists in another language)",)


def test_related_articles_and_topic_are_the_same_in_every_language(tmp_path) -> None:
    write_article(tmp_path, "one", extra="related: [two]\n")
    write_article(tmp_path, "two", languages=("en", "de", "it"))
    write_article(tmp_path, "two", languages=("es",), extra="contact_topic: billing\n")

    assert _problems(tmp_path) == ("es/two.md: contact_topic differs from en/two.md",)


def test_front_matter_that_is_not_yaml_is_named_with_its_file(tmp_path) -> None:
    write_article(tmp_path, "one")
    (tmp_path / "de" / "one.md").write_text("---\ntitle: [unclosed\n---\nText\n")

    problems = _problems(tmp_path)

    assert len(problems) == 1
    assert problems[0].startswith("de/one.md: the front matter is not valid YAML")


@pytest.mark.parametrize("slug", ["search", "Upper-Case", "two--hyphens"])
def test_a_slug_is_lower_case_words_and_not_a_path_of_the_help(tmp_path, slug) -> None:
    write_article(tmp_path, "one")
    write_article(tmp_path, slug)

    assert _problems(tmp_path) == tuple(
        f"{language}/{slug}.md: a slug is lower-case words and hyphens, not cases, contact, search"
        for language in LANGUAGES
    )


def test_a_link_to_the_contact_form_is_no_missing_article(tmp_path) -> None:
    write_article(tmp_path, "one", body="[Contact us](/help/contact/?topic=billing).\n")

    assert load_library(tmp_path, LANGUAGES).get(slug="one", language="en").links == (
        "/help/contact/?topic=billing",
    )


def test_a_folder_that_is_no_language_is_named(tmp_path) -> None:
    write_article(tmp_path, "one")
    (tmp_path / "fr").mkdir()

    assert _problems(tmp_path) == ("fr/: not a language of settings.LANGUAGES",)


def test_the_system_check_reports_each_problem(tmp_path, settings) -> None:
    write_article(tmp_path, "one", extra="colour: blue\ncontact_topic: sales\n")
    settings.SEATWISE_HELP_CONTENT_DIR = str(tmp_path)

    errors = help_content_check()

    assert [(e.id, e.msg) for e in errors] == [
        ("helpcenter.E001", f"{language}/one.md: {problem}")
        for language in LANGUAGES
        for problem in (
            "unknown front-matter keys colour",
            "unknown contact_topic 'sales' (one of billing_contact_change, billing, "
            "subscription, account, other)",
        )
    ]
