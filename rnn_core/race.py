"""Race optimizers on the counting RNN and read off what a lesson shows: standings, one update, two steps.

Every runner starts from the same (U, W) on the same data and trains with :func:`rnn_core.counting.fit`, so a
race is just several fits (:func:`race` runs them in lockstep with :mod:`rnn_core.lockstep`, and :func:`fit_many`
any optimizers, both bit for bit the same, faster); this module
names the runners, keeps each run's optimizer state as arrays (``fit`` records it as a tuple of small dicts, one
per update) and answers the questions the race table asks: where did it end, when did its cost first reach a
threshold, where did it diverge.

The runners, by language-neutral id (``make_optimizer`` states their hyper-parameters)::

    sgd       w <- w - lr g
    clip      g <- clip(g)  (by global norm or by value), then w <- w - lr g
    momentum  v <- mu v + g,  w <- w - lr v
    rmsprop   s <- decay s + (1 - decay) g^2,  w <- w - lr g / (sqrt(s) + eps)
    adam      bias-corrected moments m, v:  w <- w - lr m_hat / (sqrt(v_hat) + eps)
    rprop     w <- w - sign(g) Delta, Delta adapted per weight from the signs (three variants)
    newton    w <- w - (|H| + damping I)^-1 g   (saddle-free, damped)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_core import counting, lockstep, optim

RUNNERS = ("sgd", "clip", "momentum", "rmsprop", "adam", "rprop", "newton")
CLIP_KINDS = ("norm", "value")
KEYS = ("U", "W")  # the counting RNN's parameters, in the order of every (k, 2) array here
OPTIMUM = (1.0, 1.0)  # the counting RNN's exact solution (y = the sum of the inputs), whatever the data
ETA_PLUS, ETA_MINUS = lockstep.ETA_PLUS, lockstep.ETA_MINUS  # Rprop's growth and shrink factors for Delta (the book's)
# Bounds on Rprop's Delta per variant: the book runs Rprop- without any; Riedmiller & Braun (Rprop+) and
# torch.optim.Rprop (iRprop-) clip Delta to [1e-6, 50].
RPROP_BOUNDS = {"rprop-": (None, None), "rprop+": optim.PYTORCH_STEP_BOUNDS, "irprop-": optim.PYTORCH_STEP_BOUNDS}
PASCANU_RANGE = (0.5, 10.0)  # Pascanu et al.'s clipping thresholds, as multiples of the average gradient norm
BOUNCE_WINDOW = 50  # how many of a run's last updates :func:`reversals` looks at


def make_optimizer(runner: str, **settings) -> optim.Optimizer:
    """The optimizer a runner id stands for.

    Settings by runner: ``sgd(lr)``, ``clip(lr, threshold, by="norm"|"value")``, ``momentum(lr, mu)``,
    ``rmsprop(lr, decay)``, ``adam(lr)`` (b1 = 0.9, b2 = 0.999), ``rprop(step0, variant)`` (eta+ = ETA_PLUS,
    eta- = ETA_MINUS, Delta bounded by :data:`RPROP_BOUNDS`: none for the book's Rprop-, [1e-6, 50] for
    Rprop+ and for iRprop-, which is then exactly ``torch.optim.Rprop(lr=step0)``), ``newton(damping)``.
    """
    if runner == "sgd":
        return optim.sgd(settings["lr"])
    if runner == "clip":
        return optim.chain(clipper(settings.get("by", "norm"), settings["threshold"]), optim.sgd(settings["lr"]))
    if runner == "momentum":
        return optim.momentum(settings["lr"], settings["mu"])
    if runner == "rmsprop":
        return optim.rmsprop(settings["lr"], settings["decay"])
    if runner == "adam":
        return optim.adam(settings["lr"])
    if runner == "rprop":
        variant = settings.get("variant", "rprop-")
        step_min, step_max = RPROP_BOUNDS[variant]
        return optim.rprop(
            settings["step0"],
            eta_plus=ETA_PLUS,
            eta_minus=ETA_MINUS,
            step_min=step_min,
            step_max=step_max,
            variant=variant,
        )
    if runner == "newton":
        return optim.newton(settings["damping"])
    raise ValueError(f"runner must be one of {RUNNERS}, not {runner!r}")


def clipper(by: str, threshold: float) -> optim.Optimizer:
    """The clipping transform: ``"norm"`` (Pascanu et al.'s rescaling) or ``"value"`` (each component)."""
    if by not in CLIP_KINDS:
        raise ValueError(f"clipping must be one of {CLIP_KINDS}, not {by!r}")
    return optim.clip_by_global_norm(threshold) if by == "norm" else optim.clip_by_value(threshold)


@dataclass(frozen=True)
class Lane:
    """One runner's run.

    Attributes:
        runner: its id; run: the :class:`~rnn_core.counting.Trajectory`, with ``states`` emptied (they are in
            ``series``); series: the optimizer state after each update as arrays, ``name -> (k,)`` or
            ``(k, 2)`` (see :func:`state_series`); the clipping runner's hold ``"clipped_grad"`` (k, 2), the
            gradient after clipping that each descent step used, as the transform recorded it.
    """

    runner: str
    run: counting.Trajectory
    series: dict


def state_series(states: tuple) -> dict[str, np.ndarray]:
    """Turn ``fit``'s recorded states into arrays, one per state entry.

    A per-weight entry (``{"U": ..., "W": ...}``, e.g. Rprop's ``step`` Delta or momentum's ``v``) becomes
    (k, 2) in (U, W) order; a number (clipping's ``raw_norm``) becomes (k,); Newton's ``eigenvalues`` (k, 2).
    A :func:`~rnn_core.optim.chain`'s tuple of states is merged. Stateless optimizers give ``{}``.
    """

    def flat(state) -> dict:
        if isinstance(state, tuple):
            merged = {}
            for part in state:
                merged.update(flat(part))
            return merged
        return {
            name: [float(value[k]) for k in KEYS] if isinstance(value, dict) else value for name, value in state.items()
        }

    rows = [flat(s) for s in states]
    if not rows:
        return {}
    return {name: np.array([row[name] for row in rows], dtype=np.float64) for name in rows[0]}


def _remade(runner: str, settings: dict) -> lockstep.Stepper:
    return stepper(runner, **settings)


def stepper(runner: str, **settings) -> lockstep.Stepper:
    """The fast engine's update for a runner (:mod:`rnn_core.lockstep`, a :class:`~rnn_core.lockstep.Stepper`): the
    arithmetic of :func:`make_optimizer`'s optimizer, on arrays over every run of this kind going or on Python floats
    for one run, which tests/test_fit_many.py and tests/test_lockstep_vector.py prove give its bits. It pickles as
    the settings it was made from: a trainer in another process (:mod:`rnn_core.lockstep_process`) makes its own,
    with a fresh state (sent before its run starts, never during it)."""
    return dataclasses.replace(_stepper(runner, **settings), recipe=(_remade, (runner, dict(settings))))


def _stepper(runner: str, **settings) -> lockstep.Stepper:
    optimizer = make_optimizer(runner, **settings)  # the same checks, and the same errors, for bad settings
    if runner == "sgd":
        return lockstep.sgd_stepper(settings["lr"])
    if runner == "clip":
        return lockstep.clip_stepper(settings["lr"], settings["threshold"], settings.get("by", "norm"))
    if runner == "momentum":
        return lockstep.momentum_stepper(settings["lr"], settings["mu"])
    if runner == "rmsprop":
        return lockstep.rmsprop_stepper(settings["lr"], settings["decay"])
    if runner == "adam":
        return lockstep.adam_stepper(settings["lr"])
    if runner == "rprop":
        variant = settings.get("variant", "rprop-")
        return lockstep.rprop_stepper(settings["step0"], variant, *RPROP_BOUNDS[variant])
    assert optimizer.needs_hessian  # newton, the last of RUNNERS
    return lockstep.newton_stepper(settings["damping"])


def run_lane(
    X: np.ndarray,
    targets: np.ndarray,
    start: tuple[float, float],
    runner: str,
    n_iter: int,
    *,
    engine: Callable | None = None,
    **settings,
) -> Lane:
    """Train one runner as :func:`~rnn_core.counting.fit` does and keep its state history as arrays (with the
    fast engine, :mod:`rnn_core.lockstep`: the same bits, tests/test_fit_many.py)."""
    return race(X, targets, start, {runner: settings}, n_iter, engine=engine)[runner]


def race(
    X: np.ndarray,
    targets: np.ndarray,
    start: tuple[float, float],
    entries: dict[str, dict],
    n_iter: int,
    until_below: float | None = None,
    *,
    engine: Callable | None = None,
) -> dict[str, Lane]:
    """Run every ``runner: settings`` entry from the same start for ``n_iter`` updates (each stops on
    divergence), in lockstep with the fast engine (:mod:`rnn_core.lockstep`). Returns ``{runner: Lane}`` in the
    order given; each lane's run is bit for bit what :func:`~rnn_core.counting.fit` gives with
    :func:`make_optimizer`'s optimizer alone (with ``states`` kept as arrays in ``series``, as :func:`lane_of`
    keeps them). With ``until_below``, the race stops at the first iteration where some runner's cost is at most
    that (:func:`rnn_core.lockstep.run`): enough to say who got there first (:func:`summary`'s ``first`` and
    ``at``), each lane the first part of its whole run. ``engine`` is ``lockstep.run`` (None) or a function that gives
    what it gives (``ui.batched_runs.engine``: the same runs, trained with other sessions')."""
    steppers = {runner: stepper(runner, **settings) for runner, settings in entries.items()}
    runs = (engine or lockstep.run)(X, targets, start, steppers, n_iter, until_below)
    return {runner: Lane(runner, run, series) for runner, (run, series) in runs.items()}


def lane_of(runner: str, run: counting.Trajectory) -> Lane:
    """A runner's :class:`Lane` from its run: the states recorded by ``fit`` become arrays (the clipping
    transform's include ``clipped_grad``, the gradient it passed on). ``lane_of(runner, fit(...))`` is what
    :func:`race` and :func:`run_lane` give, which record the arrays as they go (tests/test_fit_many.py)."""
    return Lane(runner, dataclasses.replace(run, states=()), state_series(run.states))


# --- fit for any optimizers in lockstep ------------------------------------------------------------------------
# counting.fit is the readable loop the lessons show; fit_many runs the same loop body for any optimizers at once,
# with one fused evaluation per iteration (lockstep.Evaluator), and tests/test_fit_many.py proves each of its
# trajectories bit for bit equal to fit's. The race's runners go faster still through lockstep.run.


class _Run:
    """One optimizer's training run inside :func:`fit_many`: the body of :func:`~rnn_core.counting.fit`'s loop,
    line for line after the evaluation, one iteration per call."""

    def __init__(self, optimizer: optim.Optimizer, start: tuple[float, float]):
        self.optimizer = optimizer
        self.params = {"U": np.float64(start[0]), "W": np.float64(start[1])}
        self.state = optimizer.init(self.params)
        self.rows, self.costs, self.grads, self.updates, self.states = [], [], [], [], []
        self.stopped = None
        self.polynomials = None  # the Hessian's data part, made at Newton's first update

    def stop(self, iteration: int, reason: str, detail: dict) -> bool:
        self.stopped = (iteration, reason, detail)
        return False

    def advance(
        self, i: int, n_iter: int, ST: np.ndarray, c: float, gU: float, gW: float, X: np.ndarray, targets: np.ndarray
    ) -> bool:
        """Iteration ``i`` from the evaluation at the current parameters: record it, check it, update. Returns
        whether the run goes on (False at divergence or after the last iteration). ST: (T+1, N) states."""
        U, W = float(self.params["U"]), float(self.params["W"])
        self.rows.append((U, W))
        overflow = counting.first_overflow(ST.T, c, gU, gW)
        if overflow:
            reason, detail = overflow
            return self.stop(i, reason, {"U": U, "W": W, **detail})
        self.costs.append(c)
        self.grads.append((gU, gW))
        if i == n_iter:
            return False
        at = {"U": U, "W": W, "cost": c, "grad_norm": float(np.hypot(gU, gW))}
        if self.optimizer.needs_hessian and self.polynomials is None:
            self.polynomials = counting.hessian_polynomials(X, targets)  # the data's part of the Hessian, once
        extra = {"hessian": counting.hessian_at(self.polynomials, U, W)} if self.optimizer.needs_hessian else {}
        if extra and not np.isfinite(extra["hessian"]).all():
            return self.stop(i, "hessian", at)
        gradient = {"U": np.float64(gU), "W": np.float64(gW)}
        step_, self.state = self.optimizer.update(gradient, self.state, self.params, **extra)
        new = optim.apply_updates(self.params, step_)
        if not all(math.isfinite(v) for v in new.values()):
            return self.stop(i + 1, "parameters", at)
        self.updates.append((float(step_["U"]), float(step_["W"])))
        self.states.append(self.state)
        self.params = new
        return True

    def trajectory(self) -> counting.Trajectory:
        return counting.trajectory(self.rows, self.costs, self.grads, self.updates, self.states, self.stopped)


def fit_many(
    X: np.ndarray,
    targets: np.ndarray,
    start: tuple[float, float],
    optimizers: dict[str, optim.Optimizer],
    n_iter: int,
) -> dict[str, counting.Trajectory]:
    """:func:`~rnn_core.counting.fit` for several optimizers from the same start, in lockstep (an optimizer race).

    Each iteration evaluates every run still going with one :class:`~rnn_core.lockstep.Evaluator` call, which
    costs little more than one run's, then updates each run through its optimizer's ``update``. Every trajectory
    is bit for bit what :func:`~rnn_core.counting.fit` gives for that optimizer alone (tests/test_fit_many.py).
    Returns ``{name: Trajectory}`` in the order given.
    """
    evaluate = lockstep.Evaluator(X, targets)
    runs = {name: _Run(optimizer, start) for name, optimizer in optimizers.items()}
    going = list(runs.values())
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is reported, not warned
        for i in range(n_iter + 1):
            if not going:
                break
            U = np.array([float(run.params["U"]) for run in going])
            W = np.array([float(run.params["W"]) for run in going])
            c, gU, gW = evaluate(U, W)
            ST = evaluate.ST
            going = [
                run
                for k, run in enumerate(going)
                if run.advance(i, n_iter, ST[:, k], float(c[k]), float(gU[k]), float(gW[k]), X, targets)
            ]
    return {name: run.trajectory() for name, run in runs.items()}


def first_below(costs: np.ndarray, threshold: float) -> int | None:
    """The first iteration whose cost is at most ``threshold``, or None if the run never got there."""
    hits = np.flatnonzero(np.asarray(costs) <= threshold)
    return int(hits[0]) if len(hits) else None


def standing(lane: Lane, threshold: float) -> dict:
    """One row of the race table: the last finite (U, W) and cost, the iteration at which the cost first
    reached ``threshold`` (None: never), the number of updates, and where and why the run diverged (None)."""
    run = lane.run
    return {
        "runner": lane.runner,
        "U": float(run.params[-1, 0]),
        "W": float(run.params[-1, 1]),
        "cost": float(run.costs[-1]) if len(run.costs) else float("nan"),
        "reached": first_below(run.costs, threshold),
        "updates": len(run.updates),
        "diverged_at": run.diverged_at,
        "reason": run.reason,
    }


def reversals(lane: Lane, window: int = BOUNCE_WINDOW) -> tuple[int, int]:
    """How often the run's step turned back over its last ``window`` updates.

    Returns ``(turned, pairs)``: ``pairs`` consecutive pairs of steps were compared (``window - 1``, fewer for a
    short run) and in ``turned`` of them the step pointed more than 90 degrees away from the previous one
    (a negative dot product), i.e. the path went back across a valley. A zero step never counts.
    """
    steps = lane.run.updates[-window:]
    if len(steps) < 2:
        return 0, 0
    return int(np.sum(np.sum(steps[1:] * steps[:-1], axis=1) < 0)), len(steps) - 1


def bouncing(lane: Lane, threshold: float, window: int = BOUNCE_WINDOW) -> bool:
    """Whether the run ends bouncing instead of settling: it did not diverge, its last cost is above
    ``threshold``, and over its last ``window`` updates (at least 10 pairs) its step turned back at least every
    other time (:func:`reversals`)."""
    turned, pairs = reversals(lane, window)
    run = lane.run
    return (
        run.diverged_at is None
        and pairs >= 10
        and 2 * turned >= pairs
        and len(run.costs) > 0
        and float(run.costs[-1]) > threshold
    )


def summary(lanes: dict[str, Lane], threshold: float) -> dict:
    """What the race table says, for a sentence: ``first`` the runners whose cost reached ``threshold`` at the
    earliest iteration (ties all listed, in race order) and ``at`` that iteration (None and ``[]`` when none
    did), ``missed`` the runners that did not diverge and never reached it, ``diverged`` those that diverged."""
    rows = {runner: standing(lane, threshold) for runner, lane in lanes.items()}
    reached = {runner: row["reached"] for runner, row in rows.items() if row["reached"] is not None}
    at = min(reached.values(), default=None)
    return {
        "first": [runner for runner, i in reached.items() if i == at],
        "at": at,
        "missed": [r for r, row in rows.items() if row["reached"] is None and row["diverged_at"] is None],
        "diverged": [r for r, row in rows.items() if row["diverged_at"] is not None],
    }


def distance_to_optimum(lane: Lane) -> float:
    """How far the run's last finite (U, W) is from :data:`OPTIMUM` (Euclidean)."""
    return float(np.hypot(*(lane.run.params[-1] - np.array(OPTIMUM))))


def descent_limit(X: np.ndarray, targets: np.ndarray, at: tuple[float, float] = OPTIMUM) -> tuple[float, float]:
    """The largest curvature ``lambda_max`` of the cost at ``at`` (the Hessian's largest eigenvalue) and
    ``2 / lambda_max``. Near a minimum, plain gradient descent with a fixed rate eta settles only when
    eta < 2 / lambda_max; above it each step overshoots further along that direction. The limit is inf where
    no curvature is positive, nan where the Hessian overflows."""
    H = counting.hessian(X, targets, *at)
    if not np.isfinite(H).all():
        return float("nan"), float("nan")
    largest = float(np.linalg.eigvalsh(H)[-1])
    return largest, (2.0 / largest if largest > 0 else float("inf"))


def update_at(lane: Lane, i: int) -> dict[str, np.ndarray] | None:
    """Everything about update ``i`` of one runner (clamped to its last update), or None if it made none.

    Returns ``iteration`` (the one shown), ``position`` (U, W) before the update, ``cost`` there,
    ``gradient`` (dU, dW), ``step`` (the change of U, W), ``new_position``, and what the runner keeps:
    ``clipped_grad`` and ``raw_norm`` (clip), ``v`` (momentum's buffer), ``rms`` = sqrt(s) (RMSProp's running
    root mean square), ``m`` and ``v`` (Adam's moments, before bias correction), ``delta`` (Rprop's step
    sizes Delta) and ``eigenvalues`` (Newton's Hessian, ascending).
    """
    run = lane.run
    if len(run.updates) == 0:
        return None
    i = int(min(max(i, 0), len(run.updates) - 1))
    detail = {
        "iteration": i,
        "position": run.params[i],
        "cost": run.costs[i],
        "gradient": run.grads[i],
        "step": run.updates[i],
        "new_position": run.params[i + 1],
    }
    series = lane.series
    if lane.runner == "clip":
        detail.update(clipped_grad=series["clipped_grad"][i], raw_norm=series["raw_norm"][i])
    elif lane.runner == "momentum":
        detail["v"] = series["v"][i]
    elif lane.runner == "rmsprop":
        detail["rms"] = np.sqrt(series["s"][i])
    elif lane.runner == "adam":
        detail.update(m=series["m"][i], v=series["v"][i])
    elif lane.runner == "rprop":
        detail["delta"] = series["step"][i]
    elif lane.runner == "newton":
        detail["eigenvalues"] = series["eigenvalues"][i]
    return detail


def average_gradient_norm(grads: np.ndarray) -> float:
    """The mean of ``||g||`` over a run's (k, 2) gradients: Pascanu et al.'s yardstick for the clipping
    threshold (they found 0.5 to 10 times this average to work)."""
    return float(np.mean(np.hypot(grads[:, 0], grads[:, 1]))) if len(grads) else float("nan")


def turn_angle(before: np.ndarray, after: np.ndarray) -> float:
    """The angle in degrees between two 2-vectors (how far clipping turned a gradient); 0 if either is 0."""
    norms = float(np.hypot(*before) * np.hypot(*after))
    if norms == 0 or not np.isfinite(norms):
        return 0.0
    cosine = float(np.dot(before, after)) / norms
    return float(np.degrees(np.arccos(min(1.0, max(-1.0, cosine)))))


def step_verdict(here: dict) -> dict:
    """Which of :func:`steps_at`'s steps lands lowest (``best``: its name, or None if none has a finite cost)
    and which go uphill (``uphill``: names of those whose cost after the step is above the cost here)."""
    names = ("gradient_step", "newton_plain", "newton_damped")
    finite = {name: here[f"{name}_cost"] for name in names if np.isfinite(here[f"{name}_cost"])}
    return {
        "best": min(finite, key=finite.get) if finite else None,
        "uphill": [name for name in names if not here[f"{name}_cost"] <= here["cost"]],
    }


def steps_at(X: np.ndarray, targets: np.ndarray, U: float, W: float, lr: float, damping: float) -> dict:
    """First- and second-order steps from one point, and the cost each one lands on.

    Returns ``cost``, ``gradient`` (2,), ``hessian`` (2, 2), ``eigenvalues`` (2,) ascending, and three
    steps (2,) with the cost at their end: ``gradient_step`` = -lr g, ``newton_plain`` (no damping) and
    ``newton_damped`` (``damping``), both saddle-free (:func:`rnn_core.optim.newton_step`). Costs may be inf
    where the step overshoots into overflow.
    """
    S = counting.forward(X, U, W)
    g = np.array(counting.backward(X, S, targets, W))
    H = counting.hessian(X, targets, U, W)
    plain, eigenvalues = optim.newton_step(g, H, 0.0)
    damped, _ = optim.newton_step(g, H, damping)
    with np.errstate(over="ignore", invalid="ignore"):
        steps = {"gradient_step": -lr * g, "newton_plain": plain, "newton_damped": damped}
    result = {"cost": counting.cost(S, targets), "gradient": g, "hessian": H, "eigenvalues": eigenvalues}
    for name, step in steps.items():
        result[name] = step
        end = (U, W) + step
        finite = bool(np.all(np.isfinite(end)))
        result[f"{name}_cost"] = counting.cost(counting.forward(X, *end), targets) if finite else float("inf")
    return result
