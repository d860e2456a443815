"""Attachments of queued e-mails, rendered by the worker at delivery time.

An ``OutgoingEmail`` stores descriptors (``{"kind": "invoice_pdf", "id": 42}``), never the
file itself. Each kind names a renderer by dotted path (as Django names backends), loaded with
``import_string`` only when an e-mail is delivered: the notifications app imports no domain
that produces documents, and those domains import notifications, so the dependency stays
one-way. ``settings.SEATWISE_EMAIL_ATTACHMENT_RENDERERS`` may replace the default table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_RENDERERS: dict[str, str] = {
    # An issued document is attached as archived (rendered once, the same bytes every time).
    "invoice_pdf": "seatwise.invoicing.archive.invoice_pdf_attachment",
    "invoice_ubl": "seatwise.invoicing.archive.invoice_ubl_attachment",
    "receipt_pdf": "seatwise.billing.receipts.receipt_attachment",
}


class AttachmentRef(TypedDict):
    """What an ``OutgoingEmail`` stores for one attachment."""

    kind: str
    id: int


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


Renderer = Callable[[int], Attachment]


def renderers() -> dict[str, str]:
    """The renderer of each attachment kind, read at call time (never at import)."""
    return dict(getattr(settings, "SEATWISE_EMAIL_ATTACHMENT_RENDERERS", DEFAULT_RENDERERS))


def attachment_refs_clean(refs: Sequence[AttachmentRef]) -> list[AttachmentRef]:
    """Check descriptors before they are stored: a known kind and a positive integer id."""
    known = renderers()
    cleaned: list[AttachmentRef] = []
    for ref in refs:
        kind, ref_id = ref.get("kind"), ref.get("id")
        if kind not in known:
            raise ValueError(f"unknown attachment kind {kind!r}")
        if isinstance(ref_id, bool) or not isinstance(ref_id, int) or ref_id < 1:
            raise ValueError("an attachment id is a positive int")
        cleaned.append({"kind": kind, "id": ref_id})
    return cleaned


def attachment_render(ref: dict[str, Any]) -> Attachment:
    """Render one stored descriptor with the renderer of its kind."""
    renderer = cast(Renderer, import_string(renderers()[str(ref["kind"])]))
    return renderer(int(ref["id"]))
