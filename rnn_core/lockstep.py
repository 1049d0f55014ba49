"""The fast engine of the optimizer race: every runner of :mod:`rnn_core.race` trained in lockstep, bit for bit
what :func:`rnn_core.counting.fit` gives it alone.

``counting.fit`` is the loop the lessons show, and the definition: forward, cost, BPTT, the overflow checks, one
optimizer update through the ``init``/``update`` dicts of :mod:`rnn_core.optim`. Its cost per iteration is
almost all Python and numpy call overhead on arrays of 50 numbers. This engine keeps every floating-point
operation of that loop and changes only what surrounds them:

* one evaluation serves every run still going (:class:`Evaluator`): the recurrence and BPTT's running product
  advance all runs together, into buffers allocated once, and the per-step sums and the two gradients take a
  handful of whole-array calls instead of a loop over the steps;
* each runner's update is its optimizer's arithmetic written on Python floats (the ``*_stepper`` functions), in
  the same order as :mod:`rnn_core.optim` writes it on numpy scalars: IEEE arithmetic gives the same bits, and a
  float operation costs a few nanoseconds where a numpy scalar's costs a hundred;
* what ``fit`` records as a tuple of state dicts is recorded straight into the lane's arrays.

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
from dataclasses import dataclass

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
        grads = add.reduce(terms, axis=2)
        return costs, grads[0], grads[1]


# --- each runner's update on Python floats -----------------------------------------------------------------
# A stepper is made from a runner's settings; stepper(gU, gW, U, W, hessian_of) returns the update (dU, dW) and
# the state entries to record, or None when Newton's Hessian overflowed (hessian_of(U, W) gives its three
# entries). Every line mirrors rnn_core.optim's.


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


def sgd_stepper(lr: float):
    lr = float(lr)

    def step(gU, gW, U, W, hessian_of):
        return (-lr * gU, -lr * gW), ()

    return step, ()


def clip_stepper(lr: float, threshold: float, by: str = "norm"):
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


def momentum_stepper(lr: float, mu: float):
    lr, mu = float(lr), float(mu)
    v = [0.0, 0.0]

    def step(gU, gW, U, W, hessian_of):
        vU, vW = mu * v[0] + gU, mu * v[1] + gW
        v[:] = vU, vW
        return (-lr * vU, -lr * vW), ((vU, vW),)

    return step, ("v",)


def rmsprop_stepper(lr: float, decay: float, eps: float = 1e-8):
    lr, decay = float(lr), float(decay)
    s = [0.0, 0.0]

    def step(gU, gW, U, W, hessian_of):
        sU, sW = decay * s[0] + (1.0 - decay) * _square(gU), decay * s[1] + (1.0 - decay) * _square(gW)
        s[:] = sU, sW
        return (-lr * gU / (math.sqrt(sU) + eps), -lr * gW / (math.sqrt(sW) + eps)), ((sU, sW),)

    return step, ("s",)


def adam_stepper(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
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


def rprop_stepper(step0: float, variant: str, step_min: float | None, step_max: float | None):
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


def newton_stepper(damping: float):
    damping = float(damping)

    def step(gU, gW, U, W, hessian_of):
        h_uu, h_uw, h_ww = hessian_of(U, W)
        if not (math.isfinite(h_uu) and math.isfinite(h_uw) and math.isfinite(h_ww)):
            return None
        dU, dW, low, high = optim.saddle_free_step(gU, gW, h_uu, h_uw, h_ww, damping)
        return (dU, dW), ((low, high),)

    return step, ("eigenvalues",)


class _Run:
    """One runner's run: its position, its records and its recorded state entries; it stops after ``n_iter``
    updates, or with its group (see :class:`Lockstep`)."""

    __slots__ = ("step", "names", "U", "W", "rows", "costs", "grads", "updates", "records", "stopped")
    __slots__ += ("i", "n_iter", "group")

    def __init__(self, stepper, start: tuple[float, float], n_iter: int, group: int):
        self.step, self.names = stepper
        self.U, self.W = float(start[0]), float(start[1])
        self.rows, self.costs, self.grads, self.updates, self.records = [], [], [], [], []
        self.stopped = None
        self.i, self.n_iter, self.group = 0, int(n_iter), group

    def series(self) -> dict[str, np.ndarray]:
        """The recorded state entries as arrays, as race.state_series turns fit's states into."""
        if not self.records:
            return {}
        columns = list(zip(*self.records, strict=True))
        return {name: np.array(column, dtype=np.float64) for name, column in zip(self.names, columns, strict=True)}

    def result(self) -> tuple[counting.Trajectory, dict[str, np.ndarray]]:
        return counting.trajectory(self.rows, self.costs, self.grads, self.updates, [], self.stopped), self.series()


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

    Returns ``{name: (trajectory, series)}`` in the order given: the trajectory is ``counting.fit``'s for that
    runner with ``states`` empty, and ``series`` its states as arrays (``race.state_series`` of ``fit``'s).
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
    while not together.idle:
        results.update(together.step())
    return [results[k] for k in ids]


class Lockstep:
    """Independent groups of runs on one data set, advanced together: each :meth:`step` is one evaluation of every
    run still going (:class:`Evaluator`) and each run's update. A group may join between any two steps and starts
    at its own first iteration; what each group gets is bit for bit what :func:`run` gives it alone (each pair's
    evaluation ignores the other pairs, each update reads its own runner's state). A group one of whose updates
    raised gets that exception in place of its results; the others go on (one group's settings cannot fail
    another's).

    Why: forty students who each move a setting at once need forty runs, and one evaluation of forty pairs costs
    a few times one pair's (bench/bench_race.py), where forty evaluations cost forty times; and a run that joins
    the runs already going gets its results after its own iterations, not after theirs (:mod:`ui.batched_runs`).
    """

    def __init__(self, X: np.ndarray, targets: np.ndarray):
        self.evaluate = Evaluator(X, targets)
        polynomials = counting.hessian_polynomials(X, targets)  # the data's part of the Hessian, once

        def hessian_of(U: float, W: float) -> tuple[float, float, float]:
            return counting.hessian_entries(polynomials, U, W)  # counting.hessian's entries, as floats

        self.hessian_of = hessian_of
        self.going: list[_Run] = []
        self.groups: dict[int, tuple[Group, dict[str, _Run]]] = {}  # groups not finished, by id
        self.left: dict[int, int] = {}  # each unfinished group's runs still going
        self.done: dict[int, Result | Exception] = {}  # finished, not yet returned by step()
        self.count = 0

    @property
    def idle(self) -> bool:
        return not self.groups and not self.done

    def add(self, group: Group) -> int:
        """Start ``group`` at the next step; returns its id (``step`` returns its results under it)."""
        g, self.count = self.count, self.count + 1
        starts = group.start if isinstance(group.start, dict) else dict.fromkeys(group.steppers, group.start)
        runs = {name: _Run(stepper, starts[name], group.n_iter, g) for name, stepper in group.steppers.items()}
        if not runs or group.n_iter < 0:  # no iteration to run, as fit's range(n_iter + 1) runs none
            self.done[g] = {name: r.result() for name, r in runs.items()}
            return g
        self.groups[g], self.left[g] = (group, runs), len(runs)
        self.going.extend(runs.values())
        return g

    def step(self) -> dict[int, Result | Exception]:
        """One iteration of every run going; returns the groups that finished, ``{id: results or exception}``."""
        finished, self.done = self.done, {}
        if not self.going:
            return finished
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is reported, not warned
            self._step(finished)
        return finished

    def _step(self, finished: dict) -> None:
        isfinite, going = math.isfinite, self.going
        c_all, gU_all, gW_all = self.evaluate(np.array([r.U for r in going]), np.array([r.W for r in going]))
        evaluated = list(zip(going, c_all.tolist(), gU_all.tolist(), gW_all.tolist(), strict=True))
        # A group with a goal stops, all of it, where one of its runs (a finite evaluation) has reached it.
        reached = set()
        for r, c, gU, gW in evaluated:
            goal = self.groups[r.group][0].until_below
            if goal is not None and c <= goal and isfinite(gU) and isfinite(gW):
                reached.add(r.group)
        failed: dict[int, Exception] = {}
        still = []
        for k, (r, c, gU, gW) in enumerate(evaluated):
            if r.group in failed:  # its group failed earlier in this step: no more updates of it
                continue
            if self._advance(r, k, c, gU, gW, r.group in reached, failed):
                still.append(r)
            else:
                self.left[r.group] -= 1
        self.going = [r for r in still if r.group not in failed]
        for g in list(self.groups):
            if g in failed or self.left[g] == 0:
                _group, runs = self.groups.pop(g)
                del self.left[g]
                finished[g] = failed[g] if g in failed else {name: r.result() for name, r in runs.items()}

    def _advance(self, r: _Run, k: int, c: float, gU: float, gW: float, stop: bool, failed: dict) -> bool:
        """Record run ``r``'s evaluation (the ``k``-th of this step) and take its update, as ``fit``'s loop does;
        False when the run ends here."""
        isfinite = math.isfinite
        i, U, W = r.i, r.U, r.W
        r.i += 1
        r.rows.append((U, W))
        if not (isfinite(c) and isfinite(gU) and isfinite(gW)):
            reason, detail = counting.first_overflow(self.evaluate.ST[:, k].T, c, gU, gW)
            r.stopped = (i, reason, {"U": U, "W": W, **detail})
            return False
        r.costs.append(c)
        r.grads.append((gU, gW))
        if i == r.n_iter or stop:
            return False
        try:
            taken = r.step(gU, gW, U, W, self.hessian_of)
        except Exception as error:  # this group fails, alone
            failed.setdefault(r.group, error)
            return False
        if taken is None:  # only Newton's Hessian can fail here
            r.stopped = (i, "hessian", {"U": U, "W": W, "cost": c, "grad_norm": float(np.hypot(gU, gW))})
            return False
        (dU, dW), record = taken
        newU, newW = U + dU, W + dW
        if not (isfinite(newU) and isfinite(newW)):
            r.stopped = (i + 1, "parameters", {"U": U, "W": W, "cost": c, "grad_norm": float(np.hypot(gU, gW))})
            return False
        r.updates.append((dU, dW))
        r.records.append(record)
        r.U, r.W = newU, newW
        return True
