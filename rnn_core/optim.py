"""Optimizers as ``init``/``update`` pairs over a params dict (optax's shape, numpy's arithmetic).

An :class:`Optimizer` is two pure functions::

    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = apply_updates(params, updates)       # w <- w + update

``params``, ``grads`` and ``updates`` are ``dict[str, np.ndarray]`` with the same keys (the names in the
model's equations, e.g. ``{"U": ..., "W": ...}``). A state is a small dict of arrays (or ``()`` when there is
none), so a training loop can record it for display. Transforms such as clipping are optimizers too and
compose with :func:`chain`.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class Optimizer(NamedTuple):
    """A pair of pure functions; see the module docstring for the calling convention."""

    init: Callable[[Params], Any]
    update: Callable[..., tuple[Params, Any]]


def apply_updates(params: Params, updates: Params) -> Params:
    """Return ``params + updates`` key by key (a new dict; inputs are not modified)."""
    return {k: params[k] + updates[k] for k in params}


def chain(*transforms: Optimizer) -> Optimizer:
    """Run transforms in order, each one receiving the previous one's output as its gradient.

    ``chain(clip_by_global_norm(1.0), sgd(0.01))`` clips, then takes the descent step. The state is the
    tuple of the transforms' states, in order.
    """

    def init(params: Params) -> tuple:
        return tuple(t.init(params) for t in transforms)

    def update(grads: Params, state: tuple, params: Params | None = None, **extra) -> tuple[Params, tuple]:
        new_states = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params, **extra)
            new_states.append(s)
        return grads, tuple(new_states)

    return Optimizer(init, update)


def sgd(lr: float) -> Optimizer:
    """Plain gradient descent: ``w <- w - lr * g``. No state."""

    def init(params: Params) -> tuple:
        return ()

    def update(grads: Params, state: tuple, params: Params | None = None, **extra) -> tuple[Params, tuple]:
        return {k: -lr * g for k, g in grads.items()}, state

    return Optimizer(init, update)
