"""Reading the audit viewers' pages and CSV files in tests: the table's rows as the text of
their cells, the CSV as rows of cells."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from django.http import StreamingHttpResponse


class _Rows(HTMLParser):
    """The text of each cell of each row of the ``audit-table``'s body, white space made
    single spaces, a ``<br>`` a " | "."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "audit-table" in classes:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []
        elif self._cell is not None and tag == "br":
            self._cell.append(" | ")
        elif self._cell is not None and tag == "li" and self._cell:
            self._cell.append(" ; ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def csv_rows(response: StreamingHttpResponse) -> tuple[str, list[list[str]]]:
    """The file's text, and its rows of cells."""
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[arg-type]
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
