"""Centred finite differences, the referee for every hand-written gradient (CS231n's gradient check)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[dict[str, np.ndarray]], float], params: dict[str, np.ndarray], eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Estimate ``df/dp`` for every entry of every array in ``params`` by ``(f(p+eps) - f(p-eps)) / 2eps``.

    ``params`` values may be scalars or arrays of any shape; ``f`` must not keep references to them.
    Returns a dict with the same keys and shapes (float64).
    """
    grads = {}
    for name, value in params.items():
        base = np.array(value, dtype=np.float64)
        g = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            f_plus = f({**params, name: plus})
            f_minus = f({**params, name: minus})
            g[idx] = (f_plus - f_minus) / (2 * eps)
        grads[name] = g
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b| / max(|a| + |b|, floor)`` over the entries: 0 when equal, 1 when unrelated.

    The floor (1e-6) keeps two tiny numbers that differ only by rounding from reading as unrelated; it stays
    strict: two gradients of 1e-9 and 2e-9 still give 1e-3.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-6)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0
