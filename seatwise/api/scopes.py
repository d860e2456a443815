"""What an API token may do: one scope per resource and access, ``<resource>:<read|write>``.

The resources are the routers of ``seatwise.api.v1``. Every operation declares the one scope
it needs (``seatwise.api.auth.requires``); a token holds a set of scopes and is refused with
403 ``scope_missing`` for an operation whose scope it lacks. ``write`` does not imply ``read``:
a token gets exactly the scopes it was created with.
"""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    ACCOUNTS_READ = "accounts:read"
    ACCOUNTS_WRITE = "accounts:write"
    PEOPLE_READ = "people:read"
    PEOPLE_WRITE = "people:write"
    ROLES_READ = "roles:read"
    ROLES_WRITE = "roles:write"
    SUBSCRIPTIONS_READ = "subscriptions:read"
    SUBSCRIPTIONS_WRITE = "subscriptions:write"
    PAYMENT_METHODS_READ = "payment_methods:read"
    PAYMENT_METHODS_WRITE = "payment_methods:write"
    CATALOG_READ = "catalog:read"
    INVOICES_READ = "invoices:read"


ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)


def scopes_parse(values: list[str]) -> list[Scope]:
    """The scopes named by ``values``, sorted and without repeats: a scope's name,
    ``<resource>:*`` (every scope of the resource) or ``*`` (every scope).

    Raises ``ValueError`` naming the first value that names no scope.
    """
    found: set[Scope] = set()
    for value in values:
        value = value.strip()
        if value == "*":
            matched = set(ALL_SCOPES)
        elif value.endswith(":*"):
            resource = value.removesuffix(":*")
            matched = {scope for scope in ALL_SCOPES if scope.split(":")[0] == resource}
        else:
            matched = {scope for scope in ALL_SCOPES if scope.value == value}
        if not matched:
            raise ValueError(value)
        found |= matched
    return sorted(found, key=ALL_SCOPES.index)
