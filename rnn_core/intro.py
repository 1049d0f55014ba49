"""The home page's small computations: read a typed sequence of numbers, and show that every state of an RNN
depends on every earlier input.

A nudge ``delta`` added to the first input changes every later state; how much is left of it at step t,
``||h_t(x + delta e_1) - h_t(x)||``, is the forward-pass twin of the gradient that backpropagation sends back
(``dh_t/dx_1``), and it decays or grows with the same products of Jacobians (see :mod:`rnn_core.spectral`).
"""

from __future__ import annotations

import re

import numpy as np

from rnn_core import vanilla
from rnn_core.errors import InputError
from rnn_core.typed_inputs import MAX_TEXT, check_length

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")  # plain decimals only: no eval, no 0x, no _


# A typed sequence that is not a list of numbers raises rnn_core.errors.InputError (codes at parse_numbers).


def parse_numbers(text: str, max_steps: int, limit: float, max_chars: int = MAX_TEXT) -> np.ndarray:
    """Read ``"1, 0, -0.5"`` (commas, semicolons or spaces; the typographic minus − is accepted).

    Args:
        max_steps: how many numbers it may hold; limit: the largest |x| it may hold; max_chars: the longest text
        read at all.
    Returns:
        (T,) float64.
    Raises:
        InputError: code ``"empty"``, ``"number"`` (1-based position and token), ``"too_large"`` (|x| > limit),
        ``"too_long"`` or ``"too_many_chars"`` (``chars``: ``max_chars``; nothing was read).
    """
    check_length(text, max_chars)
    tokens = text.replace("−", "-").replace(",", " ").replace(";", " ").split()
    if not tokens:
        raise InputError("empty")
    if len(tokens) > max_steps:
        raise InputError("too_long", len(tokens))
    values = []
    for i, token in enumerate(tokens):
        if not _NUMBER.match(token):
            raise InputError("number", i + 1, token[:12])
        value = float(token)
        if abs(value) > limit:
            raise InputError("too_large", i + 1, token[:12])
        values.append(value)
    return np.array(values)


def toy_rnn(hidden_size: int, seed: int, scale: float) -> vanilla.Params:
    """A one-input RNN with random weights (``scale`` sets the recurrent weights' typical gain)."""
    return vanilla.init_params(1, hidden_size, np.random.default_rng(seed), scale=scale)


def nudge_first_input(params: vanilla.Params, x: np.ndarray, activation: str, delta: float) -> dict[str, np.ndarray]:
    """Run the RNN on ``x`` and on ``x`` with ``delta`` added to its first input.

    Args:
        x: (T,) one scalar input per step.
    Returns:
        ``states``: (T, H) the states for ``x``; ``nudged``: (T, H) for the nudged input; ``difference``: (T,)
        ``||h_t - h'_t||``, which is how much of step 1 each later state still carries.
    """
    X = np.stack([x, x])[:, :, None].astype(np.float64)  # batch of two: (2, T, 1)
    X[1, 0, 0] += delta
    H, _ = vanilla.forward(X, params, activation=activation)
    with np.errstate(over="ignore", invalid="ignore"):
        difference = np.linalg.norm(H[1] - H[0], axis=1)
    return {"states": H[0], "nudged": H[1], "difference": difference}


def mean_slope(params: vanilla.Params, x: np.ndarray, activation: str) -> float:
    """The activation's average slope ``f'(a_t)`` over the run on ``x`` (every step and unit).

    One step carries a small difference in the state forward as ``dh_t = f'(a_t) * (dh_{t-1} W_hh)``, so a
    small slope (tanh or the logistic function pushed into their flat ends by large weights) damps what the state
    keeps of an earlier input, however large ``W_hh`` is. Non-finite pre-activations (an overflowed run) are
    left out; nan when none is finite.

    Args:
        x: (T,) one scalar input per step.
    """
    _, cache = vanilla.forward(np.asarray(x, dtype=np.float64)[None, :, None], params, activation=activation)
    A = cache["A"][np.isfinite(cache["A"])]
    return float(np.mean(vanilla.ACTIVATIONS[activation].df(A))) if A.size else float("nan")
