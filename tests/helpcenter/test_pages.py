"""The help center's pages: /help/, /help/search/?q= and /help/<slug>/, in the reader's
language, for everyone (no data of the reader, kept by the browser a while) and cheap."""

from __future__ import annotations

import re

import pytest

from seatwise.helpcenter.articles import library, library_cache_clear
from tests.factories import make_account, make_person
from tests.helpcenter.world import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_library():
    library_cache_clear()
    yield
    library_cache_clear()


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_index_lists_every_article_in_order_with_its_summary(client) -> None:
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    articles = library().in_language("en")
    assert response.status_code == 200
    assert lang_of(page) == "en"
    links = re.findall(r'<h3 class="help-list__title"><a href="(/help/[^"]+/)">', page)
    assert links == [f"/help/{a.slug}/" for a in articles]
    text = visible_text(page)
    for article in articles:
        assert article.title in text
        assert article.summary in text
    assert '<form class="search-form help-search" action="/help/search/" method="get"' in page


@pytest.mark.parametrize("language", ["de", "it", "es"])
def test_a_visitor_reads_the_help_in_the_language_of_their_browser(client, language) -> None:
    response = client.get("/help/billing-contact/", HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    article = library().get(slug="billing-contact", language=language)
    assert lang_of(page) == language
    assert f'<h1 id="help-article-title">{article.title}</h1>' in page


def test_a_signed_in_person_reads_the_help_in_their_own_language(client) -> None:
    person = make_person(make_account(language="de"), language="it")
    client.force_login(person)

    response = client.get("/help/quotes/", HTTP_ACCEPT_LANGUAGE="es")

    page = response.content.decode()
    assert lang_of(page) == "it"
    assert library().get(slug="quotes", language="it").title in page


def test_the_language_switch_decides_for_a_visitor(client) -> None:
    client.post("/i18n/setlang/", {"language": "es", "next": "/help/"})
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="de")

    assert lang_of(response.content.decode()) == "es"


def test_an_article_has_its_body_related_topics_and_contact_options(client) -> None:
    response = client.get("/help/change-billing-contact/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    article = library().get(slug="change-billing-contact", language="en")
    assert response.status_code == 200
    assert str(article.html) in page
    related = re.search(r'<section class="help-related".*?</section>', page, re.S)
    assert related is not None
    assert re.findall(r'<a href="(/help/[^"]+/)">([^<]+)</a>', related.group()) == [
        (f"/help/{slug}/", library().get(slug=slug, language="en").title)
        for slug in article.related
    ]
    assert (
        'href="/help/contact/?topic=billing_contact_change&amp;article=change-billing-contact"'
        in page
    )
    # the contact options come last, after the related topics
    assert page.index("help-related") < page.index("contact-options")


def test_related_topics_are_titled_in_the_readers_language(client) -> None:
    response = client.get("/help/change-billing-contact/", HTTP_ACCEPT_LANGUAGE="de")

    page = response.content.decode()
    assert (
        '<a href="/help/billing-contact/">Wer ist der Abrechnungskontakt für mein Konto?</a>'
        in page
    )


def test_an_unknown_article_is_not_found(client) -> None:
    assert client.get("/help/no-such-article/").status_code == 404


def test_help_pages_are_kept_by_the_browser_per_language_never_by_shared_caches(client) -> None:
    for path in ("/help/", "/help/quotes/", "/help/search/?q=quote"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200, path
        assert sorted(response["Cache-Control"].split(", ")) == ["max-age=600", "private"]
        vary = {v.strip().lower() for v in response["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary


def test_a_signed_in_readers_name_is_not_on_a_help_page(client) -> None:
    person = make_person(make_account(language="en"), language="en")
    client.force_login(person)

    page = client.get("/help/quotes/").content.decode()

    assert person.email not in page
    assert person.last_name not in page


def test_only_get_and_head_are_answered(client) -> None:
    assert client.post("/help/").status_code == 405
    assert client.post("/help/quotes/").status_code == 405


def test_an_article_page_asks_the_database_nothing_for_a_visitor(
    client, django_assert_num_queries
) -> None:
    library()  # read once per process, as after the first request

    with django_assert_num_queries(0):
        response = client.get("/help/add-seats-corporate/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200


def test_an_article_page_asks_only_for_the_session_of_a_signed_in_reader(
    client, django_assert_num_queries
) -> None:
    client.force_login(make_person(make_account(language="en"), language="en"))
    library()

    with django_assert_num_queries(2):  # the session, the person
        response = client.get("/help/add-seats-corporate/")

    assert response.status_code == 200


# --- search ---------------------------------------------------------------------------------------


def test_the_search_page_lists_hits_with_links_and_snippets(client) -> None:
    response = client.get("/help/search/", {"q": "reactivate"}, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<input type="search" id="help-search-q" name="q" value="reactivate"' in page
    titles = re.findall(r'<h3 class="help-list__title"><a href="/help/([^"]+)/">', page)
    assert titles[0] == "cancel-and-reactivate"
    assert "<mark>Reactivate</mark>" in page


def test_the_search_page_says_when_nothing_matches_and_links_back(client) -> None:
    response = client.get("/help/search/", {"q": "zzzunknown"}, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    text = visible_text(page)
    assert "No article matches “zzzunknown”. Try other words, or fewer." in text
    assert '<a href="/help/">See all help articles</a>' in page


def test_the_search_page_escapes_the_query(client) -> None:
    response = client.get("/help/search/", {"q": '<script>"x"</script>'})

    page = response.content.decode()
    assert "<script>" not in page
    assert "&lt;script&gt;&quot;x&quot;&lt;/script&gt;" in page


def test_an_empty_search_asks_for_words(client) -> None:
    page = client.get("/help/search/", {"q": "   "}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Type a word or two to search the help." in visible_text(page)


def test_the_home_pages_help_card_leads_to_the_help(client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/help/"' in page
