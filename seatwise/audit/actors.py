from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from seatwise.accounts.models import Person

ActorKind = Literal["person", "operator", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a write: a signed-in person, an operator's API token, or Seatwise itself.

    Every service takes one as ``by`` and records it in the audit entry.
    """

    kind: ActorKind
    label: str
    person_id: int | None = None

    @classmethod
    def for_person(cls, person: Person) -> Actor:
        return cls(kind="person", label=person.email, person_id=person.pk)

    @classmethod
    def operator(cls, label: str) -> Actor:
        return cls(kind="operator", label=label)

    @classmethod
    def system(cls, label: str = "seatwise") -> Actor:
        return cls(kind="system", label=label)
