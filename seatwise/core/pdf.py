"""PDF documents from HTML: WeasyPrint, loaded with the first document a process makes.

Every PDF Seatwise makes (invoices, credit notes, receipts, quotes) is PDF/A-3b, the archival
form that can carry the invoice's XML (Factur-X). WeasyPrint and its font stack take about
half a second to import and some 40 MB: a web process serves archived documents and never
renders one, and a task worker that runs no rendering task does not pay for it either.

Every document shares one stylesheet, ``pdf.css`` beside this module. It is parsed once per
thread, with one font configuration, and handed to each document as a parsed stylesheet:
parsing it and loading the fonts again for every document was a quarter to a third of a
receipt's or an invoice's rendering (measured: a receipt 81 → 49 ms, an invoice 92 → 64 ms of
CPU).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

PDF_VARIANT = "pdf/a-3b"
STYLESHEET = Path(__file__).with_name("pdf.css")


def pdf_from_template(template: str, context: dict[str, Any], language: str) -> bytes:
    """``template`` rendered with ``context`` in ``language``, as a PDF/A-3b."""
    with translation.override(language):
        html = render_to_string(template, context)
    return pdf_from_html(html)


def pdf_from_html(html: str) -> bytes:
    """The PDF/A-3b that ``html`` (a whole page) renders to, styled by ``pdf.css``.

    A document fetches nothing: its styles are inline and it has no images, and the fetcher
    refuses every URL but ``data:`` (nothing a name or address on an invoice could contain
    makes the renderer read a file or call a server). One fetcher per thread: WeasyPrint's
    default makes a new one, with a new TLS context, several times per document (a sixth of
    an invoice's rendering)."""
    from weasyprint import HTML

    tools = _tools()
    pdf: bytes = HTML(string=html, url_fetcher=tools.fetcher).write_pdf(
        pdf_variant=PDF_VARIANT, stylesheets=[tools.stylesheet], font_config=tools.fonts
    )
    return pdf


class _Tools:
    """What every document of a thread reuses: the fetcher, the fonts, the parsed stylesheet."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        self.fetcher = URLFetcher(allowed_protocols={"data"})
        self.fonts = FontConfiguration()
        self.stylesheet = CSS(
            string=STYLESHEET.read_text(encoding="utf-8"),
            font_config=self.fonts,
            url_fetcher=self.fetcher,
        )


_local = threading.local()


def _tools() -> _Tools:
    tools: _Tools | None = getattr(_local, "tools", None)
    if tools is None:
        tools = _local.tools = _Tools()
    return tools


def preload() -> None:
    """Import WeasyPrint and make this thread's fonts, stylesheet and fetcher, by rendering one
    empty page: what a task worker that forks a process per task (RQ's) does once in its
    parent, so that no task pays for it again (about 1.5 s per task otherwise)."""
    pdf_from_html("<html><body></body></html>")
