"""Optimizers as ``init``/``update`` pairs over a params dict (optax's shape, numpy's arithmetic).

An :class:`Optimizer` is two pure functions::

    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = apply_updates(params, updates)       # w <- w + update

``params``, ``grads`` and ``updates`` are ``dict[str, np.ndarray]`` with the same keys (the names in the
model's equations, e.g. ``{"U": ..., "W": ...}``). A state is a small dict of arrays (or ``()`` when there is
none), so a training loop can record it for display. Transforms such as clipping are optimizers too and
compose with :func:`chain`.

Conventions differ between libraries, so each docstring states its own and names the library it follows (the
papers are in ``docs/SOURCES.md``):

- :func:`momentum`: trace form ``v = mu v + g`` (PyTorch's), not the averaged ``v = mu v + (1 - mu) g``.
- :func:`rmsprop` and :func:`adam`: eps *outside* the square root, ``g / (sqrt(s) + eps)``.
- :func:`rprop`: three variants, ``"rprop-"`` (the book's), ``"rprop+"`` (Riedmiller & Braun's original,
  backtracking), ``"irprop-"`` (``torch.optim.Rprop``, with its step bounds :data:`PYTORCH_STEP_BOUNDS`).
- :func:`clip_by_global_norm` (Pascanu et al. 2013, Algorithm 1) and :func:`clip_by_value` are transforms
  for :func:`chain`.
- :func:`newton` needs the Hessian: its ``needs_hessian`` flag asks the training loop to pass
  ``hessian=`` to ``update``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class Optimizer(NamedTuple):
    """A pair of pure functions; see the module docstring for the calling convention."""

    init: Callable[[Params], Any]
    update: Callable[..., tuple[Params, Any]]
    # True when ``update`` must be given ``hessian=`` (a square array over the params, see :func:`newton`).
    needs_hessian: bool = False


def apply_updates(params: Params, updates: Params) -> Params:
    """Return ``params + updates`` key by key (a new dict; inputs are not modified)."""
    return {k: params[k] + updates[k] for k in params}


def chain(*transforms: Optimizer) -> Optimizer:
    """Run transforms in order, each one receiving the previous one's output as its gradient.

    ``chain(clip_by_global_norm(1.0), sgd(0.01))`` clips, then takes the descent step. The state is the
    tuple of the transforms' states, in order. Extra keyword arguments (``hessian=``) reach every transform,
    and the chain needs the Hessian when any of its transforms does.
    """

    def init(params: Params) -> tuple:
        return tuple(t.init(params) for t in transforms)

    def update(grads: Params, state: tuple, params: Params | None = None, **extra) -> tuple[Params, tuple]:
        new_states = []
        for t, s in zip(transforms, state, strict=True):
            grads, s = t.update(grads, s, params, **extra)
            new_states.append(s)
        return grads, tuple(new_states)

    return Optimizer(init, update, any(t.needs_hessian for t in transforms))


def sgd(lr: float) -> Optimizer:
    """Plain gradient descent: ``w <- w - lr * g``. No state."""

    def init(params: Params) -> tuple:
        return ()

    def update(grads: Params, state: tuple, params: Params | None = None, **extra) -> tuple[Params, tuple]:
        return {k: -lr * g for k, g in grads.items()}, state

    return Optimizer(init, update)


def zeros_like(params: Params) -> Params:
    """A params dict of float64 zeros (an optimizer's starting state)."""
    return {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}


def momentum(lr: float, mu: float, nesterov: bool = False) -> Optimizer:
    """Heavy-ball momentum, trace convention (PyTorch's ``SGD(momentum=mu)`` with dampening 0)::

        v <- mu v + g                 (a running *sum* of past gradients, not an average)
        w <- w - lr v                 or, with ``nesterov``:  w <- w - lr (g + mu v)   (the new v)

    ``mu = 0`` is plain :func:`sgd`. State ``{"v": {name: array}}``, starting at zero.
    """

    def init(params: Params) -> dict:
        return {"v": zeros_like(params)}

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        v = {k: mu * state["v"][k] + g for k, g in grads.items()}
        if nesterov:  # look ahead: the gradient plus the velocity it is about to add to
            return {k: -lr * (g + mu * v[k]) for k, g in grads.items()}, {"v": v}
        return {k: -lr * v[k] for k in grads}, {"v": v}

    return Optimizer(init, update)


def rmsprop(lr: float, decay: float = 0.9, eps: float = 1e-8) -> Optimizer:
    """RMSProp (Tieleman & Hinton 2012), eps *outside* the square root (as PyTorch; Keras puts it inside)::

        s <- decay s + (1 - decay) g^2
        w <- w - lr g / (sqrt(s) + eps)

    State ``{"s": {name: array}}``, starting at zero, so the first step is ``lr / sqrt(1 - decay)`` long.
    """

    def init(params: Params) -> dict:
        return {"s": zeros_like(params)}

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        s = {k: decay * state["s"][k] + (1.0 - decay) * g**2 for k, g in grads.items()}
        return {k: -lr * g / (np.sqrt(s[k]) + eps) for k, g in grads.items()}, {"s": s}

    return Optimizer(init, update)


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam (Kingma & Ba 2015, Algorithm 1), with bias correction and eps outside the square root::

        m <- b1 m + (1 - b1) g            v <- b2 v + (1 - b2) g^2          (t = 1, 2, ...)
        m_hat = m / (1 - b1^t)            v_hat = v / (1 - b2^t)
        w <- w - lr m_hat / (sqrt(v_hat) + eps)

    State ``{"m": {...}, "v": {...}, "count": t}``; the first step is about ``lr`` in size, whatever ``|g|``.
    """

    def init(params: Params) -> dict:
        return {"m": zeros_like(params), "v": zeros_like(params), "count": 0}

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        t = state["count"] + 1
        m = {k: b1 * state["m"][k] + (1.0 - b1) * g for k, g in grads.items()}
        v = {k: b2 * state["v"][k] + (1.0 - b2) * g**2 for k, g in grads.items()}
        # The moments start at zero, so early averages are biased towards it; dividing by 1 - b^t undoes that.
        updates = {k: -lr * (m[k] / (1.0 - b1**t)) / (np.sqrt(v[k] / (1.0 - b2**t)) + eps) for k in grads}
        return updates, {"m": m, "v": v, "count": t}

    return Optimizer(init, update)


RPROP_VARIANTS = ("rprop-", "rprop+", "irprop-")
PYTORCH_STEP_BOUNDS = (1e-6, 50.0)  # torch.optim.Rprop's default step_sizes (Riedmiller & Braun's Δmin, Δmax)


def adapt_step_size(
    delta: np.ndarray,
    agreement: np.ndarray,
    eta_plus: float,
    eta_minus: float,
    bounds: tuple[float | None, float | None] = (None, None),
) -> np.ndarray:
    """Rprop's rule for each weight's step size: ``Delta * eta_plus`` where the gradient kept its sign
    (``agreement > 0``), ``Delta * eta_minus`` where it flipped (``< 0``), unchanged where there is no previous
    sign (``0``); then clipped to ``bounds = (step_min, step_max)`` (None: no bound)."""
    factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0))
    delta = delta * factor
    step_min, step_max = bounds
    if step_min is not None:
        delta = np.maximum(delta, step_min)
    if step_max is not None:
        delta = np.minimum(delta, step_max)
    return delta


def rprop_minus_step(g, prev_sign, delta, eta_plus, eta_minus, bounds, prev_update=None):
    """Rprop−, the book's: the same sign as last time grows Delta, anything else (a flip, or the start's
    previous sign 0) shrinks it; then step ``-sign(g) Delta``. Returns (update, Delta, sign to remember)."""
    sign = np.sign(g)
    agreement = np.where(sign == prev_sign, 1.0, -1.0)  # the book compares the signs: 0 == 0 counts as equal
    delta = adapt_step_size(delta, agreement, eta_plus, eta_minus, bounds)
    return -sign * delta, delta, sign


def rprop_plus_step(g, prev_sign, delta, eta_plus, eta_minus, bounds, prev_update=None):
    """Rprop+, Riedmiller & Braun's original: at a sign flip, shrink Delta and *undo* the previous step
    (backtrack), and forget the sign so the next iteration steps without adapting. Returns (update, Delta,
    sign to remember)."""
    sign = np.sign(g)
    agreement = sign * prev_sign  # +1 same sign, -1 a flip, 0 no history
    delta = adapt_step_size(delta, agreement, eta_plus, eta_minus, bounds)
    flipped = agreement < 0
    return np.where(flipped, -prev_update, -sign * delta), delta, np.where(flipped, 0.0, sign)


def irprop_minus_step(g, prev_sign, delta, eta_plus, eta_minus, bounds, prev_update=None):
    """iRprop− (Igel & Hüsken 2000; ``torch.optim.Rprop``): at a sign flip, shrink Delta and take *no* step
    this iteration, and forget the sign. Returns (update, Delta, sign to remember)."""
    sign = np.sign(g)
    agreement = sign * prev_sign
    delta = adapt_step_size(delta, agreement, eta_plus, eta_minus, bounds)
    sign = np.where(agreement < 0, 0.0, sign)  # a flip: no step, and no sign to compare with next time
    return -sign * delta, delta, sign


RPROP_STEPS = {"rprop-": rprop_minus_step, "rprop+": rprop_plus_step, "irprop-": irprop_minus_step}


def rprop(
    step0: float,
    eta_plus: float = 1.2,
    eta_minus: float = 0.5,
    step_min: float | None = None,
    step_max: float | None = None,
    variant: str = "rprop-",
) -> Optimizer:
    """Resilient backpropagation: each weight has its own step size Delta; only the gradient's *sign* is used.

    Per weight, with ``s`` the sign remembered from the previous iteration (0 at the start), one of
    :func:`rprop_minus_step` (``"rprop-"``, the book's; the first step is ``step0 * eta_minus``, as ``s``
    starts at 0), :func:`rprop_plus_step` (``"rprop+"``, Riedmiller & Braun 1993, backtracking) or
    :func:`irprop_minus_step` (``"irprop-"``, ``torch.optim.Rprop``). Delta is clipped to
    ``[step_min, step_max]`` when bounds are given (:data:`PYTORCH_STEP_BOUNDS` for PyTorch's; the book uses
    none). Rprop is a full-batch method. State ``{"step": {...}, "prev_sign": {...}}`` (Delta and s per
    weight), plus ``"prev_update"`` for ``"rprop+"``.
    """
    if variant not in RPROP_VARIANTS:
        raise ValueError(f"variant must be one of {RPROP_VARIANTS}, not {variant!r}")
    step_rule, bounds = RPROP_STEPS[variant], (step_min, step_max)

    def init(params: Params) -> dict:
        state = {
            "step": {k: np.full_like(v, step0, dtype=np.float64) for k, v in params.items()},
            "prev_sign": zeros_like(params),
        }
        if variant == "rprop+":
            state["prev_update"] = zeros_like(params)
        return state

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        updates, steps, signs = {}, {}, {}
        for k, g in grads.items():
            updates[k], steps[k], signs[k] = step_rule(
                g,
                state["prev_sign"][k],
                state["step"][k],
                eta_plus,
                eta_minus,
                bounds,
                state.get("prev_update", {}).get(k),
            )
        new_state = {"step": steps, "prev_sign": signs}
        if variant == "rprop+":
            new_state["prev_update"] = dict(updates)
        return updates, new_state

    return Optimizer(init, update)


def global_norm(grads: Params) -> np.float64:
    """The norm over all keys together, scaled by the largest entry so that huge gradients cannot overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        largest = max((np.max(np.abs(g)) for g in grads.values()), default=np.float64(0.0))
        if not np.isfinite(largest) or largest == 0:
            return np.float64(largest)
        return np.float64(largest * np.sqrt(sum(np.sum((g / largest) ** 2) for g in grads.values())))


def clip_by_global_norm(threshold: float) -> Optimizer:
    """Rescale the whole gradient when its norm reaches ``threshold`` (Pascanu et al. 2013, Algorithm 1)::

        if ||g|| >= threshold:  g <- threshold g / ||g||      (||.|| over all keys together)

    The direction is kept; only the length is capped. ``threshold = 0`` gives a zero gradient (no step), never
    nan. A non-finite gradient passes through unchanged, for the training loop to report. Use it in
    :func:`chain` before a descent step. State ``{"raw_norm": ||g|| before clipping, "clipped": bool,
    "clipped_grad": {name: array}}``, the last being the gradient this transform passed on (``g`` itself when
    it did not clip), so a recorded trajectory holds what the descent step used.
    """

    def init(params: Params) -> dict:
        return {"raw_norm": np.float64(0.0), "clipped": False, "clipped_grad": zeros_like(params)}

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        norm = global_norm(grads)
        clipped = bool(np.isfinite(norm) and norm >= threshold)
        if clipped:
            scale = threshold / norm if norm > 0 else 0.0  # norm 0 means g is already 0: keep it so
            grads = {k: g * scale for k, g in grads.items()}
        return grads, {"raw_norm": norm, "clipped": clipped, "clipped_grad": dict(grads)}

    return Optimizer(init, update)


def clip_by_value(c: float) -> Optimizer:
    """Clip every gradient component to ``[-c, c]`` (element-wise clipping; this can turn the direction).

    State ``{"raw_norm": ||g|| before clipping, "clipped": bool, "clipped_grad": {name: array}}``: whether any
    component was cut, and the gradient passed on (as in :func:`clip_by_global_norm`).
    """

    def init(params: Params) -> dict:
        return {"raw_norm": np.float64(0.0), "clipped": False, "clipped_grad": zeros_like(params)}

    def update(grads: Params, state: dict, params: Params | None = None, **extra) -> tuple[Params, dict]:
        clipped = {k: np.clip(g, -c, c) for k, g in grads.items()}
        was_cut = any(bool(np.any(clipped[k] != g)) for k, g in grads.items())
        return clipped, {"raw_norm": global_norm(grads), "clipped": was_cut, "clipped_grad": dict(clipped)}

    return Optimizer(init, update)


def symmetric_eigen(a: float, b: float, c: float) -> tuple[float, float, float, float]:
    """The eigenvalues and eigenvectors of the symmetric 2x2 matrix ``[[a, b], [b, c]]``, by formula, on floats.

    LAPACK's own formula for it (``dlaev2``, which ``np.linalg.eigh`` calls through ``dsteqr`` for a 2x2 block),
    operation for operation: the mean and half-difference of the diagonal give the eigenvalue of larger size
    ``(a + c)/2 +- hypot((a - c)/2, b)`` without cancellation, the other is ``det / that`` (accurate unless
    ``a c - b^2`` itself cancels, as in LAPACK), and the eigenvector is the rotation whose tangent is the
    smaller of two equivalent ratios, so that it is never ``0/0``. On Python floats it costs about 1 µs, where
    ``eigh`` and the array arithmetic around it took about 20 µs, and Newton's method needs it every update.

    Returns:
        ``(big, small, cos, sin)``: the eigenvalues with ``|big| >= |small|``, and the unit eigenvector
        ``(cos, sin)`` of ``big``; ``(-sin, cos)`` is that of ``small``. Finite entries only.
    """
    sm, df, tb = a + c, a - c, b + b
    adf, ab = abs(df), abs(tb)
    big_diag, small_diag = (a, c) if abs(a) > abs(c) else (c, a)
    if adf > ab:  # rt = hypot(df, tb), scaled by the larger so that its square cannot overflow
        ratio = ab / adf
        rt = adf * math.sqrt(1.0 + ratio * ratio)
    elif adf < ab:
        ratio = adf / ab
        rt = ab * math.sqrt(1.0 + ratio * ratio)
    else:
        rt = ab * math.sqrt(2.0)
    if sm < 0:
        big, big_sign = 0.5 * (sm - rt), -1
        small = (big_diag / big) * small_diag - (b / big) * b  # det / big, in this order (LAPACK's)
    elif sm > 0:
        big, big_sign = 0.5 * (sm + rt), 1
        small = (big_diag / big) * small_diag - (b / big) * b
    else:
        big, small, big_sign = 0.5 * rt, -0.5 * rt, 1
    # The eigenvector: the rotation that zeroes b, from the larger of df +- rt and 2b.
    cs, df_sign = (df + rt, 1) if df >= 0 else (df - rt, -1)
    if abs(cs) > ab:
        ct = -tb / cs
        sin = 1.0 / math.sqrt(1.0 + ct * ct)
        cos = ct * sin
    elif ab == 0:
        cos, sin = 1.0, 0.0
    else:
        tn = -cs / tb
        cos = 1.0 / math.sqrt(1.0 + tn * tn)
        sin = tn * cos
    if big_sign == df_sign:
        cos, sin = -sin, cos
    return big, small, cos, sin


def saddle_free_step(g_u: float, g_w: float, a: float, b: float, c: float, damping: float) -> tuple:
    """:func:`newton_step` for two parameters on Python floats: ``-(|H| + damping I)^-1 g`` with
    ``H = [[a, b], [b, c]]`` (finite), through :func:`symmetric_eigen`.

    In H's eigenvector basis ``|H| + damping I`` is diagonal, so the step is the gradient's component along
    each eigenvector divided by ``|lambda| + damping`` there (none where that is 0), rotated back.

    Returns:
        ``(step_u, step_w, low, high)``: the step and H's eigenvalues, ascending.
    """
    big, small, cos, sin = symmetric_eigen(a, b, c)
    along_big, along_small = g_u * cos + g_w * sin, g_w * cos - g_u * sin
    curvature_big, curvature_small = abs(big) + damping, abs(small) + damping
    q_big = along_big / curvature_big if curvature_big > 0 else 0.0
    q_small = along_small / curvature_small if curvature_small > 0 else 0.0
    step_u, step_w = -(q_big * cos - q_small * sin), -(q_big * sin + q_small * cos)
    low, high = (small, big) if small <= big else (big, small)
    return step_u, step_w, low, high


def newton_step(grad: np.ndarray, hessian: np.ndarray, damping: float) -> tuple[np.ndarray, np.ndarray]:
    """The damped, saddle-free Newton step ``-(|H| + damping I)^-1 g`` for two parameters, and H's eigenvalues.

    ``|H|`` is H with its eigenvalues replaced by their absolute values (Dauphin et al. 2014). Where H is
    positive definite this is exactly the damped (Levenberg) step ``-(H + damping I)^-1 g``. Where a
    curvature is negative, plain Newton would move *towards* the saddle or maximum; flipping its sign turns
    that direction downhill again. Directions where ``|lambda| + damping`` is 0 (singular H, no damping) get
    no step. There is no learning rate: the curvature sets the step length. The 2x2 eigenproblem is solved by
    formula (:func:`saddle_free_step`; tests/test_optim.py checks it against ``np.linalg.eigh``).

    Args:
        grad: (2,) gradient, hessian: (2, 2) symmetric (its lower triangle is read, as ``eigh`` does),
            damping: >= 0.
    Returns:
        step: (2,) to add to the parameters; eigenvalues: (2,) of H, ascending. Both nan if H is not finite.
    """
    if not np.isfinite(hessian).all():
        return np.full(2, np.nan), np.full(2, np.nan)
    (a, _), (b, c) = hessian.tolist()
    g_u, g_w = grad.tolist()
    step_u, step_w, low, high = saddle_free_step(g_u, g_w, a, b, c, float(damping))
    return np.array([step_u, step_w]), np.array([low, high])


def model_cost(cost: float, grad: np.ndarray, hessian: np.ndarray, step: np.ndarray) -> float:
    """What the quadratic model of the cost around a point predicts after ``step``: the second-order Taylor
    polynomial ``cost + g·s + s·H s / 2``, with H itself (not |H|), as Newton's method models the surface.

    Where H has a negative eigenvalue this quadratic has no lowest point, and it may predict a cost below 0. For
    the undamped saddle-free step ``s = -|H|^-1 g`` the predicted drop ``cost - model`` is ``sum g_i^2 / |l_i|`` times
    1/2 (``l_i > 0``) or 3/2 (``l_i < 0``) over H's eigen-directions: never negative.

    Args:
        cost: the cost at the point; grad: (n,); hessian: (n, n); step: (n,).
    Returns:
        the model's cost after the step (inf or nan when the step or H is not finite).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return float(cost + grad @ step + 0.5 * step @ hessian @ step)


def newton(damping: float = 1.0, keys: tuple[str, ...] = ("U", "W")) -> Optimizer:
    """Damped Newton's method over two scalar params: ``w <- w + step`` with the step of :func:`newton_step`.

    ``update`` must be given ``hessian=`` (2, 2), rows and columns in ``keys`` order (for the counting RNN:
    U, W); ``needs_hessian`` is set so :func:`rnn_core.counting.fit` does that. ``damping`` is in the units of
    the Hessian (at the book's optimum the curvatures are about 1.1e2 and 6.1e4). State
    ``{"eigenvalues": (2,)}`` of the Hessian used for the step (a negative one: the surface curves down).
    """

    def init(params: Params) -> dict:
        return {"eigenvalues": np.zeros(len(keys))}

    def update(
        grads: Params, state: dict, params: Params | None = None, hessian: np.ndarray | None = None, **extra
    ) -> tuple[Params, dict]:
        if hessian is None:
            raise ValueError("newton needs the Hessian: call update(..., hessian=H)")
        g = np.array([float(grads[k]) for k in keys])
        step, eigenvalues = newton_step(g, hessian, damping)
        return {k: step[i] for i, k in enumerate(keys)}, {"eigenvalues": eigenvalues}

    return Optimizer(init, update, needs_hessian=True)
