"""The vanilla (Elman) RNN: one hidden layer fed back into itself, with a linear readout.

Row-vector convention (a state is a row, weights multiply from the right, as in CS231n and min-char-rnn)::

    a_t = h_{t-1} W_hh + x_t W_xh + b        t = 1..T   (h_0 given, zeros by default)
    h_t = f(a_t)                             f in ACTIVATIONS: tanh, relu, logistic, linear
    y_t = h_t V + c                          readout, optional (many-to-many uses every t, many-to-one only T)

    dL/da_t     = (dL/dh_t + dL/da_{t+1} W_hh^T) * f'(a_t)     upstream on h_t, plus what h_{t+1} sends back
    dL/dW_xh    = sum_t x_t^T dL/da_t
    dL/dW_hh    = sum_t h_{t-1}^T dL/da_t
    dL/db       = sum_t sum_n dL/da_t
    dL/dx_t     = dL/da_t W_xh^T
    dL/dh_0     = dL/da_1 W_hh^T

So one step back multiplies the gradient (a row) by ``diag(f'(a_t)) W_hh^T``: that matrix is the Jacobian
``dh_t/dh_{t-1}`` (rows index h_t, columns h_{t-1}); :mod:`rnn_core.spectral` studies its products.

Shapes are batch-first: inputs ``X`` (N, T, D), states (N, T, H), ``W_xh`` (D, H), ``W_hh`` (H, H),
``b`` (H,), ``V`` (H, K), ``c`` (K,). References: Elman (1990); CS231n's ``rnn_forward``/``rnn_backward``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class Activation(NamedTuple):
    """A nonlinearity, its derivative (both of the pre-activation ``a``) and ``gamma = sup |f'|``."""

    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    gamma: float


def _logistic(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + e^-a), without exp overflowing for a << 0


def _d_logistic(a: np.ndarray) -> np.ndarray:
    s = _logistic(a)
    return s * (1.0 - s)


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(np.tanh, lambda a: 1.0 - np.tanh(a) ** 2, 1.0),
    "relu": Activation(lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(np.float64), 1.0),
    "logistic": Activation(_logistic, _d_logistic, 0.25),
    "linear": Activation(lambda a: a.astype(np.float64, copy=True), np.ones_like, 1.0),
}


def init_params(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float = 1.0) -> Params:
    """Gaussian weights with variance ``scale^2 / fan_in`` and a zero bias.

    With this variance the spectral radius of ``W_hh`` is close to ``scale`` for large ``hidden_size`` (the
    circular law), so ``scale`` is the knob between vanishing (< 1) and exploding (> 1) gradients.

    Returns:
        ``{"W_xh": (D, H), "W_hh": (H, H), "b": (H,)}``, float64.
    """
    return {
        "W_xh": rng.standard_normal((input_size, hidden_size)) * (scale / np.sqrt(input_size)),
        "W_hh": rng.standard_normal((hidden_size, hidden_size)) * (scale / np.sqrt(hidden_size)),
        "b": np.zeros(hidden_size),
    }


def step(h_prev: np.ndarray, x: np.ndarray, params: Params, activation: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """One step ``h_t = f(h_{t-1} W_hh + x_t W_xh + b)`` over the batch.

    Args:
        h_prev: (N, H), x: (N, D).
    Returns:
        ``(h, a)``: the new state and its pre-activation, both (N, H).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        a = h_prev @ params["W_hh"] + x @ params["W_xh"] + params["b"]
        return ACTIVATIONS[activation].f(a), a


def forward(
    X: np.ndarray, params: Params, activation: str = "tanh", h0: np.ndarray | None = None
) -> tuple[np.ndarray, dict]:
    """Unroll the RNN over the sequence.

    Args:
        X: (N, T, D) inputs; params: see :func:`init_params`; activation: a key of ``ACTIVATIONS``;
        h0: (N, H) initial state, zeros when None.
    Returns:
        ``(H_all, cache)``: ``H_all`` (N, T, H) holds h_1..h_T. ``cache`` holds what :func:`backward` needs
        (``X``, ``params``, ``activation``, ``h0``, pre-activations ``A`` (N, T, H), ``H_all``) and
        ``nonfinite_at``: the first time index (0-based, into ``H_all``) whose state overflowed, or None.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
    X = np.asarray(X, dtype=np.float64)
    N, T, _ = X.shape
    hidden = params["W_hh"].shape[0]
    h = np.zeros((N, hidden)) if h0 is None else np.asarray(h0, dtype=np.float64)
    h_start = h
    H_all = np.zeros((N, T, hidden))
    A = np.zeros((N, T, hidden))
    for t in range(T):
        h, A[:, t] = step(h, X[:, t], params, activation)
        H_all[:, t] = h
    finite_steps = np.isfinite(H_all).all(axis=(0, 2))
    nonfinite_at = None if finite_steps.all() else int(np.argmin(finite_steps))
    cache = {
        "X": X,
        "params": params,
        "activation": activation,
        "h0": h_start,
        "A": A,
        "H_all": H_all,
        "nonfinite_at": nonfinite_at,
    }
    return H_all, cache


def backward(dH: np.ndarray, cache: dict) -> Params:
    """Backpropagation through time from an upstream gradient on every hidden state.

    Args:
        dH: (N, T, H) the loss gradient with respect to each h_t coming from above (e.g. a readout);
            zeros except ``dH[:, -1]`` for a many-to-one model.
        cache: from :func:`forward`.
    Returns:
        Gradients ``{"W_xh": (D, H), "W_hh": (H, H), "b": (H,), "X": (N, T, D), "h0": (N, H)}``. They hold
        inf/nan when the forward pass or the gradient overflowed (no warning is raised): check np.isfinite.
    """
    X, params, act = cache["X"], cache["params"], ACTIVATIONS[cache["activation"]]
    A, H_all, h0 = cache["A"], cache["H_all"], cache["h0"]
    N, T, _ = X.shape
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    dX = np.zeros_like(X)
    dh_next = np.zeros_like(h0)  # dL/dh_t arriving from step t+1
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for t in range(T - 1, -1, -1):
            h_prev = H_all[:, t - 1] if t > 0 else h0
            da = (dH[:, t] + dh_next) * act.df(A[:, t])  # through f
            grads["W_xh"] += X[:, t].T @ da  # a_t depends on W_xh through x_t W_xh
            grads["W_hh"] += h_prev.T @ da  # ... on W_hh through h_{t-1} W_hh
            grads["b"] += da.sum(axis=0)
            dX[:, t] = da @ params["W_xh"].T  # into the input
            dh_next = da @ params["W_hh"].T  # into the previous state
    grads["X"] = dX
    grads["h0"] = dh_next
    return grads


def readout(H: np.ndarray, V: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Linear output layer ``y = h V + c`` on every state given.

    Args:
        H: (N, T, H) for many-to-many or (N, H) for many-to-one (pass ``H_all[:, -1]``); V: (H, K); c: (K,).
    Returns:
        (N, T, K) or (N, K).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return H @ V + c


def readout_backward(dY: np.ndarray, H: np.ndarray, V: np.ndarray) -> Params:
    """Gradients of :func:`readout` from the upstream ``dY`` (same leading shape as ``H``).

    Returns:
        ``{"V": (H, K), "c": (K,), "H": like H}``; the ``"H"`` entry is the ``dH`` for :func:`backward`
        (for many-to-one, place it at ``dH[:, -1]``).
    """
    hidden, outputs = V.shape
    with np.errstate(over="ignore", invalid="ignore"):
        flat_H = H.reshape(-1, hidden)  # (N, T, H) -> (N*T, H): every time step is one more row
        flat_dY = dY.reshape(-1, outputs)
        return {"V": flat_H.T @ flat_dY, "c": flat_dY.sum(axis=0), "H": dY @ V.T}
