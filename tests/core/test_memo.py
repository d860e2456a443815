"""core.memo: a lookup remembered within a scope, and only there."""

from __future__ import annotations

from seatwise.core.memo import memo_prime, memo_scope, memoized


def test_a_lookup_runs_once_per_key_in_a_scope_and_every_time_outside_one():
    calls: list[str] = []

    def look(key: str) -> str:
        return memoized(("look", key), lambda: calls.append(key) or key.upper())

    assert [look("a"), look("a")] == ["A", "A"]
    assert calls == ["a", "a"]
    with memo_scope():
        assert [look("a"), look("a"), look("b")] == ["A", "A", "B"]
        with memo_scope():  # a nested scope shares the outer one
            assert look("b") == "B"
    assert calls == ["a", "a", "a", "b"]
    assert look("a") == "A"  # the scope has ended: asked again
    assert calls == ["a", "a", "a", "b", "a"]


def test_primed_answers_are_used_in_their_scope_only():
    memo_prime({("look", "x"): "primed"})  # outside a scope: nothing kept
    assert memoized(("look", "x"), lambda: "asked") == "asked"
    with memo_scope():
        memo_prime({("look", "x"): "primed"})
        assert memoized(("look", "x"), lambda: "asked") == "primed"
