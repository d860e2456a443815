"""The demo sign-ins as Markdown, for docs/demo.md (a test keeps the two in step)."""

from __future__ import annotations

from seatwise.demo.data import DEMO_ACCOUNTS, DEMO_CASES, DEMO_SIGN_INS

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


def cases_markdown() -> str:
    """The table of the support console's demo cases: who asks, what they will say about the
    card on file, and what the verification answers."""
    accounts = {account.key: account.name for account in DEMO_ACCOUNTS}
    lines = [
        "| situation | account | requester | new billing contact | the requester says "
        "(last four, expiry, holder) | Seatwise answers |",
        "|---|---|---|---|---|---|",
    ]
    for case in DEMO_CASES:
        requester = (
            f"`{case.requester_email}`, signed in"
            if case.signed_in
            else f"{case.requester_name} (`{case.requester_email}`), visitor"
        )
        month, years = case.says.expiry
        expiry = f"{month:02d}/(this year {'+' if years >= 0 else '−'} {abs(years)})"
        first, last, email = case.new_contact
        lines.append(
            f"| {case.situation} | {accounts[case.account]} | {requester} "
            f"| {first} {last} (`{email}`) | {case.says.last4}, {expiry}, "
            f"{case.says.holder_name} | {REASON_LABELS[case.expected]} |"
        )
    return "\n".join(lines) + "\n"


# How the console words each outcome (seatwise.support.verification.MESSAGES, shortened).
REASON_LABELS = {
    "passed": "Matches",
    "not_holder_or_admin": "Does not match: neither card holder nor account admin",
    "card_mismatch": "Does not match: card details",
    "no_card": "Does not match: no card on file",
    "card_expired": "Does not match: the card has expired",
    "locked": "Verification locked (24 hours)",
}
