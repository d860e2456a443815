"""Rendering is safe: what a content file holds never reaches a page as HTML or a script.

Raw HTML is escaped, images are not rendered, and a link is a link only to this site's paths,
an anchor, ``mailto:`` or ``https:``; anything else stays plain text. Checked on
``render_markdown`` and end to end through a temporary content directory and the article page.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from seatwise.helpcenter.articles import library, library_cache_clear, render_markdown
from tests.helpcenter.content import write_article

HOSTILE = """\
## Steps

<script>alert("raw")</script>

<img src=x onerror="alert('img')">

Inline <b onmouseover="alert('b')">bold</b> and <iframe src="https://evil.test"></iframe>.

[click me](javascript:alert('link')) [encoded](jav&#x61;script:alert(1))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox) [other host](//evil.test/path) <javascript:alert('auto')>

![pixel](http://evil.test/pixel.png) ![tracker](https://evil.test/t.png)

[help](/help/one/) [page](/billing/) [mail](mailto:support@seatwise.test)
[secure](https://example.com/docs) [anchor](#steps)
"""


class Elements(HTMLParser):
    """Every element and attribute of a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def test_raw_html_scripts_and_unsafe_links_are_text() -> None:
    rendered = render_markdown(HOSTILE)
    found = elements(rendered.html)

    assert set(found.tags) == {"h2", "p", "a"}
    assert not [a for a in found.attrs if a[1].startswith("on")]
    # An image is not rendered: at most its text is a link, if its address may be one.
    assert [value for tag, name, value in found.attrs if name == "href"] == [
        "https://evil.test/t.png",
        "/help/one/",
        "/billing/",
        "mailto:support@seatwise.test",
        "https://example.com/docs",
        "#steps",
    ]
    assert "&lt;script&gt;alert(&quot;raw&quot;)&lt;/script&gt;" in rendered.html
    assert "&lt;img src=x onerror=" in rendered.html
    assert "[click me](javascript:alert('link'))" in rendered.html.replace("&#x27;", "'")
    assert "javascript:alert(1)" in rendered.html  # the decoded source, as text only


def test_https_links_open_no_window_reference_and_headings_get_ids() -> None:
    rendered = render_markdown(
        "## Billing Center\n\n### Billing Center\n\n## Über uns\n\n[x](https://example.com)\n"
    )
    found = elements(rendered.html)

    assert [v for t, n, v in found.attrs if n == "id"] == [
        "billing-center",
        "billing-center-2",
        "über-uns",
    ]
    assert ("a", "rel", "noopener noreferrer") in found.attrs


def test_bold_texts_and_plain_text_are_read_from_the_body() -> None:
    rendered = render_markdown("Click **Save\nCart** and **Edit**.\n\n| a |\n|---|\n| **PDF** |\n")

    assert rendered.bold == {"Save Cart", "Edit", "PDF"}
    assert rendered.text == "Click Save Cart and Edit.\na\nPDF"


@pytest.mark.django_db
def test_a_hostile_content_file_is_shown_safely_on_its_page(client, tmp_path, settings) -> None:
    # given a content directory whose article holds scripts, handlers and unsafe links
    write_article(tmp_path, "one", title="<script>alert('title')</script>", body=HOSTILE)
    settings.SEATWISE_HELP_CONTENT_DIR = str(tmp_path)
    library_cache_clear()
    try:
        # when its page is shown
        response = client.get("/help/one/", HTTP_ACCEPT_LANGUAGE="en")
    finally:
        library_cache_clear()

    # then nothing of it is a script, an event handler, an image or a link elsewhere
    page = response.content.decode()
    found = elements(page)
    assert response.status_code == 200
    assert "script" not in found.tags
    assert not [v for t, n, v in found.attrs if t == "img" and "evil" in v]
    assert not [a for a in found.attrs if a[1].startswith("on")]
    hrefs = [v for t, n, v in found.attrs if t == "a" and n == "href"]
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:", "vbscript:"))]
    assert not [h for h in hrefs if h.startswith(("//", "http:"))]
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page


def test_the_library_reads_the_configured_directory_once(tmp_path, settings) -> None:
    write_article(tmp_path, "one", title="First")
    settings.SEATWISE_HELP_CONTENT_DIR = str(tmp_path)
    library_cache_clear()
    try:
        first = library()
        write_article(tmp_path, "one", title="Changed")
        again = library()
        library_cache_clear()
        reread = library()
    finally:
        library_cache_clear()

    assert again is first
    assert reread.get(slug="one", language="en").title == "Changed"
    assert reread.fingerprint != first.fingerprint
