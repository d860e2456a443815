"""The instructions match the product: every label an article names (its bold words, listed
under ``pages`` by page) is shown on that page, to the person the page is for, in the
article's language.

Each page of ``seatwise.helpcenter.pages.PAGES`` is opened once per language in the world of
``tests/helpcenter/world.py`` (an online account, a corporate account signed in to its portal,
one not eligible for self-service), and its visible text (no head, nothing hidden) must hold
each label as words of their own.
"""

from __future__ import annotations

import pytest

from seatwise.helpcenter.articles import Library, library, load_library
from seatwise.helpcenter.pages import PAGES
from tests.helpcenter.world import VISITS, World, build_world, open_page, shows, visible_text

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "de", "it", "es"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def labels_missing(content: Library, world: World) -> list[str]:
    """Every (article, page, label) of the world's language whose label the page does not
    show, as "slug: page key: label"."""
    articles = content.in_language(world.language)
    texts = {
        key: visible_text(open_page(world, key))
        for key in sorted({key for article in articles for key in article.pages})
    }
    return [
        f"{article.slug}: {key}: {label}"
        for article in articles
        for key, labels in article.pages.items()
        for label in labels
        if not shows(texts[key], label)
    ]


def test_every_page_key_has_a_visit() -> None:
    assert set(VISITS) == set(PAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_of_every_article_is_on_its_page(language: str) -> None:
    # given the world, its people speaking the language
    world = build_world(language)

    # when each page named by an article is opened as its person
    missing = labels_missing(library(), world)

    # then it shows every label the article names there
    assert missing == []


def test_a_label_the_page_does_not_show_is_found_out(tmp_path) -> None:
    # given an article that names "Add licences" (not Seatwise's "Add licenses") and "Edit" on
    # the Admin Center's home page, which has no "Edit"
    for language in LANGUAGES:
        folder = tmp_path / language
        folder.mkdir()
        (folder / "wrong-label.md").write_text(
            "---\ntitle: Wrong\nsummary: A label that is not there.\norder: 1\n"
            "pages:\n  admin.home: [Add licences, Edit, Manage Users]\n---\n"
            "Select **Add licences**, **Edit** or **Manage Users**.\n",
            encoding="utf-8",
        )
    content = load_library(tmp_path, LANGUAGES)
    world = build_world("en")

    # when its labels are looked for on the page
    missing = labels_missing(content, world)

    # then both wrong ones are reported, and only they
    assert missing == ["wrong-label: admin.home: Add licences", "wrong-label: admin.home: Edit"]


def test_visible_text_leaves_out_what_a_reader_does_not_see() -> None:
    html = (
        "<html><head><title>Title</title><style>p{}</style></head><body>"
        '<p>Pay <span class="visually-hidden">hidden words</span>Now</p>'
        "<div hidden>gone</div><button>Save</button><script>x()</script>"
        "<input value='typed'><p>Bill&nbsp;To</p></body></html>"
    )

    text = visible_text(html)

    assert text == "Pay Now Save Bill To"
    assert shows(text, "Save")
    assert shows(text, "Bill To")
    assert not shows(text, "Sav")
    assert not shows(text, "hidden words")
