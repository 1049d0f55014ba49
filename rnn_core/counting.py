"""The linear RNN that counts the ones in a binary sequence (Python Deep Learning, ch. 6).

The model, its cost and backpropagation through time (BPTT), written once::

    S_0 = 0
    S_t = S_{t-1} * W + X_t * U              t = 1..T   (U: input weight, W: recurrent weight)
    y   = S_T
    xi  = sum_n (y*_n - y_n)^2               y*: the target; the book calls xi MSE, but it is a *sum*

    dxi/dS_T     = 2 (y - y*)
    dxi/dS_{k-1} = dxi/dS_k * W              k = T..1  (one factor W per step back: a geometric series)
    dxi/dU       = sum_k sum_n dxi/dS_k * X_k
    dxi/dW       = sum_k sum_n dxi/dS_k * S_{k-1}

The optimum is U = W = 1 (pass every input, forget nothing). Shapes are batch-first: ``X`` is (N, T) and the
states ``S`` are (N, T+1) with ``S[:, 0] = S_0``. The targets y* (the number of ones) are called ``targets``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rnn_core.errors import InputError
from rnn_core.optim import Optimizer, apply_updates
from rnn_core.typed_inputs import MAX_TEXT, check_length


def _draw_book_dataset() -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.RandomState(1)  # local, as the book; never numpy's global RNG
    X = np.array([np.around(rs.rand(10)) for _ in range(50)])
    return X, X.sum(axis=1)


# Drawn once: seeding a RandomState costs 150 µs, and the lessons read this data set a dozen times per run. Kept
# read-only; book_dataset() hands out copies, so a caller may still write to what it gets.
_BOOK = _draw_book_dataset()
for _array in _BOOK:
    _array.setflags(write=False)
del _array


def book_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The book's 50 sequences of 10 bits, drawn exactly as the book draws them (``_draw_book_dataset``).

    Returns:
        X: (50, 10) float64 of 0/1, targets: (50,) the number of ones in each row.
    """
    return _BOOK[0].copy(), _BOOK[1].copy()


def make_dataset(n_samples: int, seq_len: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` random bit sequences of length ``seq_len`` (each bit 1 with probability 1/2).

    Returns:
        X: (n_samples, seq_len) float64, targets: (n_samples,) the row sums.
    """
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(n_samples, seq_len)).astype(np.float64)
    return X, X.sum(axis=1)


class SequenceError(InputError):
    """A typed sequence that is not a list of 0s and 1s (codes below, at :func:`parse_sequence`)."""


def parse_sequence(text: str, max_steps: int, max_chars: int = MAX_TEXT) -> np.ndarray:
    """Read a typed bit sequence: ``"0,0,1"``, ``"0 0 1"`` or ``"001"``, of at most ``max_steps`` bits.

    Returns:
        (T,) float64 of 0/1.
    Raises:
        SequenceError: code ``"empty"``, ``"symbol"`` (with the 1-based position and the token), ``"too_long"``,
        or ``"too_many_chars"`` (text longer than ``max_chars``, ``chars``: the limit; nothing was read).
    """
    check_length(text, max_chars, SequenceError)
    cleaned = text.replace(",", " ").replace(";", " ").split()
    if len(cleaned) == 1 and len(cleaned[0]) > 1:
        cleaned = list(cleaned[0])  # "0010" without separators
    if not cleaned:
        raise SequenceError("empty")
    for i, token in enumerate(cleaned):
        if token not in ("0", "1"):
            raise SequenceError("symbol", i + 1, token[:12])
    if len(cleaned) > max_steps:
        raise SequenceError("too_long", len(cleaned))
    return np.array([float(token) for token in cleaned])


def step(s: np.ndarray, x: np.ndarray, U: float, W: float) -> np.ndarray:
    """One recurrence step ``S_t = S_{t-1} * W + X_t * U``, over the batch. Shapes (N,)."""
    return x * U + s * W


def forward(X: np.ndarray, U: float, W: float) -> np.ndarray:
    """Unroll the recurrence over the sequence.

    Args:
        X: (N, T) inputs.
    Returns:
        S: (N, T+1) states, ``S[:, 0] = 0`` and ``S[:, T]`` the output y. May hold inf when |W| is large.
    """
    N, T = X.shape
    S = np.zeros((N, T + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            S[:, t + 1] = step(S[:, t], X[:, t], U, W)
    return S


def cost(S: np.ndarray, targets: np.ndarray) -> float:
    """Summed squared error ``xi = sum_n (y*_n - y_n)^2`` of the outputs ``y = S[:, -1]`` (y*: ``targets``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sum((targets - S[:, -1]) ** 2))


def bptt(X: np.ndarray, S: np.ndarray, targets: np.ndarray, W: float) -> dict[str, np.ndarray]:
    """Backpropagation through time, keeping every step for display.

    Args:
        X: (N, T) inputs, S: (N, T+1) states from :func:`forward`, targets: (N,).
    Returns:
        ``gS``: (N, T+1), dxi/dS_k for k = 0..T; ``gU``, ``gW``: (T,), the contribution of step k = 1..T
        (summed over the batch) to dxi/dU and dxi/dW. Their sums are the gradients.
    """
    N, T = X.shape
    gS = np.zeros((N, T + 1))
    gU = np.zeros(T)
    gW = np.zeros(T)
    with np.errstate(over="ignore", invalid="ignore"):
        gS[:, T] = 2.0 * (S[:, T] - targets)  # through the squared error
        for k in range(T, 0, -1):
            gU[k - 1] = np.sum(gS[:, k] * X[:, k - 1])  # S_k depends on U through X_k U
            gW[k - 1] = np.sum(gS[:, k] * S[:, k - 1])  # ... and on W through S_{k-1} W
            gS[:, k - 1] = gS[:, k] * W  # into the previous state
    return {"gS": gS, "gU": gU, "gW": gW}


def backward(X: np.ndarray, S: np.ndarray, targets: np.ndarray, W: float) -> tuple[float, float]:
    """Gradients ``(dxi/dU, dxi/dW)`` of the summed squared error, by :func:`bptt`."""
    steps = bptt(X, S, targets, W)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(steps["gU"].sum()), float(steps["gW"].sum())


def cost_surface(X: np.ndarray, targets: np.ndarray, U_values: np.ndarray, W_values: np.ndarray) -> np.ndarray:
    """The cost at every (U, W) of a grid, without simulating the network at each point.

    Closed form: the output is U times a polynomial in W, ``y_n = U p_n(W)`` with
    ``p_n(W) = sum_k X_{n,k} W^(T-k)``, so ``xi(U, W) = C - 2 U A(W) + U^2 B(W)`` where ``C = sum y*^2``,
    ``A = sum_n y*_n p_n(W)`` and ``B = sum_n p_n(W)^2``. One Horner pass per W value replaces a forward
    pass per grid point.

    Args:
        X: (N, T), targets: (N,), U_values: (nU,), W_values: (nW,); any spacing.
    Returns:
        (nW, nU) costs, rows indexed by W and columns by U (inf where it overflows float64).
    """
    U = np.asarray(U_values, dtype=np.float64)
    Wv = np.asarray(W_values, dtype=np.float64)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.zeros((Wv.shape[0], X.shape[0]))  # (nW, N): p_n(W) by Horner's rule, S_t / U
        for t in range(X.shape[1]):
            p = p * Wv + X[None, :, t]
        A = p @ targets  # (nW,)
        B = np.einsum("wn,wn->w", p, p)
        C = float(targets @ targets)
        surface = C - 2.0 * A[:, None] * U[None, :] + B[:, None] * U[None, :] ** 2
    surface[~np.isfinite(surface)] = np.inf  # overflowed: inf - inf would read as nan
    # The expanded form can round a tiny true cost to a tiny negative number.
    return np.maximum(surface, 0.0)


# Why a run stopped; the UI turns each into a sentence.
DIVERGENCE_REASONS = ("state", "cost", "gradient", "hessian", "parameters")


@dataclass(frozen=True)
class Trajectory:
    """A training run, cut at the first non-finite value.

    Attributes:
        params: (k+1, 2) rows (U, W), every one finite. Row 0 is the start.
        costs: (m,) the cost at ``params[j]``; grads: (m, 2) the gradient (dU, dW) there. ``m`` is
            ``len(params)``, or one less when the last row's evaluation overflowed.
        updates: (k, 2) the step taken from row j to row j+1.
        states: the optimizer's state after each update (``len(states) == k``), for display.
        diverged_at: iteration (row index) where a non-finite value first appeared, or None.
        reason: one of ``DIVERGENCE_REASONS`` (what overflowed) or None.
        detail: numbers that explain the divergence: ``U``, ``W`` (the last finite point), ``t`` (the time
            step where the state overflowed), ``cost`` and ``grad_norm`` (the last finite ones).
    """

    params: np.ndarray
    costs: np.ndarray
    grads: np.ndarray
    updates: np.ndarray
    states: tuple = ()
    diverged_at: int | None = None
    reason: str | None = None
    detail: dict = field(default_factory=dict)


def first_overflow(S: np.ndarray, c: float, gU: float, gW: float) -> tuple[str, dict] | None:
    """What overflowed in one evaluation, checked in the order it is computed: the state, the cost, the gradient.

    Args:
        S: (N, T+1) states, c: the cost, gU and gW: the gradient.
    Returns:
        None when everything is finite, else ``(reason, detail)``: ``"state"`` with ``t``, the first time step
        holding a non-finite state; ``"cost"``; or ``"gradient"`` with the (finite) ``cost``.
    """
    # A non-finite state carries on to S_T and so to the cost: a finite cost clears every state.
    if not math.isfinite(c) and not np.isfinite(S).all():
        return "state", {"t": int(np.argmax(~np.all(np.isfinite(S), axis=0)))}
    if not math.isfinite(c):
        return "cost", {}
    if not (math.isfinite(gU) and math.isfinite(gW)):
        return "gradient", {"cost": c}
    return None


def trajectory(
    rows: list, costs: list, grads: list, updates: list, states: list, stopped: tuple[int, str, dict] | None = None
) -> Trajectory:
    """A run's records as a :class:`Trajectory`; ``stopped`` is ``(iteration, reason, detail)`` if it diverged.

    When the evaluation itself overflowed (state, cost or gradient), the detail also gets the last finite
    cost and its gradient norm, those of the iteration before.
    """
    diverged_at, reason, detail = stopped or (None, None, {})
    detail = dict(detail)
    if reason in ("state", "cost", "gradient") and costs:
        detail.update(cost=costs[-1], grad_norm=float(np.hypot(*grads[-1])))
    return Trajectory(
        params=np.array(rows, dtype=np.float64).reshape(-1, 2),
        costs=np.array(costs, dtype=np.float64),
        grads=np.array(grads, dtype=np.float64).reshape(-1, 2),
        updates=np.array(updates, dtype=np.float64).reshape(-1, 2),
        states=tuple(states),
        diverged_at=diverged_at,
        reason=reason,
        detail=detail,
    )


def fit(
    X: np.ndarray,
    targets: np.ndarray,
    start: tuple[float, float],
    optimizer: Optimizer,
    n_iter: int,
) -> Trajectory:
    """Full-batch training of (U, W) from ``start`` for ``n_iter`` updates, stopping at divergence.

    Each iteration: forward, cost, backpropagation through time, the overflow checks, then one optimizer
    update (given the exact Hessian when ``optimizer.needs_hessian``). Overflow does not raise or warn: the run
    stops and the returned :class:`Trajectory` says where and why. X: (N, T), targets: (N,).

    This is the training loop, written to be read; the optimizer race runs it for several optimizers at once
    with a fused evaluation (:func:`rnn_core.race.fit_many`), proven to give the same bits (tests/test_fit_many.py).
    """
    params = {"U": np.float64(start[0]), "W": np.float64(start[1])}
    state = optimizer.init(params)
    rows, costs, grads, updates, states = [], [], [], [], []
    polynomials = hessian_polynomials(X, targets) if optimizer.needs_hessian else None  # the data's part, once
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is reported, not warned
        for i in range(n_iter + 1):
            U, W = float(params["U"]), float(params["W"])
            rows.append((U, W))
            S = forward(X, U, W)
            c = cost(S, targets)
            gU, gW = backward(X, S, targets, W)
            overflow = first_overflow(S, c, gU, gW)
            if overflow:
                reason, detail = overflow
                return trajectory(rows, costs, grads, updates, states, (i, reason, {"U": U, "W": W, **detail}))
            costs.append(c)
            grads.append((gU, gW))
            if i == n_iter:
                break
            at = {"U": U, "W": W, "cost": c, "grad_norm": float(np.hypot(gU, gW))}  # said if the step fails
            extra = {"hessian": hessian_at(polynomials, U, W)} if optimizer.needs_hessian else {}
            if extra and not np.isfinite(extra["hessian"]).all():
                return trajectory(rows, costs, grads, updates, states, (i, "hessian", at))
            gradient = {"U": np.float64(gU), "W": np.float64(gW)}
            step_, state = optimizer.update(gradient, state, params, **extra)
            new = apply_updates(params, step_)  # U <- U + step, W <- W + step
            if not all(math.isfinite(v) for v in new.values()):
                return trajectory(rows, costs, grads, updates, states, (i + 1, "parameters", at))
            updates.append((float(step_["U"]), float(step_["W"])))
            states.append(state)
            params = new
    return trajectory(rows, costs, grads, updates, states)


def hessian(X: np.ndarray, targets: np.ndarray, U: float, W: float) -> np.ndarray:
    """The exact 2x2 Hessian of ``xi = sum_n (y*_n - y_n)^2`` with respect to (U, W), in closed form
    (:func:`hessian_entries` of :func:`hessian_polynomials`).

    Args:
        X: (N, T) inputs, targets: (N,).
    Returns:
        (2, 2) float64, rows and columns in the order (U, W); symmetric. Holds inf or nan when it overflows.
    """
    return hessian_at(hessian_polynomials(X, targets), U, W)


def hessian_at(polynomials: np.ndarray, U: float, W: float) -> np.ndarray:
    """:func:`hessian` from the data's :func:`hessian_polynomials`, which a training run makes once."""
    h_uu, h_uw, h_ww = hessian_entries(polynomials, U, W)
    return np.array([[h_uu, h_uw], [h_uw, h_ww]])


def hessian_polynomials(X: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The six sums over the data set that the Hessian is made of, as polynomials in W: (6, 2T-1), row i the
    coefficients of W^0 .. W^(2T-2) of ``p.p, p.p', p.p'', p'.p', y*.p', y*.p''`` (``.``: the sum over the rows).

    As in :func:`cost_surface`, the output is ``y_n = U p_n(W)`` with ``p_n(W) = sum_k X_{n,k} W^e_k``,
    ``e_k = T - k``, so ``p.p = sum_{j,k} (X^T X)_{jk} W^(e_j + e_k)``, ``p.p' = sum_{j,k} (X^T X)_{jk} e_k
    W^(e_j + e_k - 1)``, ``y*.p' = sum_k (X^T y*)_k e_k W^(e_k - 1)``, and so on: each coefficient adds up
    entries of ``X^T X`` or ``X^T y*`` whose powers of W meet. The data enter only here, once per data set.
    """
    X = np.asarray(X, dtype=np.float64)
    T = X.shape[1]
    size = max(2 * T - 1, 1)
    e = np.arange(T - 1, -1, -1)  # the power of W that multiplies each column of X in p
    e_j, e_k = e[:, None], e[None, :]  # (T, 1) and (1, T): for the entry (j, k) of X^T X
    powers = (e_j + e_k).ravel()
    XX, Xy = X.T @ X, X.T @ np.asarray(targets, dtype=np.float64)

    def sums(weights: np.ndarray, exponents: np.ndarray, drop: int) -> np.ndarray:
        # A term whose derivative took its power below 0 has weight 0 (its e was too small): put it at W^0.
        return np.bincount(np.maximum(exponents - drop, 0), weights.ravel(), minlength=size)

    return np.array(
        [
            sums(XX, powers, 0),  # p.p
            sums(XX * e_k, powers, 1),  # p.p'
            sums(XX * (e_k * (e_k - 1)), powers, 2),  # p.p''
            sums(XX * (e_j * e_k), powers, 2),  # p'.p'
            sums(Xy * e, e, 1),  # y*.p'
            sums(Xy * (e * (e - 1)), e, 2),  # y*.p''
        ]
    )


def hessian_entries(polynomials: np.ndarray, U: float, W: float) -> tuple[float, float, float]:
    """:func:`hessian`'s three distinct entries ``(d2xi/dU2, d2xi/dU dW, d2xi/dW2)`` as Python floats, from the
    data's :func:`hessian_polynomials` (a training run makes them once; Newton's method needs this every update).

    With the residual ``r_n = y_n - y*_n`` and ``'`` meaning d/dW::

        dxi/dU      = 2 sum_n r_n p_n               dxi/dW = 2 sum_n r_n U p_n'
        d2xi/dU2    = 2 sum_n p_n^2                                    = 2 p.p
        d2xi/dU dW  = 2 sum_n p_n' (U p_n + r_n)   (the product rule)  = 2 (2U p.p' - y*.p')
        d2xi/dW2    = 2 sum_n (U^2 p_n'^2 + r_n U p_n'')               = 2 (U^2 p'.p' + U (U p.p'' - y*.p''))

    The six sums are the polynomials evaluated at W: one product with the powers of W, whatever N.
    """
    powers = [1.0]
    for _ in range(polynomials.shape[1] - 1):
        powers.append(powers[-1] * W)  # Python floats: overflow gives inf, no exception (0 * inf: nan below)
    with np.errstate(over="ignore", invalid="ignore"):
        pp, pd, pd2, dd, dy, d2y = polynomials.dot(powers).tolist()
    return 2.0 * pp, 2.0 * (2.0 * U * pd - dy), 2.0 * (U * U * dd + U * (U * pd2 - d2y))
