"""PDF documents from HTML: WeasyPrint, loaded with the first document a process makes.

Every PDF Seatwise makes (invoices, credit notes, receipts, quotes) is PDF/A-3b, the archival
form that can carry the invoice's XML (Factur-X). WeasyPrint and its font stack take about
half a second to import and some 40 MB: a web process serves archived documents and never
renders one, and a task worker that runs no rendering task does not pay for it either.
"""

from __future__ import annotations

import threading
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

PDF_VARIANT = "pdf/a-3b"


def pdf_from_template(template: str, context: dict[str, Any], language: str) -> bytes:
    """``template`` rendered with ``context`` in ``language``, as a PDF/A-3b."""
    with translation.override(language):
        html = render_to_string(template, context)
    return pdf_from_html(html)


def pdf_from_html(html: str) -> bytes:
    """The PDF/A-3b that ``html`` (a whole page, with its print stylesheet) renders to.

    A document fetches nothing: its styles are inline and it has no images, and the fetcher
    refuses every URL but ``data:`` (nothing a name or address on an invoice could contain
    makes the renderer read a file or call a server). One fetcher per thread: WeasyPrint's
    default makes a new one, with a new TLS context, several times per document (a sixth of
    an invoice's rendering)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_fetcher()).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


_local = threading.local()


def _fetcher() -> Any:
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        fetcher = _local.fetcher = URLFetcher(allowed_protocols={"data"})
    return fetcher
