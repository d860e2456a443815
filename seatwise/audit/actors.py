from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from seatwise.audit.models import CLIENT_AGENT_MAX
from seatwise.core.clients import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest

    from seatwise.accounts.models import Person

ActorKind = Literal["person", "operator", "system"]


@dataclass(frozen=True, slots=True)
class Client:
    """The client a request came from, as the audit trail records it: its address
    (``core.clients.client_address``, as the sign-in limits count it) and its ``User-Agent``,
    with control characters removed and cut to ``CLIENT_AGENT_MAX`` characters so that no
    header can forge a line of a log or export."""

    address: str | None
    agent: str

    @classmethod
    def of(cls, request: HttpRequest) -> Client:
        # The same client address as the sign-in limits (behind SEATWISE_PROXY_COUNT proxies,
        # the address the outermost one received the request from).
        address = client_address(request)
        agent = "".join(
            ch
            for ch in str(request.META.get("HTTP_USER_AGENT") or "")
            if unicodedata.category(ch)[0] != "C"
        )
        return cls(address=address or None, agent=agent[:CLIENT_AGENT_MAX])


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a write: a signed-in person, an operator's API token, or Seatwise itself,
    and, when a request made the write, the client it came from.

    Every service takes one as ``by`` and records it in the audit entry. An interface builds
    it from the request (``client=Client.of(request)``); jobs and commands have no client.
    """

    kind: ActorKind
    label: str
    person_id: int | None = None
    client: Client | None = None

    @classmethod
    def for_person(cls, person: Person, *, client: Client | None = None) -> Actor:
        return cls(kind="person", label=person.email, person_id=person.pk, client=client)

    @classmethod
    def operator(cls, label: str, *, client: Client | None = None) -> Actor:
        return cls(kind="operator", label=label, client=client)

    @classmethod
    def system(cls, label: str = "seatwise", *, client: Client | None = None) -> Actor:
        return cls(kind="system", label=label, client=client)
