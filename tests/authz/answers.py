"""What the authorization matrices expect of a request: shared by the product's matrix
(test_matrix.py) and the Corporate Billing Portal's (test_corporate_matrix.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    # A redirect's exact target; "{...}" are filled with the world's ids. A matrix's SIGN_IN
    # sentinel: its sign-in with the requested path as ``next``. A compiled pattern: a target
    # that holds a new id.
    location: str | re.Pattern[str] | None = None
    # An allowed write: something must change. Anything else must change nothing.
    writes: bool = False


OK = Answer(200)
FORBIDDEN = Answer(403)
NOT_FOUND = Answer(404)
NOT_ALLOWED = Answer(405)


def to(location: str | re.Pattern[str], *, writes: bool = False) -> Answer:
    return Answer(302, location, writes)


def ok(*, writes: bool = False) -> Answer:
    return Answer(200, None, writes)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    answers: dict[str, Answer]
    data: dict[str, Any] = field(default_factory=dict)


def fill(value: Any, ids: dict[str, object]) -> Any:
    """``value`` with its "{...}" placeholders filled from ``ids`` (lists item by item)."""
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, str):
        return value.format(**ids)
    return value
