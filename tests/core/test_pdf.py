"""core.pdf: a document renders from its own HTML and fetches nothing else."""

from __future__ import annotations

import pytest

from seatwise.core.pdf import _fetcher, pdf_from_html


@pytest.mark.parametrize(
    "url", ["file:///etc/hostname", "http://127.0.0.1:9/x.png", "https://example.com/x.css"]
)
def test_the_renderer_refuses_every_url_but_data(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        _fetcher().fetch(url)


def test_a_document_that_names_a_file_renders_without_it():
    pdf = pdf_from_html('<html><body><p>Invoice</p><img src="file:///etc/hostname"></body></html>')

    assert pdf.startswith(b"%PDF-")
