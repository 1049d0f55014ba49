"""Hypothesis strategies for a lesson's settings, drawn from the same ``Param`` specs the URL and the widgets use.

``settings_of(PARAMS)`` draws a whole setting (every parameter over its full range, on its step grid where it has
one); ``value_of(param)`` draws one. Property tests use them to put each claim a page would make at settings no one
chose (tests/test_claims_*.py).
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from ui.param import Param


def value_of(param: Param) -> st.SearchStrategy:
    """One value ``param`` accepts: on its step grid from ``lo`` when it has a step, with both ends reachable."""
    if param.kind == "float":
        if param.step:
            steps = int(math.floor((param.hi - param.lo) / param.step + 1e-9))
            grid = st.integers(0, steps).map(lambda k: min(param.hi, round(param.lo + k * param.step, 10)))
            return st.one_of(grid, st.sampled_from((param.lo, param.hi)))
        return st.floats(param.lo, param.hi, allow_nan=False, allow_infinity=False)
    if param.kind == "int":
        return st.integers(int(param.lo), int(param.hi))
    if param.kind == "choice":
        return st.sampled_from(param.options)
    if param.kind == "multi":
        return st.lists(st.sampled_from(param.options), min_size=1, unique=True)
    return st.just(param.default)  # free text: a lesson's own strategy says which texts are worth drawing


def settings_of(params, **fixed) -> st.SearchStrategy:
    """A dict ``{name: value}`` for every parameter of ``params``, ``fixed`` ones held at the given values."""
    return st.fixed_dictionaries({p.name: (st.just(fixed[p.name]) if p.name in fixed else value_of(p)) for p in params})
