"""Why a vanishing gradient is easy to miss: a tanh RNN asked for the running mean of a noisy signal.

The task. Each sequence has a level ``mu`` uniform in a range of ``levels``; the inputs are
``x_t = mu + noise * eps_t`` and the target at step t is the running mean::

    target_t = (x_1 + ... + x_t) / t          so   d target_T / d x_t = 1/T for every t

The model. A vanilla tanh RNN (:mod:`rnn_core.vanilla`, one input) with random recurrent weights of spectral
radius rho (:func:`rnn_core.spectral.random_recurrent`), ``W_xh ~ N(0, input_scale^2)``, ``b = 0``, and a
linear readout ``y_t = h_t V + c`` fitted by least squares over every step of the training sequences. Only the
readout is fitted: the recurrent weights stay random, and nothing here trains them.

What is measured. The readout's error against the error of always answering the batch mean, and, by
backpropagation through time, ``|d y_T / d x_t|``: the gradient that reaches each input from the last output,
against the 1/T the task gives it. The output can beat the baseline while that gradient has faded to almost
nothing at the early steps: nothing on the screen says so.
"""

from __future__ import annotations

import numpy as np

from rnn_core.spectral import random_recurrent
from rnn_core.vanilla import readout

# The readout's least squares by the normal equations, whose products with the design (N T rows, hidden + 1
# columns) are summed over blocks of this many rows: OpenBLAS multiplies a block of 240 x 33 on one thread (it
# threads a matrix product of m n k > 262144 and a matrix-vector one of m n > 9216), where the whole design (20 000
# rows at T = 200) costs 7x the CPU on two threads, whose spinning after the call slows what follows too; numpy's
# lstsq (an SVD, threaded) costs more still.
GRAM_ROWS = 240
# Beyond this condition number of the design the normal equations' one correction no longer promises lstsq's
# accuracy (the Gram matrix squares it: 1e4 -> 1e8, times 1e-16); the probe's designs stay below 4e3 (the worst of 180
# settings tried: 30 seeds x rho 0.5, 1, 1.5 x T 10, 200).
NORMAL_COND = 1e4


def probe_rnn(rho: float, hidden: int, input_scale: float, rng: np.random.Generator) -> dict:
    """The probe's tanh RNN: ``W_xh`` (1, hidden), ``W_hh`` (hidden, hidden) of spectral radius rho, ``b = 0``."""
    return {
        "W_xh": input_scale * rng.standard_normal((1, hidden)),
        "W_hh": random_recurrent(hidden, "gaussian", rho, rng),
        "b": np.zeros(hidden),
    }


def running_mean_batch(count: int, T: int, noise: float, rng: np.random.Generator, levels: tuple) -> tuple:
    """``count`` noisy sequences and their running means, each around a level uniform in ``levels = (low, high)``.

    Returns:
        X (count, T, 1) the inputs; level (count,) each sequence's mu; target (count, T) the running means.
    """
    level = rng.uniform(*levels, size=(count, 1))
    X = level + noise * rng.standard_normal((count, T))
    target = np.cumsum(X, axis=1) / np.arange(1, T + 1)  # (x_1 + ... + x_t) / t
    return X[:, :, None], level[:, 0], target


def states(X: np.ndarray, params: dict) -> np.ndarray:
    """The probe's tanh RNN unrolled from h_0 = 0: ``H_all`` (N, T, H), the same floats as
    ``vanilla.forward(X, params, "tanh")[0]`` (the same operations in the same order), without the cache of
    pre-activations the full backward pass needs (the sensitivity reads the states alone)."""
    X = np.asarray(X, dtype=np.float64)
    N, T, _ = X.shape
    W_hh, b = params["W_hh"], params["b"]
    inputs = X * params["W_xh"][0]  # (N, T, H): x_t W_xh for every t (one input: the product vanilla's matmul makes)
    H_all = np.empty((N, T, W_hh.shape[0]))
    h = np.zeros((N, W_hh.shape[0]))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            a = h @ W_hh
            a += inputs[:, t]
            a += b  # h_{t-1} W_hh + x_t W_xh + b, added in vanilla.step's order
            h = np.tanh(a, out=a)
            H_all[:, t] = h
    return H_all


def fit_readout(H_all: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares readout ``y_t = h_t V + c`` over every step of every sequence.

    The normal equations ``A^T A coef = A^T y`` (A the design, one row ``[h_t, 1]`` per sequence and step), then
    one correction from the residual computed with A itself (``A^T A d = A^T (y - A coef)``: Bjorck's corrected
    normal equations), which gives lstsq's accuracy while the design's condition number stays below
    :data:`NORMAL_COND`; beyond it (or if the states overflowed) numpy's lstsq itself.

    Args:
        H_all: (N, T, H) the states; target: (N, T).
    Returns:
        V (H, 1), c (1,).
    """
    N, T, hidden = H_all.shape
    design = np.hstack([H_all.reshape(N * T, hidden), np.ones((N * T, 1))])  # one row per (sequence, step)
    y = target.reshape(-1)
    coef = None
    if np.all(np.isfinite(design)):
        starts = range(0, N * T, GRAM_ROWS)
        blocks = [(design[i : i + GRAM_ROWS], y[i : i + GRAM_ROWS]) for i in starts]
        gram = sum(A.T @ A for A, _ in blocks)
        if np.linalg.cond(gram) < NORMAL_COND**2:
            coef = np.linalg.solve(gram, sum(A.T @ b for A, b in blocks))
            coef += np.linalg.solve(gram, sum(A.T @ (b - A @ coef) for A, b in blocks))  # the correction
    if coef is None:
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return coef[:-1, None], coef[-1:]


def input_sensitivity(H_all: np.ndarray, params: dict, V: np.ndarray) -> np.ndarray:
    """``|d y_T / d x_t|`` for t = 1..T, averaged over the batch, by backpropagation through time.

    The reverse sweep of ``vanilla.backward`` from an upstream gradient on h_T alone (``d y_T / d h_T = V^T``),
    carrying only what reaches the inputs: ``da_t = g_t (1 - h_t^2)`` through tanh, ``d y_T / d x_t = da_t
    W_xh^T``, ``g_{t-1} = da_t W_hh^T``; no weight gradients.

    Args:
        H_all: (N, T, H) the states of the probe's tanh RNN; params: its weights; V: (H, 1) the readout.
    Returns:
        (T,).
    """
    N, T, hidden = H_all.shape
    W_xh_T, W_hh_T = params["W_xh"].T, params["W_hh"].T
    g = np.ones((N, 1)) @ V.T  # d y_T / d h_T: only the last output
    dX = np.empty((N, T))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for t in range(T - 1, -1, -1):
            h = H_all[:, t]
            da = g * (1.0 - h**2)  # through tanh: f'(a_t) = 1 - tanh(a_t)^2 = 1 - h_t^2
            dX[:, t] = (da @ W_xh_T)[:, 0]  # into the input
            g = da @ W_hh_T  # into the previous state
    return np.mean(np.abs(dX), axis=0)


def memory_reach(sensitivity: np.ndarray) -> dict:
    """How far back the gradient still carries the weight 1/T the task gives every input.

    Returns:
        dict with ``needed`` (T,) = 1/T; ``log10_fade`` = log10(sensitivity[T] / sensitivity[1]) (inf when step 1
        gets exactly 0); ``share`` = sensitivity[1] T, the part of its due that the first input gets; ``due``:
        how many inputs get at least 1/T; ``reach``: how many of the last inputs it takes to include every one of
        them (0 if none is). ``due == reach`` exactly when those inputs are the last ``reach`` ones, every one of
        them: the sensitivities need not fall monotonically going back, so an input can get less than 1/T
        although an earlier one gets more.
    """
    T = len(sensitivity)
    with np.errstate(divide="ignore"):
        log10_fade = float(np.log10(sensitivity[-1]) - np.log10(sensitivity[0]))
    due = np.flatnonzero(sensitivity >= 1.0 / T)  # the inputs that get at least the weight the task gives them
    share = float(sensitivity[0] * T)
    return {
        "needed": np.full(T, 1.0 / T),
        "log10_fade": log10_fade,
        "share": share,
        "due": len(due),
        "reach": int(T - due[0]) if len(due) else 0,
    }


def running_mean_probe(
    rho: float,
    T: int,
    seed: int,
    *,
    hidden: int,
    n: int,
    levels: tuple,
    noise: float = 1.0,
    input_scale: float = 0.5,
) -> dict:
    """Run the probe: fit the readout on ``n`` sequences of length T, measure its error and the gradient's reach.

    ``hidden`` units, levels uniform in ``levels = (low, high)``, standard normal noise times ``noise``.
    Everything random comes from ``np.random.default_rng(seed)``, drawn in this order: the RNN, the training
    batch, one fresh sequence.

    Returns:
        dict with ``t`` (T,) 1..T; for the fresh sequence (not used by the fit): ``inputs``, ``target``,
        ``output`` (T,) and its ``level``; over the training batch: ``rms_error`` (T,) of the output,
        ``constant_error`` (T,) the error of always answering the batch mean (a baseline), ``finite``: no output
        overflowed or turned into NaN, and ``sensitivity`` (T,) from :func:`input_sensitivity`; and everything
        :func:`memory_reach` returns.
    """
    rng = np.random.default_rng(seed)
    params = probe_rnn(rho, hidden, input_scale, rng)
    X, _, target = running_mean_batch(n, T, noise, rng, levels)
    H_all = states(X, params)
    V, c = fit_readout(H_all, target)
    output = readout(H_all, V, c)[:, :, 0]
    sensitivity = input_sensitivity(H_all, params, V)
    X_new, level_new, target_new = running_mean_batch(1, T, noise, rng, levels)
    H_new = states(X_new, params)
    return {
        "t": np.arange(1, T + 1),
        "inputs": X_new[0, :, 0],
        "level": float(level_new[0]),
        "target": target_new[0],
        "output": readout(H_new, V, c)[0, :, 0],
        "rms_error": np.sqrt(np.mean((output - target) ** 2, axis=0)),
        "constant_error": np.std(target, axis=0),
        "finite": bool(np.all(np.isfinite(output))),
        "sensitivity": sensitivity,
        **memory_reach(sensitivity),
    }
