"""PDF documents from HTML: WeasyPrint, loaded with the first document a process makes.

Every PDF Seatwise makes (invoices, credit notes, receipts, quotes) is PDF/A-3b, the archival
form that can carry the invoice's XML (Factur-X). WeasyPrint and its font stack take about
half a second to import and some 40 MB: a web process serves archived documents and never
renders one, and a task worker that runs no rendering task does not pay for it either.
"""

from __future__ import annotations

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
    """The PDF/A-3b that ``html`` (a whole page, with its print stylesheet) renders to."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
