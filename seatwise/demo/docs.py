"""The demo sign-ins as Markdown, for docs/demo.md (a test keeps the two in step)."""

from __future__ import annotations

from seatwise.demo.data import DEMO_SIGN_INS

PORTAL_LABELS = {
    "product": "Billing Center, Admin Center, My Account",
    "corporate": "Corporate Billing Portal",
    "staff": "Support console (vendor staff)",
}
LANGUAGE_NAMES = {"en": "English", "de": "German", "it": "Italian", "es": "Spanish"}


def sign_ins_markdown() -> str:
    """The table of every demo sign-in; each one uses ``DEMO_PASSWORD``."""
    lines = [
        "| sign in at | e-mail or User ID | role | language | account |",
        "|---|---|---|---|---|",
    ]
    for sign_in in DEMO_SIGN_INS:
        lines.append(
            f"| {PORTAL_LABELS[sign_in.portal]} | `{sign_in.login}` | {sign_in.role} "
            f"| {LANGUAGE_NAMES[sign_in.language]} | {sign_in.account or '—'} |"
        )
    return "\n".join(lines) + "\n"
