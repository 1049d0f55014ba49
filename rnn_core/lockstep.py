"""The fast engine of the optimizer race: every runner of :mod:`rnn_core.race` trained in lockstep, bit for bit
what :func:`rnn_core.counting.fit` gives it alone.

``counting.fit`` is the loop the lessons show, and the definition: forward, cost, BPTT, the overflow checks, one
optimizer update through the ``init``/``update`` dicts of :mod:`rnn_core.optim`. Its cost per iteration is
almost all Python and numpy call overhead on arrays of 50 numbers. This engine keeps every floating-point
operation of that loop and changes only what surrounds them:

* one evaluation serves every run still going (:class:`Evaluator`): the recurrence and BPTT's running product
  advance all runs together, into buffers allocated once, and the per-step sums and the two gradients take a
  handful of whole-array calls instead of a loop over the steps;
* the updates of all the runs of one kind (plain descent, clipping, momentum, RMSProp, Adam, each Rprop variant)
  are a few whole-array operations, each run's settings and optimizer state one row of the kind's arrays
  (:class:`_Rule`); every element goes through the operations :mod:`rnn_core.optim` applies to its numpy scalars,
  in the same order, and element-wise IEEE arithmetic gives the same bits on an array as on one number;
* what ``fit`` records (the rows, costs, gradients, updates, and its tuple of state dicts) is written, a step of
  every run at once, into arrays sized for each run's iterations (:class:`_Pool`), and a run's results are the
  part it filled.

Where numpy's array arithmetic is *not* the scalar's, the scalar's is kept: a numpy scalar's ``g**2`` is C's
``pow``, which differs from the correctly rounded ``g * g`` (what an array's ``**2`` computes) in the last bit
for about 1 value in 1,200, so every square goes through ``pow`` one element at a time (:func:`_squares`);
Adam's ``b**t`` likewise. Newton's Hessian takes one dot product per run (BLAS's order of summation is its own),
the rest of its update (the branches of the 2x2 eigen-solver) is element-wise. Settings outside the range where a
kind's arithmetic provably cannot raise (a decay above 1, a zero eps, where the float code divides by zero or takes
the root of a negative), steppers given as a ``(step, names)`` pair, and kinds with too few runs for their arrays
to pay run the scalar code per run (:class:`_Closures`); the scalar steppers (``*_closure``) are also the
reference the vectorised kinds are proven against (tests/test_lockstep_vector.py).

Why not a closed form (the output is ``U p_n(W)``, so cost and gradient are a few polynomials in W)? Because the
run would no longer be ``fit``'s: near the optimum ``fit``'s own residuals are rounding noise (about 1e-15 on
outputs near 5), and any other order of operations has other noise. Adam (lr 0.1) after 500 updates from the
book's start: ``fit``'s cost is 4.5151276e-17, the same cost from the residuals ``U p_n(W) - y*`` (Horner's rule)
4.5151261e-17, 3e-7 apart relative, and Rprop's signs and clipping's decisions follow such noise. Equal bits is
the only equality that holds for every optimizer from every start; tests/test_fit_many.py proves it. The price:
the recurrence needs two numpy calls per time step whatever the number of runs, so one run alone gains about
2.5 times over the old lockstep engine, not ten (bench/bench_race.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, repeat

import numpy as np

from rnn_core import counting, optim

ETA_PLUS, ETA_MINUS = 1.2, 0.5  # Rprop's factors (rnn_core.race re-exports them)


class Evaluator:
    """The counting RNN's forward pass, cost and BPTT for K weight pairs at once, on buffers kept between calls.

    Each pair gets the floating-point operations of :func:`~rnn_core.counting.forward`, ``cost`` and
    ``backward`` in their order, so their bits: element-wise operations ignore their neighbours, IEEE addition
    and multiplication commute exactly, and every sum runs over one contiguous row, in numpy's pairwise order
    as there. Call it under ``np.errstate`` (overflow is the caller's to report).
    """

    def __init__(self, X: np.ndarray, targets: np.ndarray):
        self.XT = np.ascontiguousarray(np.asarray(X, dtype=np.float64).T)  # (T, N): each step's inputs contiguous
        self.targets = np.asarray(targets, dtype=np.float64)
        self.K = -1

    def _allocate(self, K: int) -> None:
        T, N = self.XT.shape
        self.K = K
        # B[0, :T] holds the inputs X_1..X_T and B[1] the states S_0..S_T, so that dxi/dU and dxi/dW (the sums of
        # dxi/dS_k X_k and of dxi/dS_k S_{k-1}) come from one product with dxi/dS. Every operand of the loops
        # below has the same shape as its result: numpy's broadcasting costs more than the arithmetic here.
        self.B = np.zeros((2, T + 1, K, N))
        self.B[0, :T] = self.XT[:, None, :]
        self.S_rows = [self.B[1, t] for t in range(T + 1)]  # row 0 is S_0 = 0
        self.U_rows = np.empty((K, N))  # each pair's U and W along its row
        self.W_rows = np.empty((K, N))
        self.XU = np.empty((T, K, N))
        self.XU_rows = [self.XU[t] for t in range(T)]
        self.error = np.empty((K, N))
        self.square = np.empty((K, N))
        self.G = np.empty((T, K, N))  # G[j] = dxi/dS_(T-j): BPTT's order
        self.G_rows = [self.G[j] for j in range(T)]
        self.paired = self.B[:, T - 1 :: -1] if T else self.B[:, :0]  # X_(T-j) and S_(T-j-1), against G[j]
        self.products = np.empty((2, T, K, N))

    @property
    def ST(self) -> np.ndarray:
        """(T+1, K, N) states of the last call, ``ST[:, k]`` being ``forward(X, U[k], W[k]).T``."""
        return self.B[1]

    def __call__(self, U: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Costs, dxi/dU and dxi/dW, each (K,), for the pairs (U[k], W[k]); the states are left in :attr:`ST`."""
        costs, grads = self.gradients(U, W)
        return costs, grads[0], grads[1]

    def gradients(self, U: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`__call__`'s costs (K,) and its two gradients as the rows of one array (2, K)."""
        K = len(U)
        if K != self.K:
            self._allocate(K)
        T = self.XT.shape[0]
        multiply, add = np.multiply, np.add
        Ur, Wr = self.U_rows, self.W_rows
        Ur[...] = U[:, None]
        Wr[...] = W[:, None]
        multiply(self.B[0, :T], Ur, out=self.XU)  # X_t U for every pair
        S, XU = self.S_rows, self.XU_rows
        for t in range(T):
            multiply(S[t], Wr, out=S[t + 1])
            add(S[t + 1], XU[t], out=S[t + 1])  # S_t = X_t U + S_{t-1} W
        error = np.subtract(S[T], self.targets, out=self.error)  # = -(y* - y) exactly, and squares the same
        costs = add.reduce(multiply(error, error, out=self.square), axis=1)
        G = self.G_rows
        if T:
            multiply(error, 2.0, out=G[0])  # dxi/dS_T, through the squared error
        for j in range(1, T):
            multiply(G[j - 1], Wr, out=G[j])  # dxi/dS_(k-1) = dxi/dS_k W
        products = multiply(self.paired, self.G, out=self.products)
        # Each step's term is a sum over the batch (a contiguous row); each pair's T terms are then laid out in
        # step order k = 1..T, contiguous, so that they are summed in backward's pairwise order.
        terms = np.ascontiguousarray(add.reduce(products, axis=3)[:, ::-1].transpose(0, 2, 1))
        return costs, add.reduce(terms, axis=2)


# --- each runner's update on Python floats, for one run ----------------------------------------------------------
# A closure is made from a runner's settings: step(gU, gW, U, W, hessian_of) returns the update (dU, dW) and the
# state entries to record, or None when Newton's Hessian overflowed (hessian_of(U, W) gives its three entries).
# Every line mirrors rnn_core.optim's. These are the reference the vectorised rules below are proven against, and
# what runs a stepper whose settings a rule does not take.


def _sign(g: float) -> float:
    return 1.0 if g > 0 else (-1.0 if g < 0 else 0.0)  # np.sign, zeros as +0.0 (finite g only)


def _square(g: float) -> float:
    """``g**2`` as numpy computes it for a scalar: C's pow, which is not always the correctly rounded ``g * g``
    (1 value in 1300 differs in the last bit), where an array's ``**2`` is ``g * g``. Python's float ``**`` calls
    the same pow but raises on overflow, where numpy gives inf."""
    try:
        return g**2
    except OverflowError:
        return math.inf


def _global_norm(gU: float, gW: float) -> float:
    """optim.global_norm: the norm scaled by the largest entry, summed as Python's sum() adds numpy scalars."""
    largest = max(abs(gU), abs(gW))
    if not math.isfinite(largest) or largest == 0:
        return largest
    return largest * math.sqrt(_square(gU / largest) + _square(gW / largest))


def _clip_value(g: float, c: float) -> float:
    if -c < g < c:
        return g
    if g > c > -c:
        return c
    if g < -c < c:
        return -c
    return float(np.clip(np.float64(g), -c, c))  # ties and a zero threshold: numpy's own rule for the zeros


def sgd_closure(lr: float):
    lr = float(lr)

    def step(gU, gW, U, W, hessian_of):
        return (-lr * gU, -lr * gW), ()

    return step, ()


def clip_closure(lr: float, threshold: float, by: str = "norm"):
    lr, threshold = float(lr), float(threshold)
    if by == "norm":

        def step(gU, gW, U, W, hessian_of):
            norm = _global_norm(gU, gW)
            clipped = math.isfinite(norm) and norm >= threshold
            if clipped:
                scale = threshold / norm if norm > 0 else 0.0
                gU, gW = gU * scale, gW * scale
            return (-lr * gU, -lr * gW), (norm, clipped, (gU, gW))

    else:

        def step(gU, gW, U, W, hessian_of):
            cU, cW = _clip_value(gU, threshold), _clip_value(gW, threshold)
            return (-lr * cU, -lr * cW), (_global_norm(gU, gW), cU != gU or cW != gW, (cU, cW))

    return step, ("raw_norm", "clipped", "clipped_grad")


def momentum_closure(lr: float, mu: float):
    lr, mu = float(lr), float(mu)
    v = [0.0, 0.0]

    def step(gU, gW, U, W, hessian_of):
        vU, vW = mu * v[0] + gU, mu * v[1] + gW
        v[:] = vU, vW
        return (-lr * vU, -lr * vW), ((vU, vW),)

    return step, ("v",)


def rmsprop_closure(lr: float, decay: float, eps: float = 1e-8):
    lr, decay = float(lr), float(decay)
    s = [0.0, 0.0]

    def step(gU, gW, U, W, hessian_of):
        sU, sW = decay * s[0] + (1.0 - decay) * _square(gU), decay * s[1] + (1.0 - decay) * _square(gW)
        s[:] = sU, sW
        return (-lr * gU / (math.sqrt(sU) + eps), -lr * gW / (math.sqrt(sW) + eps)), ((sU, sW),)

    return step, ("s",)


def adam_closure(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    lr = float(lr)
    m, v, count = [0.0, 0.0], [0.0, 0.0], [0]

    def step(gU, gW, U, W, hessian_of):
        t = count[0] + 1
        mU, mW = b1 * m[0] + (1.0 - b1) * gU, b1 * m[1] + (1.0 - b1) * gW
        vU, vW = b2 * v[0] + (1.0 - b2) * _square(gU), b2 * v[1] + (1.0 - b2) * _square(gW)
        m[:], v[:], count[0] = (mU, mW), (vU, vW), t
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        dU = -lr * (mU / c1) / (math.sqrt(vU / c2) + eps)
        dW = -lr * (mW / c1) / (math.sqrt(vW / c2) + eps)
        return (dU, dW), ((mU, mW), (vU, vW), t)

    return step, ("m", "v", "count")


def rprop_closure(step0: float, variant: str, step_min: float | None, step_max: float | None):
    if variant not in optim.RPROP_VARIANTS:
        raise ValueError(f"variant must be one of {optim.RPROP_VARIANTS}, not {variant!r}")
    step0 = float(step0)
    delta, prev_sign, prev_update = [step0, step0], [0.0, 0.0], [0.0, 0.0]

    def adapt(d: float, agreement: float) -> float:  # optim.adapt_step_size
        d = d * (ETA_PLUS if agreement > 0 else (ETA_MINUS if agreement < 0 else 1.0))
        if step_min is not None:
            d = d if d >= step_min else step_min  # np.maximum keeps d on a tie; nan cannot reach here
        if step_max is not None:
            d = d if d <= step_max else step_max
        return d

    def one(j: int, g: float) -> tuple[float, float, float]:
        sign = _sign(g)
        if variant == "rprop-":
            d = adapt(delta[j], 1.0 if sign == prev_sign[j] else -1.0)
            return -sign * d, d, sign
        agreement = sign * prev_sign[j]
        d = adapt(delta[j], agreement)
        if variant == "rprop+":
            if agreement < 0:
                return -prev_update[j], d, 0.0
            return -sign * d, d, sign
        if agreement < 0:  # irprop-: no step, no sign
            sign = 0.0
        return -sign * d, d, sign

    def step(gU, gW, U, W, hessian_of):
        uU, dU, sU = one(0, gU)
        uW, dW, sW = one(1, gW)
        delta[:], prev_sign[:], prev_update[:] = (dU, dW), (sU, sW), (uU, uW)
        if variant == "rprop+":
            return (uU, uW), ((dU, dW), (sU, sW), (uU, uW))
        return (uU, uW), ((dU, dW), (sU, sW))

    names = ("step", "prev_sign", "prev_update") if variant == "rprop+" else ("step", "prev_sign")
    return step, names


def newton_closure(damping: float):
    damping = float(damping)

    def step(gU, gW, U, W, hessian_of):
        h_uu, h_uw, h_ww = hessian_of(U, W)
        if not (math.isfinite(h_uu) and math.isfinite(h_uw) and math.isfinite(h_ww)):
            return None
        dU, dW, low, high = optim.saddle_free_step(gU, gW, h_uu, h_uw, h_ww, damping)
        return (dU, dW), ((low, high),)

    return step, ("eigenvalues",)


# --- a runner's update as the Lockstep takes it ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Stepper:
    """One run's update, as :class:`Lockstep` takes it (what ``race.stepper`` and the ``*_stepper`` functions make).

    Attributes:
        rule: the :class:`_Rule` that updates every run of this kind at once, or None: the settings lie outside
            the range where the rule's arithmetic is proven to be the closure's (then the closure runs alone).
        settings: the numbers the rule reads, one row of its arrays.
        closure: makes this update on Python floats for one run, ``(step, names)`` (the ``*_closure`` functions).
        recipe: ``(function, args)`` that makes this stepper again, and what it pickles as (a trainer in another
            process, :mod:`rnn_core.lockstep_process`, makes its own); a state is never sent, only settings.
    """

    rule: type | None
    settings: tuple
    closure: Callable[[], tuple]
    recipe: tuple

    def __reduce__(self):
        return self.recipe


def _floats(*values) -> tuple[float, ...] | None:
    """The values as floats, or None when one is not a real number (a rule takes numbers only)."""
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None


def sgd_stepper(lr: float) -> Stepper:
    lr = float(lr)
    return Stepper(_SGD, (lr,), lambda: sgd_closure(lr), (sgd_stepper, (lr,)))


def clip_stepper(lr: float, threshold: float, by: str = "norm") -> Stepper:
    lr, threshold = float(lr), float(threshold)
    rule = _ClipNorm if by == "norm" else _ClipValue
    return Stepper(rule, (lr, threshold), lambda: clip_closure(lr, threshold, by), (clip_stepper, (lr, threshold, by)))


def momentum_stepper(lr: float, mu: float) -> Stepper:
    lr, mu = float(lr), float(mu)
    return Stepper(_Momentum, (lr, mu), lambda: momentum_closure(lr, mu), (momentum_stepper, (lr, mu)))


def rmsprop_stepper(lr: float, decay: float, eps: float = 1e-8) -> Stepper:
    lr, decay = float(lr), float(decay)
    numbers = _floats(eps)
    # s stays >= 0 and sqrt(s) + eps > 0 only for these: outside, the float code raises (math.sqrt of a negative,
    # a division by zero), which numpy would not.
    fits = numbers is not None and 0.0 <= decay <= 1.0 and numbers[0] > 0.0
    closure, recipe = (lambda: rmsprop_closure(lr, decay, eps)), (rmsprop_stepper, (lr, decay, eps))
    return Stepper(_RMSProp if fits else None, (lr, decay, *(numbers or ())), closure, recipe)


def adam_stepper(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Stepper:
    lr = float(lr)
    numbers = _floats(b1, b2, eps)
    # Within these, b1**t cannot overflow, 1 - b**t is never 0, v stays >= 0 and sqrt(v_hat) + eps > 0: the float
    # code cannot raise. Outside, it can (OverflowError, ZeroDivisionError, a negative root): it runs per run.
    fits = numbers is not None and -1.0 < numbers[0] < 1.0 and 0.0 <= numbers[1] < 1.0 and numbers[2] > 0.0
    closure, recipe = (lambda: adam_closure(lr, b1, b2, eps)), (adam_stepper, (lr, b1, b2, eps))
    return Stepper(_Adam if fits else None, (lr, *(numbers or ())), closure, recipe)


def rprop_stepper(step0: float, variant: str, step_min: float | None, step_max: float | None) -> Stepper:
    if variant not in optim.RPROP_VARIANTS:
        raise ValueError(f"variant must be one of {optim.RPROP_VARIANTS}, not {variant!r}")
    step0 = float(step0)
    bounds = _floats(0.0 if step_min is None else step_min, 0.0 if step_max is None else step_max)
    rule = _RPROP_RULES[variant] if bounds is not None else None
    settings = (step0, step_min is not None, step_max is not None, *(bounds or (0.0, 0.0)))
    closure = lambda: rprop_closure(step0, variant, step_min, step_max)  # noqa: E731
    return Stepper(rule, settings, closure, (rprop_stepper, (step0, variant, step_min, step_max)))


def newton_stepper(damping: float) -> Stepper:
    damping = float(damping)
    return Stepper(_Newton, (damping,), lambda: newton_closure(damping), (newton_stepper, (damping,)))


# --- the scalar operations above, element-wise over arrays ------------------------------------------------------


def _squares(values: np.ndarray) -> np.ndarray:
    """:func:`_square` of every entry, same shape: C's pow one element at a time, as a numpy scalar squares. Not
    ``values**2`` nor ``np.power``: an array's square is ``g * g`` and its pow a SIMD one, both other bits."""
    flat = values.ravel().tolist()
    try:
        squared = list(map(pow, flat, repeat(2)))  # pow(g, 2) is g**2 on Python floats
    except OverflowError:  # some |g| above 1.3e154: Python raises where numpy gives inf
        squared = [_square(g) for g in flat]
    return np.array(squared, dtype=np.float64).reshape(values.shape)


def _global_norms(G: np.ndarray) -> np.ndarray:
    """:func:`_global_norm` of each row of G (n, 2): (n,)."""
    largest = np.maximum(np.abs(G[:, 0]), np.abs(G[:, 1]))  # max() of two equal values: either, the same bits
    squares = _squares(G / largest[:, None])  # 0/0 where largest is 0: that row takes the branch below
    norms = largest * np.sqrt(squares[:, 0] + squares[:, 1])
    return np.where(np.isfinite(largest) & (largest != 0), norms, largest)


def _clip_values(G: np.ndarray, c: np.ndarray) -> np.ndarray:
    """:func:`_clip_value` of every entry of G (n, 2), each row with its threshold c (n, 1), branch for branch."""
    low = -c
    inside, above, below = (low < G) & (G < c), (G > c) & (c > low), (G < low) & (low < c)
    clipped = np.where(inside, G, np.where(above, c, np.where(below, low, G)))
    rest = ~(inside | above | below)  # ties, and thresholds that are 0, negative or nan
    if rest.any():
        # np.clip with bounds that are arrays takes another loop than with numbers, and the two differ for zeros
        # (np.clip(-0.0, [-0.0], [0.0]) is 0.0, np.clip(-0.0, -0.0, 0.0) is -0.0): each threshold's entries are
        # clipped with it as a number, as the scalar call does. Thresholds are told apart by their bits (nan too).
        thresholds, values = np.broadcast_to(c, G.shape)[rest], G[rest]
        keys = thresholds.view(np.int64)
        done = np.empty_like(values)
        for key in np.unique(keys).tolist():
            same = keys == key
            threshold = float(thresholds[same][0])
            done[same] = np.clip(values[same], -threshold, threshold)
        clipped[rest] = done
    return clipped


# --- where the records go ----------------------------------------------------------------------------------------


class _Pool:
    """The records of many runs in one array (rows, width): each run owns ``held`` consecutive rows from its
    ``base``, one per iteration, so that one fancy-indexed write records a step of every run. Rows are taken from
    the top; when they run out the live runs' rows move, in order, to the bottom of an array twice as large as
    what is live and asked (so each row moves about once, and finished runs' rows are reused)."""

    def __init__(self, width: int):
        self.data = np.empty((0, width))
        self.top = 0

    def take(self, sizes: np.ndarray, bases: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows for new runs of ``sizes`` (m,), beside the live runs at ``bases`` holding ``held`` (k,). Returns the
        new runs' bases (m,) and the live runs' (k,), which change when the array is made anew."""
        need = int(sizes.sum())
        if self.top + need > len(self.data):
            live = int(held.sum())
            moved = np.cumsum(held) - held  # each live run's new base, in order
            data = np.empty((max(2 * (live + need), 64), self.data.shape[1]))
            data[:live] = self.data[np.repeat(bases - moved, held) + np.arange(live)]
            self.data, self.top, bases = data, live, moved
        new = self.top + np.cumsum(sizes) - sizes
        self.top += need
        return new, bases


# --- the updates of every run of one kind at once ----------------------------------------------------------------


class _Rule:
    """Every run of one kind of update, advanced together: each run's settings and optimizer state are one row of
    the arrays in :attr:`state` (n, 1) or (n, 2), in the order of the rule's segment of the :class:`Lockstep`'s
    runs, and its recorded state entries go to rows of :attr:`pool` (``names``, each ``widths`` columns wide).

    A subclass says how a run starts (:meth:`start`) and updates (:meth:`update`), each line the element-wise form
    of its ``*_closure``'s, in the same order.
    """

    names: tuple[str, ...] = ()
    widths: tuple[int, ...] = ()  # 1: a number per update, (k,); 2: one per weight, (k, 2)
    # From this many runs going together, the rule's whole-array operations (a fixed cost: 5 to 50 numpy calls of
    # about 1 us) cost less than the runs' closures (a few us per run): bench/bench_lockstep_kinds.py measures each
    # kind both ways. Below it, a lone student's race would pay for arrays of one row.
    few = 4

    def __init__(self):
        self.state: dict[str, np.ndarray] = {}
        self.pool = _Pool(sum(self.widths))
        self.pending: list[tuple] = []  # updates recorded, not yet written: (bases, iterations, entries)
        self.base = np.zeros(0, dtype=np.int64)  # each run's first row in the pool, and how many it holds
        self.held = np.zeros(0, dtype=np.int64)
        self.n = 0

    def start(self, settings: list) -> dict[str, np.ndarray]:
        """The state arrays of new runs, one row per run, from their settings."""
        raise NotImplementedError

    def update(self, G: np.ndarray, UW: np.ndarray, i: np.ndarray, hessian_of: Callable) -> tuple:
        """One update of every run: from the gradients G (n, 2) at the weights UW (n, 2) in iteration i (n,),
        returns the updates (n, 2), which runs' Hessian overflowed ((n,) bool, or None) and the errors raised,
        ``[(row, exception)]``; records the new state entries at row i of each run."""
        raise NotImplementedError

    def add(self, settings: list, sizes: np.ndarray) -> None:
        """New runs, at the end: their settings, and ``sizes`` (m,) rows each for their records (their n_iter)."""
        for key, value in self.start(settings).items():
            self.state[key] = np.concatenate((self.state[key], value)) if key in self.state else value
        self.write()  # before the rows move
        new, self.base = self.pool.take(sizes, self.base, self.held)
        self.base, self.held = np.concatenate((self.base, new)), np.concatenate((self.held, sizes))
        self.n += len(settings)

    def keep(self, mask: np.ndarray) -> None:
        """Keep the runs where ``mask`` (n,) is True, in order."""
        self.state = {key: value[mask] for key, value in self.state.items()}
        self.base, self.held = self.base[mask], self.held[mask]
        self.n = len(self.base)

    def record(self, i: np.ndarray, *entries: np.ndarray) -> None:
        """Record the entries of this update (each (n,) or (n, 2), in ``names`` order) for row i of each run: kept
        as they are (no rule changes an array in place) and written with the next steps' (:meth:`write`)."""
        self.pending.append((self.base, i, entries))
        if len(self.pending) == _PENDING:
            self.write()

    def write(self) -> None:
        """Write the recorded updates into the pool, all in one: before a run's rows are read, and before they
        move."""
        if not self.pending:
            return
        bases, rows, entries = zip(*self.pending, strict=True)
        self.pending = []
        at = np.concatenate(bases) + np.concatenate(rows)
        self.pool.data[at] = np.column_stack([np.concatenate(entry) for entry in zip(*entries, strict=True)])

    def series(self, k: int, updates: int) -> dict[str, np.ndarray]:
        """Run k's recorded state entries after ``updates`` updates, as ``race.state_series`` makes fit's: ``{}``
        when there is none."""
        if not updates or not self.names:
            return {}
        self.write()
        rows = self.pool.data[self.base[k] : self.base[k] + updates]
        columns = np.cumsum((0, *self.widths))
        return {
            name: (rows[:, a] if width == 1 else rows[:, a:b]).copy()
            for name, width, a, b in zip(self.names, self.widths, columns[:-1], columns[1:], strict=True)
        }


def _column(values: list, at: int) -> np.ndarray:
    """Entry ``at`` of each settings tuple, as a column (m, 1) that broadcasts against (m, 2)."""
    return np.array([v[at] for v in values], dtype=np.float64).reshape(-1, 1)


class _SGD(_Rule):
    def start(self, settings):
        return {"neg_lr": -_column(settings, 0)}  # -lr * g, the closure's (-lr) * g

    def update(self, G, UW, i, hessian_of):
        return self.state["neg_lr"] * G, None, ()


class _ClipNorm(_Rule):
    names, widths = ("raw_norm", "clipped", "clipped_grad"), (1, 1, 2)
    few = 12

    def start(self, settings):
        return {"neg_lr": -_column(settings, 0), "threshold": _column(settings, 1)[:, 0]}

    def update(self, G, UW, i, hessian_of):
        threshold = self.state["threshold"]
        norms = _global_norms(G)
        clipped = np.isfinite(norms) & (norms >= threshold)
        scale = np.where(norms > 0, threshold / norms, 0.0)
        G = np.where(clipped[:, None], G * scale[:, None], G)  # unclipped rows untouched, as the closure's
        self.record(i, norms, clipped, G)
        return self.state["neg_lr"] * G, None, ()


class _ClipValue(_Rule):
    names, widths = ("raw_norm", "clipped", "clipped_grad"), (1, 1, 2)
    few = 12

    def start(self, settings):
        return {"neg_lr": -_column(settings, 0), "threshold": _column(settings, 1)}

    def update(self, G, UW, i, hessian_of):
        C = _clip_values(G, self.state["threshold"])
        self.record(i, _global_norms(G), (C != G).any(axis=1), C)
        return self.state["neg_lr"] * C, None, ()


class _Momentum(_Rule):
    names, widths = ("v",), (2,)

    def start(self, settings):
        return {"neg_lr": -_column(settings, 0), "mu": _column(settings, 1), "v": np.zeros((len(settings), 2))}

    def update(self, G, UW, i, hessian_of):
        v = self.state["v"] = self.state["mu"] * self.state["v"] + G
        self.record(i, v)
        return self.state["neg_lr"] * v, None, ()


class _RMSProp(_Rule):
    names, widths = ("s",), (2,)
    few = 8

    def start(self, settings):
        decay = _column(settings, 1)
        return {
            "neg_lr": -_column(settings, 0),
            "decay": decay,
            "rest": 1.0 - decay,  # the closure's (1.0 - decay), the same subtraction
            "eps": _column(settings, 2),
            "s": np.zeros((len(settings), 2)),
        }

    def update(self, G, UW, i, hessian_of):
        state = self.state
        s = state["s"] = state["decay"] * state["s"] + state["rest"] * _squares(G)
        self.record(i, s)
        return state["neg_lr"] * G / (np.sqrt(s) + state["eps"]), None, ()


class _Adam(_Rule):
    names, widths = ("m", "v", "count"), (2, 2, 1)
    few = 12

    def start(self, settings):
        b1, b2 = _column(settings, 1), _column(settings, 2)
        zeros = np.zeros((len(settings), 2))
        return {
            "neg_lr": -_column(settings, 0),
            "b1": b1,
            "rest1": 1.0 - b1,  # the closure's (1.0 - b1)
            "b2": b2,
            "rest2": 1.0 - b2,
            "eps": _column(settings, 3),
            "m": zeros,
            "v": zeros.copy(),
        }

    def update(self, G, UW, i, hessian_of):
        state = self.state
        m = state["m"] = state["b1"] * state["m"] + state["rest1"] * G
        v = state["v"] = state["b2"] * state["v"] + state["rest2"] * _squares(G)
        t = (i + 1).tolist()  # the update's count: this run's iteration, plus one
        # b**t with an int t is Python's float pow, as the closure's: one call per run and moment
        c1 = [1.0 - b**n for b, n in zip(state["b1"][:, 0].tolist(), t, strict=True)]
        c2 = [1.0 - b**n for b, n in zip(state["b2"][:, 0].tolist(), t, strict=True)]
        c1, c2 = np.array(c1)[:, None], np.array(c2)[:, None]
        self.record(i, m, v, i + 1)
        return state["neg_lr"] * (m / c1) / (np.sqrt(v / c2) + state["eps"]), None, ()


class _Rprop(_Rule):
    """Rprop's three variants: each run's step through :data:`rnn_core.optim.RPROP_STEPS`, the very functions the
    optimizer ``fit`` runs calls, on whole arrays (each run its own bounds: ±inf where it has none, which
    ``np.maximum``/``np.minimum`` leave as no bound)."""

    names, widths = ("step", "prev_sign"), (2, 2)
    few = 12
    step = staticmethod(optim.rprop_minus_step)

    def start(self, settings):
        n = len(settings)
        return {
            "step": np.repeat(_column(settings, 0), 2, axis=1),
            "prev_sign": np.zeros((n, 2)),
            "prev_update": np.zeros((n, 2)),
            "step_min": np.where(_column(settings, 1) != 0, _column(settings, 3), -np.inf),
            "step_max": np.where(_column(settings, 2) != 0, _column(settings, 4), np.inf),
        }

    def update(self, G, UW, i, hessian_of):
        state = self.state
        bounds, previous = (state["step_min"], state["step_max"]), state["prev_update"]
        update, d, sign = self.step(G, state["prev_sign"], state["step"], ETA_PLUS, ETA_MINUS, bounds, previous)
        state["step"], state["prev_sign"], state["prev_update"] = d, sign, update
        self.record(i, d, sign, *((update,) if "prev_update" in self.names else ()))
        return update, None, ()


class _RpropMinus(_Rprop):
    pass


class _RpropPlus(_Rprop):
    names, widths = ("step", "prev_sign", "prev_update"), (2, 2, 2)
    step = staticmethod(optim.rprop_plus_step)


class _IRpropMinus(_Rprop):
    step = staticmethod(optim.irprop_minus_step)


_RPROP_RULES = {"rprop-": _RpropMinus, "rprop+": _RpropPlus, "irprop-": _IRpropMinus}


class _Hessians:
    """The data's Hessian of the counting RNN's cost, as :func:`counting.hessian_entries` gives it: called with
    (U, W) it gives the three entries as floats (what the closures read); :attr:`polynomials` are the data's part,
    made once (:func:`counting.hessian_polynomials`)."""

    def __init__(self, X: np.ndarray, targets: np.ndarray):
        self.polynomials = counting.hessian_polynomials(X, targets)

    def __call__(self, U: float, W: float) -> tuple[float, float, float]:
        return counting.hessian_entries(self.polynomials, U, W)


def _hessian_entries(polynomials: np.ndarray, U: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`counting.hessian_entries` at every (U[k], W[k]), each (m,): the powers of W by the same running
    product, column by column; each run's six sums by its own dot product (the one the scalar call makes: BLAS
    sums in an order of its own, which one product for all runs need not keep); the entries element-wise."""
    m, n = len(U), polynomials.shape[1]
    powers = np.empty((n, m))
    powers[0] = 1.0
    for j in range(1, n):
        np.multiply(powers[j - 1], W, out=powers[j])  # overflow gives inf, as on floats
    rows = np.ascontiguousarray(powers.T)  # each run's powers contiguous, as the list the scalar call makes
    pp, pd, pd2, dd, dy, d2y = np.array([polynomials.dot(row) for row in rows]).reshape(m, 6).T
    return 2.0 * pp, 2.0 * (2.0 * U * pd - dy), 2.0 * (U * U * dd + U * (U * pd2 - d2y))


def _saddle_free_steps(g_u, g_w, a, b, c, damping) -> tuple[np.ndarray, ...]:
    """:func:`optim.saddle_free_step` (through :func:`optim.symmetric_eigen`, LAPACK's dlaev2) for every run,
    each (m,): every branch computed for all and each run's taken by the same tests, in the same order. Returns
    ``(step_u, step_w, low, high)``."""
    sm, df, tb = a + c, a - c, b + b
    adf, ab = np.abs(df), np.abs(tb)
    first = np.abs(a) > np.abs(c)
    big_diag, small_diag = np.where(first, a, c), np.where(first, c, a)
    ratio_d, ratio_b = ab / adf, adf / ab  # 0/0 where both are 0: that run takes the third branch
    rt = np.where(
        adf > ab,
        adf * np.sqrt(1.0 + ratio_d * ratio_d),
        np.where(adf < ab, ab * np.sqrt(1.0 + ratio_b * ratio_b), ab * math.sqrt(2.0)),
    )
    negative, positive = sm < 0, sm > 0
    big = np.where(negative, 0.5 * (sm - rt), np.where(positive, 0.5 * (sm + rt), 0.5 * rt))
    small = np.where(negative | positive, (big_diag / big) * small_diag - (b / big) * b, -0.5 * rt)
    big_sign = np.where(negative, -1, 1)
    rising = df >= 0
    cs, df_sign = np.where(rising, df + rt, df - rt), np.where(rising, 1, -1)
    ct, tn = -tb / cs, -cs / tb
    sin_1 = 1.0 / np.sqrt(1.0 + ct * ct)
    cos_3 = 1.0 / np.sqrt(1.0 + tn * tn)
    along_cs, flat = np.abs(cs) > ab, ab == 0
    cos = np.where(along_cs, ct * sin_1, np.where(flat, 1.0, cos_3))
    sin = np.where(along_cs, sin_1, np.where(flat, 0.0, tn * cos_3))
    swap = big_sign == df_sign
    cos, sin = np.where(swap, -sin, cos), np.where(swap, cos, sin)
    along_big, along_small = g_u * cos + g_w * sin, g_w * cos - g_u * sin
    curvature_big, curvature_small = np.abs(big) + damping, np.abs(small) + damping
    q_big = np.where(curvature_big > 0, along_big / curvature_big, 0.0)
    q_small = np.where(curvature_small > 0, along_small / curvature_small, 0.0)
    step_u, step_w = -(q_big * cos - q_small * sin), -(q_big * sin + q_small * cos)
    ordered = small <= big
    return step_u, step_w, np.where(ordered, small, big), np.where(ordered, big, small)


class _Newton(_Rule):
    """Newton's runs: the Hessian at each run's weights (:func:`_hessian_entries`) and the saddle-free step of its
    2x2 eigen-problem (:func:`_saddle_free_steps`), element-wise but for one dot product per run. Its branches
    cost about fifty whole-array operations whatever the number of runs: a race's one run takes its closure."""

    names, widths = ("eigenvalues",), (2,)
    few = 16

    def start(self, settings):
        return {"damping": _column(settings, 0)[:, 0]}

    def update(self, G, UW, i, hessian_of):
        U, W = UW[:, 0], UW[:, 1]
        h_uu, h_uw, h_ww = _hessian_entries(hessian_of.polynomials, U, W)
        overflowed = ~(np.isfinite(h_uu) & np.isfinite(h_uw) & np.isfinite(h_ww))
        step_u, step_w, low, high = _saddle_free_steps(G[:, 0], G[:, 1], h_uu, h_uw, h_ww, self.state["damping"])
        # In the scalar code only big == 0 could raise (a division); it cannot be 0 where sm is not (see
        # optim.symmetric_eigen: |big| >= |sm| / 2 and sm is a sum of finite doubles), so no run raises here.
        self.record(i, low, high)
        return np.stack((step_u, step_w), axis=1), (overflowed if overflowed.any() else None), ()


def _finite(*arrays: np.ndarray) -> bool:
    """True when the sum of all the entries is finite, and so each is (an inf or nan makes the sum inf or nan); a
    sum that overflows gives False too, for the caller's exact check. A few entries are summed as Python floats:
    a numpy reduction's call costs more than their arithmetic."""
    total = 0.0
    for array in arrays:
        total += sum(array.ravel().tolist()) if array.size <= 16 else np.add.reduce(array, axis=None)
    return math.isfinite(total)


_NOWHERE = (math.nan, math.nan)  # the update of a run that ends without one
_PENDING = 64  # steps recorded before they are written in one (a step's own write costs more than its arithmetic)


class _Closures(_Rule):
    """Runs whose update is a ``(step, names)`` closure on Python floats, called once per run: a stepper given
    that way, and settings a rule does not take. Their records are kept as the closures return them."""

    def __init__(self):
        super().__init__()
        self.steps: list[Callable] = []
        self.keys: list[tuple] = []  # each run's names
        self.records: list[list] = []

    def add(self, settings: list, sizes: np.ndarray) -> None:
        self.steps += [step for step, _names in settings]
        self.keys += [names for _step, names in settings]
        self.records += [[] for _ in settings]
        self.n += len(settings)

    def keep(self, mask: np.ndarray) -> None:
        self.steps, self.keys, self.records = (list(compress(x, mask)) for x in (self.steps, self.keys, self.records))
        self.n = len(self.steps)

    def update(self, G, UW, i, hessian_of):
        updates, overflowed, errors = [], [], []
        runs = zip(self.steps, self.records, G.tolist(), UW.tolist(), strict=True)
        for k, (step, records, (gU, gW), (U, W)) in enumerate(runs):
            try:
                taken = step(gU, gW, U, W, hessian_of)
            except Exception as error:  # its group fails, alone
                errors.append((k, error))
                updates += _NOWHERE
                continue
            if taken is None:  # only Newton's Hessian can fail here
                overflowed.append(k)
                updates += _NOWHERE
                continue
            update, record = taken
            updates += update  # (dU, dW), flat: numpy makes a flat list into an array fastest
            records.append(record)  # kept only up to the run's updates (a last one may overflow)
        hessian = None
        if overflowed:
            hessian = np.zeros(len(G), dtype=bool)
            hessian[overflowed] = True
        return np.array(updates, dtype=np.float64).reshape(-1, 2), hessian, errors

    def series(self, k: int, updates: int) -> dict[str, np.ndarray]:
        records = self.records[k][:updates]
        if not records:
            return {}
        columns = list(zip(*records, strict=True))
        return {name: np.array(column, dtype=np.float64) for name, column in zip(self.keys[k], columns, strict=True)}


# --- the engine ---------------------------------------------------------------------------------------------------


def run(
    X: np.ndarray,
    targets: np.ndarray,
    start: tuple[float, float] | dict,
    steppers: dict,
    n_iter: int,
    until_below: float | None = None,
) -> dict[str, tuple[counting.Trajectory, dict[str, np.ndarray]]]:
    """Train every ``name: stepper`` from ``start`` for ``n_iter`` updates, in lockstep; each stops on divergence.
    ``start`` is one (U, W) for all, or ``{name: (U, W)}``: each run its own start (the runs are independent, and
    one evaluation serves them all, so a search over starts costs little more than one run). With
    ``until_below``, all stop at the first iteration where some run's cost (a finite evaluation) is at most that,
    exactly as if ``n_iter`` were that iteration: what decides who wins a race to that cost, at a fraction of the
    race (each run is then the first part of its whole run).

    A stepper is what the ``*_stepper`` functions (``race.stepper``) make, or a ``(step, names)`` pair as the
    ``*_closure`` functions make (called once per run and update). Returns ``{name: (trajectory, series)}`` in
    the order given: the trajectory is ``counting.fit``'s for that runner with ``states`` empty, and ``series``
    its states as arrays (``race.state_series`` of ``fit``'s).
    """
    result = run_groups(X, targets, [Group(start, steppers, n_iter, until_below)])[0]
    if isinstance(result, Exception):
        raise result
    return result


@dataclass(frozen=True)
class Group:
    """Runs that belong together in a :class:`Lockstep`: ``run``'s arguments after the data (``start`` one
    (U, W) or ``{name: (U, W)}``; ``until_below`` stops this group's runs, not the others')."""

    start: tuple[float, float] | dict
    steppers: dict
    n_iter: int
    until_below: float | None = None


Result = dict[str, tuple[counting.Trajectory, dict[str, np.ndarray]]]


def run_groups(X: np.ndarray, targets: np.ndarray, groups: list[Group]) -> list[Result | Exception]:
    """:func:`run` for several groups on the same data in one :class:`Lockstep`: each group gets what ``run``
    gives it alone (or the exception one of its updates raised)."""
    together = Lockstep(X, targets)
    ids = [together.add(group) for group in groups]
    results = {}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # once, not once a step (1.5 us each)
        while not together.idle:
            results.update(together.advance())
    return [results[k] for k in ids]


def _trajectory(rows: np.ndarray, costs: int, stopped: tuple | None) -> counting.Trajectory:
    """A run's :class:`~rnn_core.counting.Trajectory` from its rows of the Lockstep's pool (m, 7): U, W, cost, dU
    and dW of the gradient, and the update; ``costs`` of them evaluated finite, ``len(rows) - 1`` updates.
    What ``counting.trajectory`` makes of ``fit``'s lists, detail included."""
    diverged_at, reason, detail = stopped or (None, None, {})
    detail = dict(detail)
    if reason in ("state", "cost", "gradient") and costs:
        cost, gU, gW = rows[costs - 1, 2:5].tolist()
        detail.update(cost=cost, grad_norm=float(np.hypot(gU, gW)))
    return counting.Trajectory(
        params=rows[:, 0:2].copy(),
        costs=rows[:costs, 2].copy(),
        grads=rows[:costs, 3:5].copy(),
        updates=rows[:-1, 5:7].copy(),
        diverged_at=diverged_at,
        reason=reason,
        detail=detail,
    )


class _Members:
    """An unfinished group: its runs' names in order, the results of those that ended, how many go on."""

    __slots__ = ("names", "results", "left")

    def __init__(self, names: list[str]):
        self.names, self.results, self.left = names, {}, len(names)


class _Joining:
    """A run added to a :class:`Lockstep`, not yet placed among the runs going (it is at the next step)."""

    __slots__ = ("group", "name", "rule", "settings", "closure", "start", "n_iter", "goal")

    def __init__(self, group: int, name: str, stepper, start, n_iter: int, goal: float | None):
        self.group, self.name, self.n_iter, self.goal = group, name, n_iter, goal
        if isinstance(stepper, Stepper):
            self.rule, self.settings, self.closure = stepper.rule, stepper.settings, stepper.closure
        else:  # a (step, names) pair, called as it is; a malformed one fails its own group's add, not a step
            step, names = stepper
            names = tuple(names)
            self.rule, self.settings, self.closure = None, None, lambda: (step, names)
        self.start = (float(start[0]), float(start[1]))


class Lockstep:
    """Independent groups of runs on one data set, advanced together: each :meth:`step` is one evaluation of every
    run still going (:class:`Evaluator`) and each run's update, the runs of each kind together (:class:`_Rule`). A
    group may join between any two steps and starts at its own first iteration; what each group gets is bit for
    bit what :func:`run` gives it alone (each pair's evaluation ignores the other pairs, each update reads its own
    row of its kind's state). A group one of whose updates raised gets that exception in place of its results; the
    others go on (one group's settings cannot fail another's).

    The runs going are the rows of arrays (K,) or (K, 2), in segments, one per rule (in the order the rules came),
    each run's row in its rule's arrays the same as in its segment; a run's records are rows of :attr:`rows`, a
    :class:`_Pool` of (U, W, cost, gradient (2), update (2)), one row per iteration. A kind's whole-array update
    costs about as much for one run as for fifty, and a closure's about a tenth of that per run: the runs that join
    at a step take their kind's rule when there are at least ``rule.few`` runs of it going with them, else their
    closures (a lone student's race is seven kinds of one run each), and keep what they took to their end.

    Why: forty students who each move a setting at once need forty runs, and one evaluation of forty pairs costs
    a few times one pair's (bench/bench_race.py), where forty evaluations cost forty times; and a run that joins
    the runs already going gets its results after its own iterations, not after theirs (:mod:`ui.batched_runs`).
    """

    def __init__(self, X: np.ndarray, targets: np.ndarray):
        self.evaluate = Evaluator(X, targets)
        self.hessian_of = _Hessians(X, targets)  # the data's part of the Hessian, once
        self.rules: dict[type, _Rule] = {}  # one per rule in use, in the order their segments come
        self.rows = _Pool(7)
        self.pending: list[tuple] = []  # steps not yet in self.rows: (rows (K,), UW, c, G, D), each run's row
        self.UW = np.empty((0, 2))  # the runs going: weights
        self.since = np.zeros(0, dtype=np.int64)  # the step of its first iteration: it is at clock - since
        self.last = np.zeros(0, dtype=np.int64)  # the step of its last (since + n_iter)
        self.i: np.ndarray | None = None  # each run's iteration in the step going on (_iterations)
        self.goal = np.empty(0)  # its group's until_below, nan for none (no cost is <= nan)
        self.group = np.zeros(0, dtype=np.int64)  # its group's id
        self.order = np.zeros(0, dtype=np.int64)  # the order it joined in, over all groups
        self.kind = np.zeros(0, dtype=np.int64)  # its rule's place in self.rules
        self.family = np.zeros(0, dtype=np.int64)  # its stepper's rule (even when its closure runs), in families
        self.base = np.zeros(0, dtype=np.int64)  # its rows in self.rows, from base, n_iter + 1 of them
        self.held = np.zeros(0, dtype=np.int64)
        self.origin = np.zeros(0, dtype=np.int64)  # base - since: its row in this step is origin + clock
        self.names: list[str] = []  # its name in its group
        self.families: dict[type | None, int] = {}
        self.clock = 0  # steps taken
        self.soonest = 0  # the first step at which a run going reaches its n_iter
        self.any_goal = False
        self.joining: list[_Joining] = []
        self.groups: dict[int, _Members] = {}  # groups not finished, by id
        self.done: dict[int, Result | Exception] = {}  # finished, not yet returned by step()
        self.count = 0
        self.joined = 0

    @property
    def idle(self) -> bool:
        return not self.groups and not self.done

    def add(self, group: Group) -> int:
        """Start ``group`` at the next step; returns its id (``step`` returns its results under it)."""
        g, self.count = self.count, self.count + 1
        starts = group.start if isinstance(group.start, dict) else dict.fromkeys(group.steppers, group.start)
        n_iter = int(group.n_iter)
        runs = [
            _Joining(g, name, stepper, starts[name], n_iter, group.until_below)
            for name, stepper in group.steppers.items()
        ]
        if not runs or n_iter < 0:  # no iteration to run, as fit's range(n_iter + 1) runs none
            self.done[g] = {run.name: (counting.trajectory([], [], [], [], []), {}) for run in runs}
            return g
        self.groups[g] = _Members([run.name for run in runs])
        self.joining += runs
        return g

    def step(self) -> dict[int, Result | Exception]:
        """One iteration of every run going; returns the groups that finished, ``{id: results or exception}``."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is reported, not warned
            return self.advance()

    def advance(self) -> dict[int, Result | Exception]:
        """:meth:`step`, for a caller already under ``np.errstate`` that ignores overflow, invalid and divide."""
        finished, self.done = self.done, {}
        if self.joining:
            self._place(self.joining)
            self.joining = []
        if len(self.UW):
            self._step(finished)
        return finished

    def _place(self, runs: list[_Joining]) -> None:
        """The runs that joined since the last step, each at the end of its rule's segment (a new rule's at the
        end), with their rows taken."""
        families = [self.families.setdefault(run.rule, len(self.families)) for run in runs]
        joining = np.bincount(families, minlength=len(self.families))
        going = np.bincount(self.family, minlength=len(self.families))
        vector = {rule: rule is not None and going[f] + joining[f] >= rule.few for rule, f in self.families.items()}
        placed = {}  # rule -> [settings], in join order
        rules = []
        for run in runs:
            rule = run.rule if vector[run.rule] else _Closures
            placed.setdefault(rule, []).append(run.settings if rule is run.rule else run.closure())
            rules.append(rule)
        for rule, settings in placed.items():
            if rule not in self.rules:
                self.rules[rule] = rule()
            sizes = np.array([run.n_iter for run, r in zip(runs, rules, strict=True) if r is rule], dtype=np.int64)
            self.rules[rule].add(settings, sizes)
        place = list(self.rules)
        m = len(runs)
        n_iter = np.array([run.n_iter for run in runs], dtype=np.int64)
        self._write()  # before the rows move
        new, self.base = self.rows.take(n_iter + 1, self.base, self.held)
        goals = [math.nan if run.goal is None else run.goal for run in runs]
        columns = {
            "UW": (self.UW, np.array([run.start for run in runs], dtype=np.float64).reshape(m, 2)),
            "since": (self.since, np.full(m, self.clock, dtype=np.int64)),
            "last": (self.last, self.clock + n_iter),
            "goal": (self.goal, np.array(goals, dtype=np.float64)),
            "group": (self.group, np.array([run.group for run in runs], dtype=np.int64)),
            "order": (self.order, np.arange(self.joined, self.joined + m, dtype=np.int64)),
            "kind": (self.kind, np.array([place.index(rule) for rule in rules], dtype=np.int64)),
            "family": (self.family, np.array(families, dtype=np.int64)),
            "base": (self.base, new),
            "held": (self.held, n_iter + 1),
        }
        self.joined += m
        order = np.argsort(np.concatenate(columns["kind"]), kind="stable")  # each segment: old runs, then new
        for name, (old, added) in columns.items():
            setattr(self, name, np.concatenate((old, added))[order])
        names = self.names + [run.name for run in runs]
        self.names = [names[k] for k in order.tolist()]
        self.origin = self.base - self.since  # the live runs' rows may have moved
        self._settle()

    def _settle(self) -> None:
        """What the runs going decide for the steps to come: when the first ends, whether any has a goal."""
        self.soonest = int(self.last.min()) if len(self.last) else self.clock
        self.any_goal = bool(len(self.goal)) and not np.isnan(self.goal).all()

    def _step(self, finished: dict) -> None:
        UW = self.UW
        c, grads = self.evaluate.gradients(UW[:, 0], UW[:, 1])
        G = grads.T  # (K, 2)
        self.i = None  # each run's iteration, made when asked (_iterations): closures do not need it
        at = self.origin + self.clock
        ended: set[int] = set()
        # Only a step where some run ends writes what those runs read (a goal that no run reached ends none).
        if self.clock == self.soonest or not _finite(c, grads) or (self.any_goal and self._goal_reached(c, G)):
            self._iterations()
            self._write()
            self.rows.data[at, :5] = np.concatenate((UW, c[:, None], G), axis=1)  # what the runs that end read
            going = self._ends(c, G, ended)
            if going is not None:
                c, G, at = c[going], G[going], at[going]
        failed = self._update(G, c, at, ended) if len(self.UW) else {}
        self.clock += 1
        if ended or failed:
            self._settle()
            self._close(ended, failed, finished)

    def _iterations(self) -> np.ndarray:
        """Each run's iteration in this step, (K,): made once a step, when a rule or a run that ends asks."""
        if self.i is None:
            self.i = self.clock - self.since
        return self.i

    def _goal_reached(self, c: np.ndarray, G: np.ndarray) -> bool:
        """Whether a run with a goal is at it in this step (a finite gradient, its cost at most its goal)."""
        return bool(((c <= self.goal) & np.isfinite(G[:, 0]) & np.isfinite(G[:, 1])).any())

    def _ends(self, c: np.ndarray, G: np.ndarray, ended: set) -> np.ndarray | None:
        """The runs whose evaluation is their last (their last iteration, their group's goal reached, an overflow)
        end here, their groups added to ``ended``. Returns which go on ((K,) bool), None when all do."""
        gU, gW = G[:, 0], G[:, 1]
        finite_gradient = np.isfinite(gU) & np.isfinite(gW)
        finite = np.isfinite(c) & finite_gradient
        ending = self.last == self.clock
        if self.any_goal:
            hit = (c <= self.goal) & finite_gradient  # a group with a goal stops, all of it, where one run is
            if hit.any():
                ending |= np.isin(self.group, self.group[hit])
        going = finite & ~ending
        if going.all():
            return None
        for k in np.flatnonzero(~going).tolist():
            i = int(self.i[k])
            if finite[k]:
                self._finish(k, i + 1, None, ended)
                continue
            U, W = self.UW[k].tolist()
            cost, dU, dW = float(c[k]), float(gU[k]), float(gW[k])
            reason, detail = counting.first_overflow(self.evaluate.ST[:, k].T, cost, dU, dW)
            self._finish(k, i, (i, reason, {"U": U, "W": W, **detail}), ended)
        self._keep(going)
        return going

    def _update(self, G: np.ndarray, c: np.ndarray, at: np.ndarray, ended: set) -> dict:
        """Every run's update, rule by rule, from the gradients G (K, 2) and costs c (K,) at the weights, recorded
        with them at the rows ``at`` (K,). The runs whose Hessian or new weights overflow end here (their groups
        added to ``ended``); returns the groups one of whose updates raised, each with the error of its first run
        (in join order)."""
        parts, overflowed, raised = [], None, []
        start = 0
        for rule in self.rules.values():
            if not rule.n:
                continue
            end = start + rule.n
            i = None if rule.__class__ is _Closures else self._iterations()[start:end]
            D, hessian, errors = rule.update(G[start:end], self.UW[start:end], i, self.hessian_of)
            parts.append(D)
            if hessian is not None and hessian.any():
                overflowed = np.zeros(len(G), dtype=bool) if overflowed is None else overflowed
                overflowed[start:end] = hessian
            raised += [(int(self.order[start + k]), int(self.group[start + k]), error) for k, error in errors]
            start = end
        D = np.concatenate(parts) if len(parts) > 1 else parts[0]
        new = self.UW + D
        self.pending.append((at, self.UW, c, G, D))  # an update that overflows is past its run's end: never read
        if len(self.pending) == _PENDING:
            self._write()
        failed: dict[int, Exception] = {}
        for _order, g, error in sorted(raised, key=lambda entry: entry[0]) if raised else ():
            failed.setdefault(g, error)
        if overflowed is not None or failed or not _finite(new):
            self._iterations()
            ok = np.isfinite(new[:, 0]) & np.isfinite(new[:, 1])
            if overflowed is not None:
                ok &= ~overflowed
            if failed:
                ok &= ~np.isin(self.group, list(failed))
            if not ok.all():
                self._write()
                for k in np.flatnonzero(~ok).tolist():
                    if int(self.group[k]) in failed:
                        continue
                    i, (U, W), (gU, gW) = int(self.i[k]), self.UW[k].tolist(), G[k].tolist()
                    at_k = {"U": U, "W": W, "cost": float(c[k]), "grad_norm": float(np.hypot(gU, gW))}
                    hessian = overflowed is not None and overflowed[k]
                    self._finish(k, i + 1, (i, "hessian", at_k) if hessian else (i + 1, "parameters", at_k), ended)
                self._keep(ok)
                new = new[ok]
        self.UW = new
        return failed

    def _write(self) -> None:
        """Write the steps recorded since the last write into :attr:`rows`, all in one: before any run's rows are
        read, and before they move."""
        if not self.pending:
            return
        at, UW, c, G, D = (np.concatenate(part) for part in zip(*self.pending, strict=True))
        self.pending = []
        block = np.empty((len(at), 7))
        block[:, :2], block[:, 2], block[:, 3:5], block[:, 5:] = UW, c, G, D
        self.rows.data[at] = block

    def _close(self, ended: set, failed: dict, finished: dict) -> None:
        """The groups that failed, and those whose runs have all ended, are finished: their results, in order."""
        for g in sorted(ended | failed.keys()):
            if g in self.groups and (g in failed or self.groups[g].left == 0):
                members = self.groups.pop(g)
                finished[g] = failed[g] if g in failed else {name: members.results[name] for name in members.names}

    def _finish(self, k: int, costs: int, stopped: tuple | None, ended: set) -> None:
        """Run k's results, from its rows and its rule's records: ``costs`` evaluations, ``self.i[k]`` updates."""
        g = int(self.group[k])
        ended.add(g)
        members = self.groups[g]
        i, base = int(self.i[k]), int(self.base[k])
        rule = list(self.rules.values())[int(self.kind[k])]
        local = k - int(np.count_nonzero(self.kind < self.kind[k]))  # its row in its rule's arrays
        trajectory = _trajectory(self.rows.data[base : base + i + 1], costs, stopped)
        members.results[self.names[k]] = (trajectory, rule.series(local, i))
        members.left -= 1

    def _keep(self, mask: np.ndarray) -> None:
        """Keep the runs going where ``mask`` (K,) is True, in every array, each rule's among them."""
        start = 0
        for rule in self.rules.values():
            end = start + rule.n
            if rule.n and not mask[start:end].all():
                rule.keep(mask[start:end])
            start = end
        for name in ("UW", "since", "last", "goal", "group", "order", "kind", "family", "base", "held", "origin"):
            setattr(self, name, getattr(self, name)[mask])
        if self.i is not None:
            self.i = self.i[mask]
        self.names = list(compress(self.names, mask.tolist()))
