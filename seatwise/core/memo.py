"""Lookups remembered for the length of one unit of work: a bill run's batch.

A batch of a thousand invoices asks a thousand times for the same plan's price, the same
country's VAT rate, the same plan's name; each is one query. Inside ``memo_scope()`` a lookup
wrapped in ``memoized(key, compute)`` runs once per key and the scope remembers its answer;
outside a scope it runs every time, as before. A batch can also ``memo_prime`` the answers it
read set-based (one query for the billing contacts of all its accounts) so that the per-row
code that asks for one of them finds it.

The scope is a context variable: it ends with the ``with`` block, is never shared between
threads or requests, and so never serves an answer older than the batch that read it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_scope: ContextVar[dict[Hashable, Any] | None] = ContextVar("seatwise_memo", default=None)


@contextmanager
def memo_scope() -> Iterator[None]:
    """Remember ``memoized`` lookups until the block ends (nested scopes share the outer one)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def memoized[T](key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``key`` inside a scope; every time outside one."""
    memo = _scope.get()
    if memo is None:
        return compute()
    try:
        return memo[key]  # type: ignore[no-any-return]
    except KeyError:
        value = memo[key] = compute()
        return value


def memo_prime(answers: dict[Hashable, Any]) -> None:
    """Store answers read set-based for the ``memoized`` calls that will ask for them (nothing
    outside a scope)."""
    memo = _scope.get()
    if memo is not None:
        memo.update(answers)
