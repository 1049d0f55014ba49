"""Pascanu, Mikolov & Bengio's (2013) cliff: one recurrent unit whose error surface has a wall.

The model, its error and the exact gradient by forward-mode differentiation, written once::

    x_0 = 0.5
    x_t = w sigma(x_{t-1}) + b                     t = 1..T (T = 50), sigma the logistic sigmoid
    E   = (sigma(x_T) - 0.7)^2

    dx_t/dw = sigma(x_{t-1}) + w sigma'(x_{t-1}) dx_{t-1}/dw        dx_0/dw = 0
    dx_t/db = 1              + w sigma'(x_{t-1}) dx_{t-1}/db        dx_0/db = 0
    dE/dw   = 2 (sigma(x_T) - 0.7) sigma'(x_T) dx_T/dw             (the same for b)

Forward mode rather than BPTT: with two parameters it carries two tangents along with the state, stores no
history, and vectorises over a whole (w, b) grid in one pass.

Where the wall is. For w > 4 and b inside a band (:func:`bistable_band`) the map ``x -> w sigma(x) + b`` has
two stable fixed points (a low one, sigma(x) small, and a high one, sigma(x) large) separated by an unstable
one; outside the band, and for any b when w <= 4, it has one.
The wall is the set of (w, b) where the start x_0 = 0.5 sits exactly on that unstable fixed point,
``b = 0.5 - w sigma(0.5)`` (b = -5.7 at w = 10); crossing it switches which state x_50 settles in, so E jumps
by about 0.4. Its width in b shrinks like ``lambda^-T``, ``lambda = w sigma'(x*)`` the slope at the unstable
point (about 1e-8 at w = 6), so the gradient on the wall is enormous while a grid point beside it sees an
almost flat plateau. The wall starts at the cusp (w, b) = (4, -2), where ``w sigma'(0) = 1``; for w < 4 the
map has one fixed point and E only has a smooth valley where sigma(x_50) = 0.7. A view of
``[0, 10] x [-6, 0]`` shows the valley, the cusp and the wall from w = 4 to w = 10.
"""

from __future__ import annotations

import decimal
import math

import numpy as np

# The model, as in the equations above: the start x_0, the target of sigma(x_T), and T, the steps it runs.
X0 = 0.5
TARGET = 0.7
HORIZON = 50
W_CUSP = 1.0 / (0.5 * (1.0 - 0.5))  # w sigma'(0) = 1 with sigma'(0) = sigma(0)(1 - sigma(0)) = 1/4: w = 4


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic sigmoid ``1 / (1 + e^-x)``."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without exp overflowing


def run_unit(w: np.ndarray, b: np.ndarray, T: int) -> tuple[np.ndarray, ...]:
    """Iterate the unit T steps from x_0 with its two tangents (forward mode, the module's equations).

    Returns:
        ``(x_T, dx_T/dw, dx_T/db)``, each broadcast over w and b.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    x = np.full(w.shape, X0)
    dx_dw = np.zeros(w.shape)
    dx_db = np.zeros(w.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(T):
            s = sigmoid(x)
            gain = w * s * (1.0 - s)  # w sigma'(x_{t-1}): the factor each step applies to a tangent
            dx_dw = s + gain * dx_dw
            dx_db = 1.0 + gain * dx_db
            x = w * s + b
    return x, dx_dw, dx_db


def error(w: np.ndarray | float, b: np.ndarray | float, T: int = HORIZON) -> np.ndarray:
    """``E(w, b) = (sigma(x_T) - 0.7)^2``, elementwise over broadcast arrays of w and b."""
    x, _, _ = run_unit(w, b, T)
    return (sigmoid(x) - TARGET) ** 2


def error_and_gradient(
    w: np.ndarray | float, b: np.ndarray | float, T: int = HORIZON
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(E, dE/dw, dE/db)``, exact, elementwise over broadcast w and b (inf/nan if a tangent overflowed)."""
    x, dx_dw, dx_db = run_unit(w, b, T)
    s = sigmoid(x)
    dE_dx = 2.0 * (s - TARGET) * s * (1.0 - s)  # through the squared error and the last sigmoid
    with np.errstate(over="ignore", invalid="ignore"):
        return (s - TARGET) ** 2, dE_dx * dx_dw, dE_dx * dx_db


# Near the wall float64 cannot follow one point: x_t sits by the unstable fixed point, where each step multiplies
# a rounding error by lambda = w sigma'(x*) (up to 2.5 here), so after 50 steps x_T, E and the gradient at that
# one (w, b) are lost (at w = 8.7 the float64 gradient on the wall is twice the true one). The page's numbers at a
# single point (the wall, the step from it, where it lands) are computed in decimal arithmetic with this many
# digits: enough to lose 2.5^50 (20 digits) and keep more than float64's 16.
EXACT_DIGITS = 60


def exact_error_and_gradient(w: float, b: float, T: int = HORIZON) -> tuple[float, float, float, float]:
    """``(x_T, E, dE/dw, dE/db)`` at one point (w, b) (floats, taken as exact), by the module's forward-mode
    equations in decimal arithmetic of :data:`EXACT_DIGITS` digits, rounded to float at the end."""
    if not (np.isfinite(w) and np.isfinite(b)):
        return (float("nan"),) * 4
    with decimal.localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        w_, b_ = decimal.Decimal(float(w)), decimal.Decimal(float(b))
        x, dx_dw, dx_db, one = decimal.Decimal(X0), decimal.Decimal(0), decimal.Decimal(0), decimal.Decimal(1)

        def sig(v: decimal.Decimal) -> decimal.Decimal:
            return one / (one + (-v).exp()) if v > -1000 else decimal.Decimal(0)  # e^1000 needs no more digits

        for _ in range(T):
            s = sig(x)
            gain = w_ * s * (one - s)  # w sigma'(x_{t-1})
            dx_dw, dx_db = s + gain * dx_dw, one + gain * dx_db
            x = w_ * s + b_
        s = sig(x)
        dE_dx = 2 * (s - decimal.Decimal(TARGET)) * s * (one - s)
        return float(x), float((s - decimal.Decimal(TARGET)) ** 2), float(dE_dx * dx_dw), float(dE_dx * dx_db)


def error_surface(w_values: np.ndarray, b_values: np.ndarray, T: int = HORIZON) -> np.ndarray:
    """The error on the grid ``w_values x b_values`` in one vectorised pass.

    Args:
        w_values: (nw,), b_values: (nb,); any spacing.
    Returns:
        (nb, nw): rows indexed by b, columns by w.
    """
    w = np.asarray(w_values, dtype=np.float64)[None, :]
    b = np.asarray(b_values, dtype=np.float64)[:, None]
    return error(w, b, T)


def cross_section(start: tuple[float, float], end: tuple[float, float], n: int = 401, T: int = HORIZON) -> dict:
    """The error along the straight segment from ``start = (w, b)`` to ``end``.

    Returns:
        dict with ``s`` (n,) from 0 to 1; ``w``, ``b`` (n,); ``error`` (n,); ``slope`` (n,) = dE/ds, the
        gradient projected on the segment (per unit of s, so it is comparable with the error's jump).
    """
    s = np.linspace(0.0, 1.0, n)
    dw, db = end[0] - start[0], end[1] - start[1]
    w, b = start[0] + s * dw, start[1] + s * db
    E, gw, gb = error_and_gradient(w, b, T)
    with np.errstate(over="ignore", invalid="ignore"):
        slope = gw * dw + gb * db
    return {"s": s, "w": w, "b": b, "error": E, "slope": slope}


def exact_state(w: float, b: float, T: int = HORIZON) -> float:
    """x_T at one point (w, b) (floats, taken as exact), as :func:`exact_error_and_gradient` computes it (the same
    decimal operations in the same order, so the same float), without the tangents (the exponentials cost the most:
    ~1.1 ms against 1.2)."""
    if not (np.isfinite(w) and np.isfinite(b)):
        return float("nan")
    with decimal.localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        w_, b_ = decimal.Decimal(float(w)), decimal.Decimal(float(b))
        x, one = decimal.Decimal(X0), decimal.Decimal(1)
        for _ in range(T):
            s = one / (one + (-x).exp()) if x > -1000 else decimal.Decimal(0)  # sig(x), as in the full version
            x = w_ * s + b_
        return float(x)


def float_guess(w: float, lo: float, hi: float, T: int) -> float:
    """Where float64 sees x_T change sign along b in [lo, hi] (x_T increases with b for w > 0): a bisection in
    plain Python floats (50 steps cost ~10 us; an exact x_T costs ~1 ms). Float64 is wrong right at the wall (each
    step there multiplies a rounding error by up to 2.5), so this is only a guess, a few ulps or more off."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        x = X0
        for _ in range(T):
            x = w * (0.5 + 0.5 * math.tanh(0.5 * x)) + mid  # w sigma(x) + b; tanh cannot overflow
        if x < 0.0:
            lo = mid
        else:
            hi = mid
    return lo


def exact_bracket(w: float, lo: float, hi: float, guess: float, T: int) -> tuple[float, float] | None:
    """A bracket [a, c] inside [lo, hi] whose ends' exact x_T are < 0 and > 0: a starts at ``guess`` and c at the
    next float (when float64 guessed right, the answer), each moved away from the guess by a step that grows
    16-fold from one ulp until its exact sign is right; None if an end reaches lo or hi without it."""
    ulp = abs(float(np.spacing(guess)))  # np.spacing is negative below 0
    ends = []
    for end, direction in ((guess, -1.0), (min(hi, float(np.nextafter(guess, np.inf))), 1.0)):
        step = ulp
        while np.sign(exact_state(w, end, T)) != direction:  # below 0 at the lower end, above at the upper
            if end in (lo, hi):
                return None
            end = max(lo, end - step) if direction < 0 else min(hi, end + step)
            step *= 16.0
        ends.append(end)
    return ends[0], ends[1]


def exact_bisection(w: float, lo: float, hi: float, sign_lo: float, T: int) -> float:
    """Bisect [lo, hi] on the sign of the exact x_T down to adjacent floats; return the end on ``sign_lo``'s side."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):  # adjacent floats: as close as float64 can get
            break
        if np.sign(exact_state(w, mid, T)) == sign_lo:
            lo = mid
        else:
            hi = mid
    return lo


def wall_point(w: float, b_low: float, b_high: float, T: int = HORIZON) -> float | None:
    """The b in [b_low, b_high] where, at this w, sigma(x_T) crosses 1/2: a point on the face of the wall.

    For w > 0, x_T increases with b, so bisection finds the crossing to the last bit of a float (the wall is
    far thinner than any grid): the last float b whose exact x_T has the sign it has at b_low. x_T is computed
    exactly enough to have the right sign there (:func:`exact_state`). Returns None when sigma(x_T) - 1/2 has the
    same sign at both ends.

    For w > 0 a float64 bisection first guesses where the crossing is (:func:`float_guess`, ~1 ms); a bracket
    around the guess whose ends' exact x_T are below 0 and above (:func:`exact_bracket`) holds the crossing,
    as x_T is monotone in b and crosses once; the exact bisection finishes there, in a few ulps (2 to 4 exact x_T
    on the page's slider instead of ~60), and lands on the same float a bisection of the whole range would
    (tests/test_cliff.py checks it). Without such a bracket (or for w <= 0), the whole range is bisected exactly.
    """
    lo, hi = float(b_low), float(b_high)
    if w > 0 and np.isfinite(w) and np.isfinite(lo) and np.isfinite(hi) and lo < hi:
        bracket = exact_bracket(w, lo, hi, float_guess(float(w), lo, hi, T), T)
        if bracket is not None:
            return exact_bisection(w, *bracket, -1.0, T)
    f_lo, f_hi = exact_state(w, lo, T), exact_state(w, hi, T)  # x_T: its sign
    if np.sign(f_lo) == np.sign(f_hi) or not (np.isfinite(f_lo) and np.isfinite(f_hi)):
        return None
    return exact_bisection(w, lo, hi, np.sign(f_lo), T)


def wall_sides(w: float, b_wall: float, side: float, T: int = HORIZON) -> tuple[float, float]:
    """The error just below and just above the wall in b: ``(E(w, b_wall - side), E(w, b_wall + side))``, the
    two plateaus the wall separates (how far E jumps across it), for a ``side`` far wider than the wall (except
    close to the cusp, a hundredth is plenty)."""
    return float(error(w, b_wall - side, T)), float(error(w, b_wall + side, T))


def gradient_step(
    w: float,
    b: float,
    lr: float,
    clip: float | None = None,
    T: int = HORIZON,
    known: tuple[float, float, float] | None = None,
) -> dict:
    """One gradient-descent step from (w, b), optionally with norm clipping, and where it lands.

    Clipping follows Pascanu et al.'s Algorithm 1: if ``||g|| >= clip``, ``g <- clip g / ||g||``. The error and
    the gradient at both ends are computed exactly enough to be right on the wall (:func:`exact_error_and_gradient`);
    ``known``: ``(E, dE/dw, dE/db)`` at (w, b) as that function gave them, when the caller has them already (a step
    from the same point, or from where another step landed: each costs ~1 ms).

    Returns:
        dict with ``start`` (w, b), ``error``, ``gradient`` (dE/dw, dE/db), ``grad_norm``, ``clipped`` (bool),
        ``step`` (dw, db) = -lr g (g clipped if it was), ``step_norm``, ``end`` (w, b) after the step,
        ``end_error`` and ``end_gradient`` there; ``finite``: False when the gradient overflowed (then ``step`` is
        (0, 0): no step).
    """
    E, gw, gb = known if known is not None else exact_error_and_gradient(w, b, T)[1:]
    finite = bool(np.isfinite(gw) and np.isfinite(gb))
    with np.errstate(over="ignore"):
        grad_norm = float(np.hypot(gw, gb)) if finite else float("inf")
    clipped = bool(finite and clip is not None and grad_norm >= clip)
    scale = (clip / grad_norm if grad_norm > 0 else 0.0) if clipped else 1.0
    step = (-lr * scale * gw, -lr * scale * gb) if finite else (0.0, 0.0)
    end = (float(w) + step[0], float(b) + step[1])
    with np.errstate(over="ignore"):
        step_norm = float(np.hypot(*step))
    _, end_error, end_gw, end_gb = exact_error_and_gradient(end[0], end[1], T)
    return {
        "start": (float(w), float(b)),
        "error": E,
        "gradient": (gw, gb),
        "grad_norm": grad_norm,
        "clipped": clipped,
        "step": step,
        "step_norm": step_norm,
        "end": end,
        "end_error": end_error,
        "end_gradient": (end_gw, end_gb),
        "finite": finite,
    }


def bistable_band(w: float) -> tuple[float, float] | None:
    """The b for which the unit has two stable states at this w: the open interval ``(b_low, b_high)``.

    The fixed points solve ``b = g(x) = x - w sigma(x)``. For w > 4, g falls between the two points where
    ``w sigma'(x) = 1`` (``sigma(x) = (1 -+ sqrt(1 - 4/w)) / 2``), so a b between its local minimum and local
    maximum meets three fixed points, the outer two stable. Returns None for w <= 4 (one fixed point for every b).
    """
    if w <= W_CUSP:
        return None
    root = np.sqrt(1.0 - W_CUSP / w)
    s_low, s_high = 0.5 * (1.0 - root), 0.5 * (1.0 + root)  # sigma at the two tangent points

    def g(s: float) -> float:
        return float(np.log(s / (1.0 - s)) - w * s)  # x - w sigma(x) at x = logit(s)

    return g(s_high), g(s_low)
