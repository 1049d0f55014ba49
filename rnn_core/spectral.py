"""How the recurrent matrix decides whether gradients vanish or explode (Pascanu, Mikolov & Bengio 2013).

Backpropagating through m steps of ``h_t = f(a_t)``, ``a_t = h_{t-1} W + x_t W_xh + b``
(:mod:`rnn_core.vanilla`, ``W = W_hh``, row vectors) multiplies by one Jacobian per step::

    J_t           = dh_t/dh_{t-1} = diag(f'(a_t)) W^T     (H, H): rows index h_t, columns h_{t-1}
    dh_T/dh_{T-m} = J_T J_{T-1} ... J_{T-m+1}             m = 0..M (the identity for m = 0)
    ||J_t||      <= gamma lambda1                         gamma = sup |f'|, lambda1 = ||W||_2
    linear f:       dh_T/dh_{T-m} = (W^T)^m,  ||W^m||^(1/m) -> rho(W) = max |eigenvalue|  (Gelfand)

Why ``W^T`` and ``diag`` on the left: ``(h_t)_j = f(sum_i (h_{t-1})_i W_ij + ...)``, so
``d(h_t)_j / d(h_{t-1})_i = f'(a_t)_j W_ij``, the (j, i) entry of ``diag(f'(a_t)) W^T``. A row gradient
``g_t = dL/dh_t`` goes back as ``g_{t-1} = g_t J_t = (g_t * f'(a_t)) W^T``, which is the step in
``vanilla.backward``. The 2-norm does not see the transpose, but it does see on which side the diagonal sits.

The paper's conditions (its section 2.1; the paper is listed in ``docs/SOURCES.md``):

- linear: ``rho < 1`` is sufficient for long-term gradient components to vanish, ``rho > 1`` necessary for
  them to explode;
- ``|f'| <= gamma``: ``lambda1 < 1/gamma`` is sufficient for vanishing, ``lambda1 > 1/gamma`` necessary for
  exploding. ``gamma`` is 1 for tanh, relu and linear, 1/4 for the logistic sigmoid.

``rho <= lambda1`` always; when ``rho < 1 < lambda1`` (a non-normal W) the norm can grow for a while before it
decays (:func:`non_normal_example`).

Vanishing is the quiet failure: :mod:`rnn_core.memory_probe` shows a tanh RNN whose readout beats a constant
baseline while the gradient that reaches its early steps is almost zero. The typed matrix is read by
:mod:`rnn_core.matrix_input`.
"""

from __future__ import annotations

import numpy as np

from rnn_core import counting
from rnn_core.vanilla import ACTIVATIONS, forward

KINDS = ("gaussian", "orthogonal")  # the random recurrent matrices random_recurrent draws


def spectral_radius(W: np.ndarray) -> float:
    """``rho(W) = max |eigenvalue|`` of a square matrix (nan if W holds inf or nan)."""
    W = np.asarray(W, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        return float("nan")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W: np.ndarray) -> float:
    """``lambda1 = ||W||_2``, the largest stretch W applies to any vector (nan if W holds inf or nan)."""
    W = np.asarray(W, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        return float("nan")
    return float(np.linalg.norm(W, 2))


def random_recurrent(size: int, kind: str, rho: float, rng: np.random.Generator) -> np.ndarray:
    """A random (size, size) recurrent matrix with spectral radius ``rho``.

    ``"gaussian"``: i.i.d. normal entries rescaled so that max |eigenvalue| = rho (its singular values spread
    above rho: lambda1 is about 2 rho for large sizes). ``"orthogonal"``: a Haar-random orthogonal matrix
    times rho, so every |eigenvalue| and every singular value equals rho and ``||W^m|| = rho^m`` exactly.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    G = rng.standard_normal((size, size))
    if kind == "gaussian":
        return G * (rho / spectral_radius(G))
    Q, R = np.linalg.qr(G)
    Q = Q * np.sign(np.diag(R))  # fix the QR signs so Q is uniformly (Haar) distributed
    return rho * Q


def non_normal_example(rho: float, a: float) -> np.ndarray:
    """``[[rho, a], [0, rho]]``: both eigenvalues are rho, yet the norm of its powers first grows.

    ``W^m = [[rho^m, m a rho^(m-1)], [0, rho^m]]``: with rho < 1 the off-diagonal ``m a rho^(m-1)`` rises
    while m wins, peaks near ``m = -1/ln(rho)`` and then decays geometrically. It grows at the first step
    whenever ``a > sqrt(1 - rho^2)`` (then lambda1 > 1); a = 4 with rho = 0.9 peaks near m = 9.
    """
    return np.array([[rho, a], [0.0, rho]], dtype=np.float64)


def first_index(mask: np.ndarray) -> int | None:
    """Index of the first True in a 1-D mask, or None."""
    return int(np.argmax(mask)) if mask.any() else None


def step_jacobian(a: np.ndarray, W: np.ndarray, activation: str = "linear") -> np.ndarray:
    """``J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W^T`` for one state: ``J[j, i] = d(h_t)_j / d(h_{t-1})_i``.

    Args:
        a: (H,) the pre-activation a_t; W: (H, H) the recurrent matrix.
    Returns:
        (H, H).
    """
    return ACTIVATIONS[activation].df(np.asarray(a, dtype=np.float64))[:, None] * W.T


def chain_log10_norms(W: np.ndarray, fprime: np.ndarray) -> np.ndarray:
    """``log10 ||J_T ... J_{T-m+1}||_2`` for m = 0..M, with ``J_t = diag(fprime[t-1]) W^T`` and ``T = M``.

    The product is kept rescaled to unit Frobenius norm and the scale is accumulated as a logarithm, so the
    result is exact to rounding far beyond float64's range; an exactly zero product gives -inf from there on.

    Args:
        W: (H, H); fprime: (M, H), row t-1 holding f'(a_t).
    Returns:
        (M+1,) float64.
    """
    M, hidden = fprime.shape
    directions = np.zeros((M + 1, hidden, hidden))  # the products, each divided by its Frobenius norm
    log10_scale = np.zeros(M + 1)
    directions[0] = np.eye(hidden)  # m = 0: the identity, kept as is so its norm is exactly 1
    product = directions[0]
    for m in range(1, M + 1):
        product = product @ (fprime[M - m][:, None] * W.T)  # append J_{T-m+1} = diag(f') W^T on the right
        scale = np.linalg.norm(product)
        if scale == 0.0 or not np.isfinite(scale):  # exactly zero (dead relu, nilpotent W) or invalid
            log10_scale[m:] = -np.inf if scale == 0.0 else np.nan
            break
        product = product / scale
        directions[m] = product
        log10_scale[m] = log10_scale[m - 1] + np.log10(scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        return log10_scale + np.log10(np.linalg.norm(directions, ord=2, axis=(1, 2)))


def as_float64(log10_values: np.ndarray) -> np.ndarray:
    """``10**x`` as float64 would hold it: inf above ~1.8e308, 0 below ~5e-324, nan stays nan."""
    with np.errstate(over="ignore", under="ignore"):
        return np.power(10.0, log10_values)


def driven_trajectory(
    W: np.ndarray,
    M: int,
    activation: str,
    rng: np.random.Generator,
    input_scale: float = 1.0,
    h0: np.ndarray | None = None,
) -> dict:
    """Run ``h_t = f(h_{t-1} W + x_t)`` for t = 1..M from ``h0`` (zeros) with inputs ``x_t ~ N(0, input_scale^2 I)``
    (``W_xh = I``, ``b = 0``): the states along which the Jacobians of a nonlinear network are taken.

    Returns:
        dict with ``states`` (M+1, H) h_0..h_M; ``inputs`` (M, H); ``fprime`` (M, H), row t-1 holding f'(a_t);
        ``state_nonfinite_at``: the first t whose pre-activation overflowed (relu with a large W), or None;
        ``last_nonfinite``: the last such t, or None.
    """
    hidden = W.shape[0]
    inputs = input_scale * rng.standard_normal((M, hidden))
    params = {"W_xh": np.eye(hidden), "W_hh": W, "b": np.zeros(hidden)}
    start = np.zeros((1, hidden)) if h0 is None else np.asarray(h0, dtype=np.float64).reshape(1, hidden)
    H_all, cache = forward(inputs[None], params, activation, start)
    pre_activations = cache["A"][0]  # (M, H): a_1..a_M
    broken = np.flatnonzero(~np.isfinite(pre_activations).all(axis=1)) + 1  # the steps t that overflowed
    with np.errstate(invalid="ignore"):
        fprime = ACTIVATIONS[activation].df(pre_activations)
    return {
        "states": np.vstack([start, H_all[0]]),
        "inputs": inputs,
        "fprime": fprime,
        "state_nonfinite_at": int(broken[0]) if len(broken) else None,
        "last_nonfinite": int(broken[-1]) if len(broken) else None,
    }


def reference_rates(W: np.ndarray, M: int, activation: str = "linear") -> dict:
    """What the theory predicts for m = 0..M: ``predicted`` = rho^m (the linear rate) with ``log10_predicted``,
    and ``log10_bound`` = m log10(gamma lambda1), Pascanu's upper bound; with ``rho``, ``lambda1``, ``gamma``."""
    rho, lambda1, gamma = spectral_radius(W), largest_singular_value(W), ACTIVATIONS[activation].gamma
    m = np.arange(M + 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log10_predicted = np.where(m == 0, 0.0, m * np.log10(rho))
        log10_bound = np.where(m == 0, 0.0, m * np.log10(gamma * lambda1))
        predicted = np.power(rho, m.astype(np.float64))
    return {
        "predicted": predicted,
        "log10_predicted": log10_predicted,
        "log10_bound": log10_bound,
        "rho": rho,
        "lambda1": lambda1,
        "gamma": gamma,
    }


def jacobian_norms(
    W: np.ndarray,
    M: int,
    activation: str = "linear",
    rng: np.random.Generator | None = None,
    input_scale: float = 1.0,
    h0: np.ndarray | None = None,
) -> dict:
    """``||dh_T/dh_{T-m}||_2`` for m = 0..M: how much a gradient is scaled after travelling m steps back.

    For ``"linear"`` this is ``||W^m||`` and needs no trajectory. For a nonlinearity the Jacobians depend on
    the states: they are taken along :func:`driven_trajectory` (T = M steps, ``rng`` required).

    Args:
        W: (H, H) recurrent matrix; M: the largest number of steps back; activation: a key of
        ``vanilla.ACTIVATIONS``; rng, input_scale, h0: see :func:`driven_trajectory`.
    Returns:
        dict with ``m`` (M+1,); ``norm`` (M+1,) as float64 holds it (inf where it overflowed, 0 where it
        underflowed, nan where the trajectory itself overflowed); ``log10_norm`` (M+1,), finite past float64's
        range; ``overflow_at`` / ``underflow_at``: first m whose norm is inf / 0, or None; everything
        :func:`reference_rates` returns; ``states``, ``inputs`` and ``state_nonfinite_at`` of the trajectory
        (None for linear).
    """
    W = np.asarray(W, dtype=np.float64)
    trajectory = {"states": None, "inputs": None, "state_nonfinite_at": None, "last_nonfinite": None}
    if activation == "linear":
        fprime = np.ones((M, W.shape[0]))
    elif rng is None:
        raise ValueError("a nonlinear activation needs rng to drive its trajectory")
    else:
        trajectory = driven_trajectory(W, M, activation, rng, input_scale, h0)
        fprime = trajectory["fprime"]
    log10_norm = chain_log10_norms(W, fprime)
    if trajectory["last_nonfinite"] is not None:
        # the product for m uses J_M..J_{M-m+1}: from the first m that reaches a broken step it means nothing
        log10_norm[M - trajectory["last_nonfinite"] + 1 :] = np.nan
    norm = as_float64(log10_norm)
    return {
        "m": np.arange(M + 1),
        "norm": norm,
        "log10_norm": log10_norm,
        "overflow_at": first_index(np.isposinf(norm)),
        "underflow_at": first_index(norm == 0.0),
        **reference_rates(W, M, activation),
        "states": trajectory["states"],
        "inputs": trajectory["inputs"],
        "state_nonfinite_at": trajectory["state_nonfinite_at"],
    }


def pascanu_conditions(W: np.ndarray, activation: str = "linear") -> dict:
    """Which of Pascanu et al.'s conditions W satisfies.

    The linear case is judged by rho against 1, a nonlinear one by lambda1 against 1/gamma.

    Returns:
        dict with ``rho``, ``lambda1``, ``gamma``; ``quantity`` (``"rho"`` or ``"lambda1"``), its
        ``value`` and the ``threshold`` it is compared with; ``regime``: ``"vanishing_guaranteed"`` (value <
        threshold, a sufficient condition: long-term components vanish), ``"may_explode"`` (value >
        threshold, the necessary condition for exploding holds; linear: the norm grows at least like rho^m) or
        ``"boundary"`` (equal to 1e-12); ``transient_growth``: True when the regime is vanishing but one step
        can still stretch a vector (lambda1 gamma > 1), so the norm may rise before it decays; ``step_bound``
        = gamma lambda1, the most one step can stretch the gradient.
    """
    rho, lambda1 = spectral_radius(W), largest_singular_value(W)
    gamma = ACTIVATIONS[activation].gamma
    quantity, value = ("rho", rho) if activation == "linear" else ("lambda1", lambda1)
    threshold = 1.0 / gamma
    if abs(value - threshold) <= 1e-12 * threshold:
        regime = "boundary"
    else:
        regime = "vanishing_guaranteed" if value < threshold else "may_explode"
    return {
        "rho": rho,
        "lambda1": lambda1,
        "gamma": gamma,
        "quantity": quantity,
        "value": value,
        "threshold": threshold,
        "regime": regime,
        "transient_growth": regime == "vanishing_guaranteed" and gamma * lambda1 > 1.0,
        "step_bound": gamma * lambda1,
    }


def scalar_series(w: float, M: int) -> dict:
    """The one-unit case: a gradient sent back m steps through a weight w is multiplied by w^m.

    Returns:
        dict with ``m`` (M+1,); ``magnitude`` |w|^m in float64 (inf once it overflows, 0 once it underflows);
        ``sign`` of w^m (+1, -1 or 0; it alternates for w < 0); ``value`` = w^m = sign * magnitude;
        ``log10_magnitude`` (finite past the range,
        -inf for w = 0); ``overflow_at`` / ``underflow_at``: first m where the magnitude is inf / 0, or None.
    """
    m = np.arange(M + 1)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        magnitude = np.power(abs(float(w)), m.astype(np.float64))  # 0^0 = 1
        log10_magnitude = np.where(m == 0, 0.0, m * np.log10(abs(float(w))))
    sign = np.where(m % 2 == 0, 1.0, np.sign(w)) if w != 0 else np.where(m == 0, 1.0, 0.0)
    return {
        "m": m,
        "magnitude": magnitude,
        "sign": sign,
        "value": sign * magnitude,
        "log10_magnitude": log10_magnitude,
        "overflow_at": first_index(np.isposinf(magnitude)),
        "underflow_at": first_index(magnitude == 0.0),
    }


def counting_gradient_flow(X: np.ndarray, targets: np.ndarray, U: float, W: float) -> dict:
    """``dxi/dS_k`` of the counting RNN summed over the batch, k = 0..T, by :func:`rnn_core.counting.bptt`.

    Each step back multiplies by W, so the curve is ``W^(T-k)`` times the output gradient: x2 a step for
    W = 2, alternating for W = -2, constant for W = 1, zero after one step for W = 0.

    Args:
        X: (N, T) inputs; targets: (N,).
    Returns:
        dict with ``k`` (T+1,) 0..T; ``gradient`` (T+1,); ``nonfinite_at``: the largest k (the first one
        reached going back) whose gradient overflowed, or None.
    """
    S = counting.forward(X, U, W)
    gS = counting.bptt(X, S, targets, W)["gS"]
    with np.errstate(over="ignore", invalid="ignore"):
        gradient = gS.sum(axis=0)
    bad = ~np.isfinite(gradient)
    return {
        "k": np.arange(X.shape[1] + 1),
        "gradient": gradient,
        "nonfinite_at": int(np.max(np.nonzero(bad))) if bad.any() else None,
    }


def eigenvalues(W: np.ndarray) -> np.ndarray:
    """The eigenvalues of a square matrix, largest modulus first (complex, nan if W holds inf or nan)."""
    W = np.asarray(W, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        return np.full(W.shape[0], np.nan + 0j)
    values = np.linalg.eigvals(W).astype(np.complex128)
    return values[np.argsort(-np.abs(values), kind="stable")]


def scalar_regime(w: float) -> dict:
    """What multiplying a gradient by the same weight w at every step back does to it.

    Returns:
        dict with ``regime``: ``"zero"`` (w = 0: nothing gets past the first step back), ``"vanishing"``
        (|w| < 1), ``"steady"`` (|w| = 1) or ``"exploding"`` (|w| > 1); ``alternates``: True for w < 0 (the
        sign flips at every step); ``steps_per_decade``: the number of steps that change the magnitude
        ten-fold, ``1 / |log10 |w||`` (inf for |w| = 1, 0 for w = 0).
    """
    magnitude = abs(float(w))
    if magnitude == 0.0:
        regime, steps = "zero", 0.0
    elif magnitude == 1.0:
        regime, steps = "steady", float("inf")
    else:
        regime = "vanishing" if magnitude < 1.0 else "exploding"
        steps = 1.0 / abs(float(np.log10(magnitude)))
    return {"regime": regime, "alternates": bool(w < 0), "steps_per_decade": steps}


def norm_summary(log10_norm: np.ndarray) -> dict:
    """The shape of a gradient-norm curve given as ``log10 ||.||`` for m = 0..M (from :func:`jacobian_norms`).

    Returns:
        dict with ``peak_m`` (the m of the largest norm, nan values ignored), ``log10_peak``, ``log10_final``
        (at m = M) and ``rate``: the average factor per step over the whole range, ``10^(log10_final / M)``
        (0 when the norm reached exactly 0, nan when M = 0 or the last value is nan).
    """
    log10_norm = np.asarray(log10_norm, dtype=np.float64)
    M = len(log10_norm) - 1
    peak_m = int(np.nanargmax(log10_norm))
    final = float(log10_norm[-1])
    if M == 0 or np.isnan(final):
        rate = float("nan")
    else:
        with np.errstate(under="ignore"):
            rate = float(np.power(10.0, final / M))  # 10^-inf = 0
    return {"peak_m": peak_m, "log10_peak": float(log10_norm[peak_m]), "log10_final": final, "rate": rate}
