"""Sentences chosen by what was computed: a lesson keeps, next to each text key that states an outcome, a named
predicate over the computed values whose meaning is the sentence's literal meaning (a table ``{key: predicate}``),
and :func:`chosen` picks the one that holds. tests/test_claims_*.py check each predicate at random settings against
an independent computation.
"""

from __future__ import annotations

from collections.abc import Callable


def chosen(claims: dict[str, Callable[..., bool]], *values) -> str:
    """The one key of ``claims`` whose predicate holds for ``values`` (the predicates of a table exclude each other
    and cover every case: a table where none or two hold is a bug, and raises)."""
    keys = [key for key, holds in claims.items() if holds(*values)]
    if len(keys) != 1:
        raise ValueError(f"claims {list(claims)}: {keys} hold")
    return keys[0]
