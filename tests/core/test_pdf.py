"""core.pdf: a document renders from its own HTML, styled by the shared stylesheet, and fetches
nothing else."""

from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader

from seatwise.core.pdf import _tools, pdf_from_html


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(
    "url", ["file:///etc/hostname", "http://127.0.0.1:9/x.png", "https://example.com/x.css"]
)
def test_the_renderer_refuses_every_url_but_data(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        _tools().fetcher.fetch(url)


def test_a_document_that_names_a_file_renders_without_it():
    pdf = pdf_from_html('<html><body><p>Invoice</p><img src="file:///etc/hostname"></body></html>')

    assert pdf.startswith(b"%PDF-")


def test_every_document_is_styled_by_the_shared_stylesheet():
    # The page counter's text exists only in pdf.css ("counter(page) / counter(pages)").
    page = '<html><body><p>Receipt</p><span class="page-number"></span></body></html>'

    first, second = pdf_from_html(page), pdf_from_html(page)

    assert "1 / 1" in _text(first)
    assert _text(second) == _text(first)


def test_each_thread_parses_the_stylesheet_once():
    mine = _tools()
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(_tools()))
    thread.start()
    thread.join()

    assert _tools() is mine
    assert theirs[0] is not mine
