"""What the optimizer race lesson's sections compute and say: cached runs (shared by every session, read-only),
the readings' sentences and tables, the surface's click and play. The charts drawn from these runs are
:mod:`lessons.optimizers.figures`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from lessons.counting import divergence
from lessons.optimizers.params import (
    BOOK,
    RACE_INLINE_WORK,
    RACE_SECONDS_PER_UNIT,
    RACE_STEP_OVERHEAD,
    RACE_UPDATE_OVERHEAD,
    P,
    runner_settings,
)
from rnn_core import counting, optim, race
from ui import batched_runs, surfaces, urlstate, work_queue
from ui.i18n import t
from ui.lru import SharedLRU
from ui.numbers import integer, num, percent

PAGE = "optimizers"
# The race's surface (also under the stepping chart): GRID cells an axis over U, W in [-LIMIT, LIMIT], as the
# book's figure.
GRID, LIMIT = BOOK["surface_grid"], BOOK["surface_limit"]
CENTRES = surfaces.cell_centres(-LIMIT, LIMIT, GRID)
LOCAL_GRID, LOCAL = 60, 1.0  # Newton's zoom: cells an axis, and half the width of the window around the point
SURFACE_KEY = "optimizers_surface"
PLAYING = "optimizers_playing"
SHARED = "_optimizers_shared"  # the race settings that later sections read, as the page last drew them
TICK_SECONDS = 0.5
TICKS = 40  # at speed "auto" a race of any length plays in TICKS ticks, TICKS * TICK_SECONDS seconds
# The race's surface follows its container's width up to this (a phone shows it whole, a projector not too wide).
# Tables: a smaller type and padding, so the race's five columns fit a phone's 358 px. Captions: Streamlit draws
# them at opacity 0.6 (3.9:1 against white, below axe's 4.5:1); 0.75 gives 6:1. (A fix for every page belongs in
# ui/present.BASE_CSS; this page has captions in its first screen, where axe checks them.)
SURFACE_CSS = """<style>
.st-key-optimizers-race-surface { max-width: 640px; }
[class*="st-key-optimizers-table"] table { font-size: 0.85rem; }
[class*="st-key-optimizers-table"] th, [class*="st-key-optimizers-table"] td { padding: 0.25rem 0.35rem; }
</style>"""
NAMES = {
    "sgd": "optimizers.name_sgd",
    "clip": "optimizers.name_clip",
    "momentum": "optimizers.name_momentum",
    "rmsprop": "optimizers.name_rmsprop",
    "adam": "optimizers.name_adam",
    "rprop": "optimizers.name_rprop",
    "newton": "optimizers.name_newton",
}
REASONS = {
    "state": "optimizers.reason_state",
    "cost": "optimizers.reason_cost",
    "gradient": "optimizers.reason_gradient",
    "parameters": "optimizers.reason_parameters",
    "hessian": "optimizers.reason_hessian",
}
VARIANTS = {
    "rprop-": "optimizers.variant_minus",
    "rprop+": "optimizers.variant_plus",
    "irprop-": "optimizers.variant_irprop",
}
CLIP_KINDS = {"norm": "optimizers.clip_by_norm", "value": "optimizers.clip_by_value"}
HOW = {
    "sgd": "optimizers.how_sgd",
    "clip": "optimizers.how_clip",
    "momentum": "optimizers.how_momentum",
    "rmsprop": "optimizers.how_rmsprop",
    "adam": "optimizers.how_adam",
    "rprop": "optimizers.how_rprop",
    "newton": "optimizers.how_newton",
}
NEAR_BOTTOM = 0.1  # a step that leaves at most this fraction of the cost "lands close to the bottom"
AT_OPTIMUM = 1e-3  # a run that ends this close to the optimum (distance in the (U, W) plane) reached it
RULES = {  # each runner's update, as in rnn_core.race's docstring (one line each, so a narrow panel fits it)
    "sgd": (r"w \leftarrow w - \eta\, g",),
    "clip": (r"g \leftarrow \mathrm{clip}(g)", r"w \leftarrow w - \eta\, g"),
    "momentum": (r"v \leftarrow \mu v + g", r"w \leftarrow w - \eta\, v"),
    "rmsprop": (r"s \leftarrow \alpha s + (1-\alpha)\, g^2", r"w \leftarrow w - \eta\, \frac{g}{\sqrt{s} + \epsilon}"),
    "adam": (
        r"m \leftarrow \beta_1 m + (1-\beta_1)\, g",
        r"v \leftarrow \beta_2 v + (1-\beta_2)\, g^2",
        r"\hat m = \frac{m}{1-\beta_1^{\,k}},\quad \hat v = \frac{v}{1-\beta_2^{\,k}}",
        r"w \leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}",
    ),
    "rprop": (r"\Delta \leftarrow \Delta\cdot\eta^{\pm}", r"w \leftarrow w - \mathrm{sign}(g)\,\Delta"),
    "newton": (r"w \leftarrow w - (|H| + \delta I)^{-1} g",),
}
RULE_NOTES = {"rmsprop": "optimizers.rule_rmsprop", "adam": "optimizers.rule_adam"}  # the symbols' meanings
HYPER = {  # each runner's hyper-parameters in the settings panel: (param, label key, number format)
    "sgd": [("lr_sgd", "optimizers.lr_label", "%g")],
    "clip": [
        ("lr_clip", "optimizers.lr_label", "%g"),
        ("clip", "optimizers.clip_label", "%g"),
        ("clip_by", "optimizers.clip_by_label", None),
    ],
    "momentum": [("lr_mom", "optimizers.lr_label", "%g"), ("mu", "optimizers.mu_label", "%.2f")],
    "rmsprop": [("lr_rms", "optimizers.lr_label", "%g"), ("decay", "optimizers.decay_label", "%.3f")],  # α
    "adam": [("lr_adam", "optimizers.lr_label", "%g")],
    "rprop": [("rp_d0", "optimizers.step0_label", "%g"), ("rp_var", "optimizers.variant_label", None)],
    "newton": [("damp", "optimizers.damping_label", "%g")],
}
QUANTITIES = {  # the panel's rows, shown when the runner keeps them, in this order (Adam's v has its own name)
    "gradient": "optimizers.q_gradient",
    "clipped_grad": "optimizers.q_clipped",
    "v": "optimizers.q_velocity",
    "m": "optimizers.q_adam_m",
    "rms": "optimizers.q_rms",
    "delta": "optimizers.q_delta",
    "step": "optimizers.q_step",
}


# --- the page's settings ---------------------------------------------------------------------------------------


def data_args(v: dict) -> tuple:
    """The data set's settings as one cache key: (data, n, len, seed). The book's data set ignores the generated
    one's settings, so they are its defaults there: moving them while the book's data is shown finds every cached
    run and chart."""
    if v["data"] == "book":
        return "book", P["n"].default, P["len"].default, P["seed"].default
    return v["data"], v["n"], v["len"], v["seed"]


def racing_now(v: dict) -> list[str]:
    """The runners in the race, in the table's order."""
    return [runner for runner in race.RUNNERS if runner in v["race"]]


def race_args(v: dict) -> tuple:
    """The race as one cache key: (data_args, start, iterations, ((runner, settings), ...))."""
    settings = runner_settings(v, racing_now(v))
    entries = tuple((runner, tuple(settings[runner].items())) for runner in settings)
    return data_args(v), (v["u0"], v["w0"]), v["iters"], entries


def shared(v: dict) -> tuple:
    """What sections 3-5 read from section 1's controls: the data set, the goal ξ* and plain descent's η."""
    return data_args(v), v["goal"], v["lr_sgd"]


# --- computations, cached on small arguments and shared by every session (read-only) ---------------------------


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        if isinstance(array, np.ndarray):
            array.setflags(write=False)


def _frozen(lane: race.Lane) -> race.Lane:
    run = lane.run
    _read_only(run.params, run.costs, run.grads, run.updates, *lane.series.values())
    return lane


def batched(data: tuple) -> Callable:
    """``lockstep.run`` with the runs other sessions ask for on the same data at the same time, in the trainer
    process (ui/batched_runs.py). The work queue's long races go there too, one at a time: a run that joins one
    waits a few µs more per step for its seven lanes, and the server's own core is spared it."""
    return batched_runs.engine(batched_runs.counting_data(*data))


@st.cache_resource(max_entries=32, show_spinner=False)
def dataset(data: tuple) -> tuple[np.ndarray, np.ndarray]:
    name, n, length, seed = data
    X, targets = counting.book_dataset() if name == "book" else counting.make_dataset(n, length, seed)
    _read_only(X, targets)
    return X, targets


def remembered(slot: str, args: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, or what it gave in this session for the same ``args`` when last asked (one per ``slot``).

    Why: a move reads the race and its CSV about a dozen times (the race, its charts, the stepping section), and
    each cache look-up hashes the race's settings, about 1 ms; comparing their ``repr`` costs 20 µs (``repr``,
    not ``==``: -0.0 and 0.0 are equal, but not the same start). What is kept is the shared cache's object."""
    key = repr(args)
    last = st.session_state.get(slot)
    if last is not None and last[0] == key:
        return last[1]
    value = make()
    st.session_state[slot] = (key, value)
    return value


def racing(data: tuple, start: tuple, iters: int, entries: tuple) -> dict[str, race.Lane]:
    """The race's lanes: from the work queue if it ran this race (a long one), else computed here and cached."""
    args = (data, start, iters, entries)
    return remembered("_optimizers.racing", args, lambda: _queued_or_raced(args))


def _queued_or_raced(args: tuple) -> dict[str, race.Lane]:
    queued = work_queue.ready(_race_job_key(args))
    return queued if queued is not None else _racing(*args)


LANES_KEPT = 64 * len(race.RUNNERS)  # as many lanes as _racing keeps races


@st.cache_resource(show_spinner=False)
def raced_lanes() -> SharedLRU:
    """Every race lane run in this process, by the ``repr`` of ``(data, start, iters, runner, settings)`` (not the
    tuple: -0.0 equals 0.0), shared by every session; the oldest dropped past :data:`LANES_KEPT`."""
    return SharedLRU(LANES_KEPT)


@st.cache_resource(max_entries=64, show_spinner=False)
def _racing(data: tuple, start: tuple, iters: int, entries: tuple) -> dict[str, race.Lane]:
    """The race, running only the runners whose lane no earlier race ran: a lane is its runner's run alone
    (:func:`rnn_core.race.race` gives each lane ``counting.fit``'s bits, tests/test_fit_many.py), so a move of
    one runner's setting (half the race's controls) reruns that runner, not all seven."""
    store = raced_lanes()
    keys = {runner: repr((data, start, iters, runner, settings)) for runner, settings in entries}
    known = {runner: store.get(key) for runner, key in keys.items()}
    missing = tuple((runner, settings) for runner, settings in entries if known[runner] is None)
    ran = _race(dataset(data), start, iters, missing, engine=batched(data)) if missing else {}
    lanes = {runner: ran[runner] if known[runner] is None else known[runner] for runner in keys}
    for runner, key in keys.items():
        store.put(key, lanes[runner])
    return lanes


def _race(xy: tuple, start: tuple, iters: int, entries: tuple, engine: Callable | None = None) -> dict[str, race.Lane]:
    lanes = race.race(*xy, start, {runner: dict(settings) for runner, settings in entries}, iters, engine=engine)
    return {runner: _frozen(lane) for runner, lane in lanes.items()}


def race_work(args: tuple) -> int:
    """What the page's race ``args`` costs at most (:func:`work_of_race`)."""
    data, _start, iters, entries = args
    return work_of_race(dataset(data)[0].shape, iters, len(entries))


def work_of_race(shape: tuple[int, int], iters: int, runners: int) -> int:
    """What a race of ``runners`` on ``shape`` (sequences, steps) costs (see RACE_STEP_OVERHEAD): updates × runners ×
    (update overhead + steps × (step overhead + sequences))."""
    n, length = shape
    return iters * max(1, runners) * (RACE_UPDATE_OVERHEAD + length * (RACE_STEP_OVERHEAD + n))


def _race_job_key(args: tuple) -> tuple:
    return ("optimizers-race", args)


def race_lanes(args: tuple, wait: bool = True) -> dict[str, race.Lane] | None:
    """Section 1's race: computed here when it is short; a long one runs on demand, through the server's work
    queue, and until it is done this returns None (with ``wait``, the offer to run it, or once asked the waiting
    box with the student's place, is drawn here)."""
    if race_work(args) <= RACE_INLINE_WORK:
        if wait:
            work_queue.settled("race")  # a long race this student asked for before is no longer wanted
        return racing(*args)
    key = _race_job_key(args)
    if not wait:
        return work_queue.ready(key)
    xy = dataset(args[0])  # read here, in the session's run: the job itself touches no Streamlit cache
    data, start, iters, entries = args
    n, length = xy[0].shape
    what = t("optimizers.race_job", iters=integer(iters), runners=len(entries), n=integer(n), length=integer(length))
    seconds = race_work(args) * RACE_SECONDS_PER_UNIT
    engine = batched(data)  # the trainer process: a long race takes the server's own core from no one
    job = lambda job: _race(xy, start, iters, entries, engine=engine)  # noqa: E731
    return work_queue.on_demand(key, job, what, work_queue.offer_text(what, seconds), slot="race")


@st.cache_resource(max_entries=64, show_spinner=False)
def lane(data: tuple, start: tuple, runner: str, iters: int, settings: tuple) -> race.Lane:
    return _frozen(race.run_lane(*dataset(data), start, runner, iters, engine=batched(data), **dict(settings)))


def lanes(data: tuple, start: tuple, runner: str, iters: int, settings: dict[str, dict]) -> dict[str, race.Lane]:
    """``{key: Lane}``: ``runner`` at each of several ``settings`` from one start, trained in lockstep (one
    evaluation of the network serves them all, so three runs cost little more than one; each lane is bit for bit
    :func:`rnn_core.race.run_lane`'s, as in a race, tests/test_fit_many.py)."""
    steppers = {key: race.stepper(runner, **values) for key, values in settings.items()}
    runs = batched(data)(*dataset(data), start, steppers, iters)
    return {key: _frozen(race.Lane(runner, run, series)) for key, (run, series) in runs.items()}


@st.cache_resource(max_entries=64, show_spinner=False)
def clipping_runs(data: tuple, threshold: float) -> dict[str, race.Lane]:
    """The book's gradient descent without clipping (cached on its own: it does not depend on the threshold),
    clipped by norm and clipped by value."""
    plain = lane(data, BOOK["start"], "sgd", BOOK["iters"], (("lr", BOOK["lr"]),))
    settings = {by: {"lr": BOOK["lr"], "threshold": threshold, "by": by} for by in race.CLIP_KINDS}
    return {"plain": plain, **lanes(data, BOOK["start"], "clip", BOOK["iters"], settings)}


@st.cache_resource(max_entries=32, show_spinner=False)
def rprop_variants(data: tuple, step0: float) -> dict[str, race.Lane]:
    settings = {variant: {"step0": step0, "variant": variant} for variant in optim.RPROP_VARIANTS}
    return lanes(data, BOOK["rprop_start"], "rprop", BOOK["iters"], settings)


def book_rprop() -> race.Lane:
    """The book's Rprop run: Rprop− from its start on its data."""
    book_data = data_args({**{name: P[name].default for name in ("n", "len", "seed")}, "data": "book"})
    return lane(
        book_data, BOOK["rprop_start"], "rprop", BOOK["iters"], (("step0", BOOK["rprop_step0"]), ("variant", "rprop-"))
    )


@st.cache_data(max_entries=8)
def descent_limit(data: tuple) -> tuple[float, float]:
    return race.descent_limit(*dataset(data))


@st.cache_data(max_entries=32)
def steps(data: tuple, U: float, W: float, lr: float, damping: float) -> dict:
    return race.steps_at(*dataset(data), U, W, lr, damping)


def _log_cost(X: np.ndarray, targets: np.ndarray, U_values: np.ndarray, W_values: np.ndarray) -> np.ndarray:
    """log10(cost + 1) over a grid, (W, U), capped at 30 (the book's colouring)."""
    with np.errstate(over="ignore"):
        shown = np.minimum(np.log10(counting.cost_surface(X, targets, U_values, W_values) + 1.0), 30.0)
    _read_only(shown)
    return shown


@st.cache_resource(max_entries=8, show_spinner=False)
def surface_values(data: tuple) -> np.ndarray:
    """The race's surface on the GRID × GRID cell centres over [-LIMIT, LIMIT]²."""
    return _log_cost(*dataset(data), CENTRES, CENTRES)


@st.cache_resource(max_entries=32, show_spinner=False)
def local_values(data: tuple, U: float, W: float) -> np.ndarray:
    """Newton's zoom: the surface on LOCAL_GRID × LOCAL_GRID cells of the window of half-width LOCAL."""
    offsets = surfaces.cell_centres(-LOCAL, LOCAL, LOCAL_GRID)
    return _log_cost(*dataset(data), U + offsets, W + offsets)


# --- names in the charts and tables -----------------------------------------------------------------------


def step_names(lr: float, damping: float) -> dict[str, str]:
    return {
        "gradient_step": t("optimizers.gradient_step", lr=num(lr)),
        "newton_plain": t("optimizers.newton_plain"),
        "newton_damped": t("optimizers.newton_damped", damping=num(damping)),
    }


def runner_names(runners) -> dict[str, str]:
    return {runner: t(NAMES[runner]) for runner in runners}


# --- clicks, buttons and play ---------------------------------------------------------------------------------


def clicked_start() -> None:
    """A click on the race's surface moves the start and rewinds the stepping (once per click; before the
    start's widgets are drawn)."""
    event = st.session_state.get(SURFACE_KEY) or {}
    cells = (event.get("selection") or {}).get("cell") or []
    if not cells or cells == st.session_state.get("_optimizers_click"):
        return
    st.session_state["_optimizers_click"] = cells
    i, j = int(cells[0]["i"]), int(cells[0]["j"])
    if 0 <= i < GRID and 0 <= j < GRID:
        put(u0=round(float(CENTRES[i]), 2), w0=round(float(CENTRES[j]), 2), it=0)


def put(**values) -> None:
    """A preset button: set some of the page's values."""
    for name, value in values.items():
        st.session_state[urlstate.key(PAGE, name)] = value


def every_tick(params):
    """Decorate the body of a fragment that reruns itself every TICK_SECONDS for as long as its caller keeps
    calling it, and mirrors the page's ``params`` into the URL after each run. Not into the share box: a fragment
    may write outside itself only where it wrote during the page's last full run, and this one runs only while
    playing (the page's full run at the end of playing rewrites the box)."""

    def decorate(body):
        @functools.wraps(body)
        def run() -> None:
            body()
            urlstate.publish_current(PAGE, params)

        return st.fragment(run_every=TICK_SECONDS)(run)

    return decorate


def speed_label(speed: str, last: int) -> str:
    if speed == "auto":
        return t("optimizers.speed_auto", n=integer(per_tick(last, speed)), seconds=num(TICKS * TICK_SECONDS))
    return t("optimizers.speed_option", n=integer(int(speed)))


def per_tick(last: int, speed: str) -> int:
    """Iterations one tick moves on: the speed chosen, or at "auto" enough to play the race in TICKS ticks."""
    return max(1, math.ceil(last / TICKS)) if speed == "auto" else int(speed)


def toggle_play(last: int) -> None:
    playing = not st.session_state.get(PLAYING, False)
    st.session_state[PLAYING] = playing
    if playing and st.session_state[urlstate.key(PAGE, "it")] >= last:
        st.session_state[urlstate.key(PAGE, "it")] = 0  # play again from the start


def advance(last: int, speed: str) -> None:
    """While playing, each run of the stepping fragment moves the iteration on; at the last iteration playing
    stops."""
    it_key = urlstate.key(PAGE, "it")
    st.session_state[it_key] = min(st.session_state[it_key], last)
    if not st.session_state.get(PLAYING):
        return
    st.session_state[it_key] = min(st.session_state[it_key] + per_tick(last, speed), last)
    if st.session_state[it_key] >= last:
        st.session_state[PLAYING] = False


# --- prose ----------------------------------------------------------------------------------------------------


def point(uw: tuple) -> dict[str, str]:
    """``{"u": ..., "w": ...}`` for the ``{u}, {w}`` fields of a label."""
    return {"u": num(uw[0]), "w": num(uw[1])}


def optimum_text() -> str:
    return "({u}, {w})".format(**point(race.OPTIMUM))


def listing(names: list[str]) -> str:
    return t("optimizers.list_separator").join(names)


def number(x: float) -> str:
    """:func:`ui.numbers.num`, except that a number that overflowed is said in words (never ∞ for a cost)."""
    return num(x) if np.isfinite(x) else t("optimizers.overflowed")


def race_reading(lanes: dict, names: dict[str, str], goal: float, iterations: int) -> str:
    """The reading under the race: who reached the goal first, then per runner its mechanism (true whatever the
    settings) and what it did in this race, every outcome read off the computed runs."""
    outcome = race.summary(lanes, goal)
    goal_text = num(goal)
    if outcome["at"] is None:
        summary = t("optimizers.race_nobody", goal=goal_text, iterations=integer(iterations))
    else:
        summary = t(
            "optimizers.race_first",
            goal=goal_text,
            iteration=integer(outcome["at"]),
            names=listing([names[r] for r in outcome["first"]]),
        )
    lines = []
    for runner, lane_ in lanes.items():
        row = race.standing(lane_, goal)
        said = []
        if row["reached"] is not None:
            said.append(t("optimizers.outcome_reached", goal=goal_text, iteration=integer(row["reached"])))
        if row["diverged_at"] is not None:
            said.append(
                t(
                    "optimizers.outcome_diverged",
                    iteration=integer(row["diverged_at"]),
                    reason=t(REASONS[row["reason"]]),
                )
            )
        elif row["reached"] is None:
            said.append(
                t(
                    "optimizers.outcome_missed",
                    goal=goal_text,
                    updates=integer(row["updates"]),
                    cost=number(row["cost"]),
                )
            )
        if race.bouncing(lane_, goal):
            turned, pairs = race.reversals(lane_)
            said.append(t("optimizers.outcome_bouncing", turned=integer(turned), pairs=integer(pairs)))
        lines.append(t("optimizers.race_line", name=names[runner], how=t(HOW[runner]), outcome=" ".join(said)))
    head = t("optimizers.race_reading", iterations=integer(iterations), goal=goal_text, summary=summary)
    return head + "\n\n" + "\n".join(f"- {line}" for line in lines)


def diverged_report(lanes: dict, names: dict[str, str]) -> str | None:
    """One line per runner that diverged, and what to try; None if none did."""
    lines = [
        t(
            "optimizers.diverged_line",
            name=names[r],
            iteration=integer(lane_.run.diverged_at),
            why=divergence.why(lane_.run),
        )
        for r, lane_ in lanes.items()
        if lane_.run.diverged_at is not None
    ]
    if not lines:
        return None
    return "\n".join(f"- {line}" for line in lines) + "\n\n" + t("optimizers.diverged_advice")


def panel_rows(focus: str, detail: dict) -> dict[str, np.ndarray]:
    """The panel's (quantity -> (U, W)) rows for one update of ``focus``."""
    keys = {**QUANTITIES, "v": "optimizers.q_adam_v"} if focus == "adam" else QUANTITIES
    return {t(key): detail[q] for q, key in keys.items() if q in detail}


def clip_outcome(lane_: race.Lane, goal: float) -> str:
    """What the run clipped by norm did, read off the run: diverged, bouncing (:func:`rnn_core.race.bouncing`),
    or neither."""
    run = lane_.run
    if run.diverged_at is not None:
        return t("optimizers.clip_diverged", iteration=integer(run.diverged_at), reason=t(REASONS[run.reason]))
    turned, pairs = race.reversals(lane_)
    key = "optimizers.clip_bouncing" if race.bouncing(lane_, goal) else "optimizers.clip_not_bouncing"
    return t(key, turned=integer(turned), pairs=integer(pairs), cost=number(run.costs[-1]), goal=num(goal))


def clip_reading(data: tuple, threshold: float) -> str:
    """Why clipping by norm stops the jump but not the bouncing: the step cap η·c and the descent limit 2/λ."""
    curvature, limit = descent_limit(data)
    return (
        t(
            "optimizers.clip_reading",
            lr=num(BOOK["lr"]),
            threshold=num(threshold),
            max_step=num(BOOK["lr"] * threshold),
            optimum=optimum_text(),
            curvature=number(curvature),
            limit=number(limit),
        )
        + " "
        + t("optimizers.clip_above" if BOOK["lr"] > limit else "optimizers.clip_below", lr=num(BOOK["lr"]))
    )


def book_rprop_text(lane_: race.Lane) -> str:
    """The book's Rprop run, as computed: its settings, its first step and where it ended."""
    first = race.update_at(lane_, 0)
    distance = race.distance_to_optimum(lane_)
    ending = t(
        "optimizers.book_rprop_at_optimum" if distance < AT_OPTIMUM else "optimizers.book_rprop_elsewhere",
        distance=num(distance),
        optimum=optimum_text(),
    )
    return t(
        "optimizers.book_rprop",
        iterations=integer(len(lane_.run.updates)),
        step0=num(BOOK["rprop_step0"]),
        u0=num(BOOK["rprop_start"][0]),
        w0=num(BOOK["rprop_start"][1]),
        gu=number(first["gradient"][0]),
        gw=number(first["gradient"][1]),
        su=num(first["step"][0]),
        sw=num(first["step"][1]),
        ending=ending,
    )


def curvature_shape(eigenvalues: np.ndarray) -> str:
    """``"saddle"``, ``"bowl"``, ``"cap"`` or ``"flat"`` (a curvature exactly 0, e.g. a cost that does not
    depend on W when the sequences are one step long) from the signs of H's eigenvalues (ascending)."""
    low, high = eigenvalues
    return "cap" if high < 0 else "saddle" if low < 0 else "bowl" if low > 0 else "flat"


# Section 5's claims. Each sentence below is said exactly when its predicate holds; every predicate reads the numbers
# of newton_facts, and its name says what the sentence claims.
MODEL_TOLERANCE = 0.1  # "the quadratic model holds": the real drop is within this fraction of the predicted drop


def newton_facts(here: dict, damping: float) -> dict:
    """What section 5's sentences rest on, from :func:`rnn_core.race.steps_at`'s numbers at one point.

    ``predicted``: the quadratic model's cost after the undamped saddle-free step (:func:`rnn_core.optim.model_cost`,
    with H itself); ``predicted_drop`` and ``drop``: the cost here minus the model's and the real cost after it;
    ``agreement``: their ratio, ``drop / predicted_drop`` (a trust region's ratio: 1 when the model is exact; nan
    when the model predicts no drop); ``left``: the share of the cost left after the step; ``low``, ``high``: H's
    eigenvalues; ``smallest``: the smaller |eigenvalue|; ``damping``.
    """
    cost, after, step = here["cost"], here["newton_plain_cost"], here["newton_plain"]
    predicted = optim.model_cost(cost, here["gradient"], here["hessian"], step)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        predicted_drop, drop = cost - predicted, cost - after
        agreement = drop / predicted_drop if predicted_drop > 0 else float("nan")
        left = after / cost if cost > 0 else float("nan")
    low, high = here["eigenvalues"]
    return {
        "cost": cost,
        "after": after,
        "step": step,
        "predicted": predicted,
        "predicted_drop": predicted_drop,
        "drop": drop,
        "agreement": agreement,
        "left": left,
        "low": low,
        "high": high,
        "smallest": min(abs(low), abs(high)),
        "damping": damping,
    }


def takes_no_step(f: dict) -> bool:
    """The undamped step is 0 long (the gradient is 0 here, or lies along directions H does not curve)."""
    return not np.any(f["step"])


def model_holds(f: dict) -> bool:
    """The quadratic model predicted the cost's drop over the step to within MODEL_TOLERANCE of the real drop."""
    return bool(abs(f["agreement"] - 1.0) <= MODEL_TOLERANCE)


def model_has_no_bottom(f: dict) -> bool:
    """H has an eigenvalue <= 0, so the quadratic H describes has no (unique) lowest point to aim at."""
    return bool(f["low"] <= 0)


def lands_near_bottom(f: dict) -> bool:
    """At most NEAR_BOTTOM of the cost is left after the step (the surface's bottom is ξ = 0, at the optimum)."""
    return bool(f["after"] <= NEAR_BOTTOM * f["cost"])


def damping_outweighs_a_curvature(f: dict) -> bool:
    """The smaller |curvature| is above 0 and below the damping δ: along it, damping more than halves the step."""
    return bool(0 < f["smallest"] < f["damping"])


def stretched_bowl(f: dict) -> bool:
    """H is positive definite and its curvatures differ by a factor of 2 or more, so a learning rate below 2/λ₂
    (what the steep direction allows) moves less than all the way along the flat one in a step."""
    return bool(f["low"] > 0 and f["high"] >= 2 * f["low"])


def lands_lowest_alone(here: dict, best: str | None) -> bool:
    """``best`` (a step's name, or None) ends strictly lower than each of the other steps (at the optimum all
    three take no step and tie: none "lands lowest")."""
    others = [here[f"{name}_cost"] for name in ("gradient_step", "newton_plain", "newton_damped") if name != best]
    return best is not None and all(here[f"{best}_cost"] < cost for cost in others)


# What the undamped step did: the first sentence whose predicate holds is said.
NEWTON_OUTCOMES = (
    ("optimizers.newton_no_step", takes_no_step),
    ("optimizers.newton_model_fails", lambda f: not model_holds(f)),
    ("optimizers.newton_no_bottom", model_has_no_bottom),
    ("optimizers.newton_landed", lands_near_bottom),
    ("optimizers.newton_model_bottom", lambda f: True),
)


def newton_outcome(f: dict) -> str:
    """The text key of the sentence on what the undamped step did (:data:`NEWTON_OUTCOMES`)."""
    return next(key for key, holds in NEWTON_OUTCOMES if holds(f))


def newton_readings(here: dict, names: dict[str, str], damping: float) -> list[str]:
    """What H says about the point (its shape, a curvature small next to the damping), and what the computed steps
    did: how well the quadratic model predicted the undamped step, where it landed, which step lands lowest and
    which go uphill. Each sentence is chosen by a named predicate over :func:`newton_facts`."""
    said = []
    f = newton_facts(here, damping)
    shape = curvature_shape(here["eigenvalues"])
    if shape == "saddle":
        said.append(t("optimizers.reading_saddle"))
    elif shape == "cap":
        said.append(t("optimizers.reading_cap"))
    elif shape == "bowl":
        said.append(t("optimizers.reading_bowl"))
        if stretched_bowl(f):
            said.append(
                t("optimizers.reading_stretched", ratio=num(f["high"] / f["low"]), share=num(2 * f["low"] / f["high"]))
            )
    if damping_outweighs_a_curvature(f):
        said.append(
            t(
                "optimizers.reading_flat",
                smallest=num(f["smallest"]),
                damping=num(damping),
                total=num(f["smallest"] + damping),
                plain=number(float(np.hypot(*here["newton_plain"]))),
                damped=number(float(np.hypot(*here["newton_damped"]))),
            )
        )
    said.append(
        t(
            newton_outcome(f),
            name=names["newton_plain"],
            cost=number(f["cost"]),
            after=number(f["after"]),
            length=number(float(np.hypot(*f["step"]))),
            predicted=number(f["predicted"]),
            predicted_drop=number(f["predicted_drop"]),
            change=number(f["after"] - f["cost"]),
            tolerance=percent(MODEL_TOLERANCE),
            low=num(f["low"]),
            left=percent(f["left"]) if np.isfinite(f["left"]) else t("optimizers.overflowed"),
        )
    )
    cost = f["cost"]
    verdict = race.step_verdict(here)
    if lands_lowest_alone(here, verdict["best"]):
        said.append(
            t(
                "optimizers.newton_best",
                name=names[verdict["best"]],
                cost=number(cost),
                after=number(here[f"{verdict['best']}_cost"]),
            )
        )
    if verdict["uphill"]:
        said.append(t("optimizers.newton_uphill", names=listing([f"“{names[k]}”" for k in verdict["uphill"]])))
    return said


def markdown_table(columns: list[str], rows: list[list[str]], align: str) -> str:
    """A Markdown table (``align``: one of ``l``/``r`` per column); cells wrap, so it fits a phone."""

    def cell(text) -> str:
        return str(text).replace("|", "\\|")  # a '|' would end the cell

    rule = "|" + "|".join(":--" if a == "l" else "--:" for a in align) + "|"
    return "\n".join(
        ["| " + " | ".join(cell(c) for c in columns) + " |", rule]
        + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    )


def steps_table(here: dict, names: dict[str, str]) -> str:
    """Newton's section: each step's length and the cost after it."""
    rows = [[names[k], number(float(np.hypot(*here[k]))), number(here[f"{k}_cost"])] for k in names]
    return markdown_table([t("optimizers.step_title"), t("optimizers.length"), t("optimizers.cost_after")], rows, "lrr")


def standings_table(runs: dict, labels: dict[str, str], first_column: str, goal: float, stopped: bool) -> str:
    """The race table: final weights and cost, when the cost first reached ``goal``, and how each run ended."""
    columns = [
        first_column,
        t("optimizers.col_uw"),
        t("optimizers.col_cost"),
        t("optimizers.col_reached", goal=num(goal)),
    ]
    if stopped:
        columns.append(t("optimizers.col_stopped"))
    rows = []
    for key, run in runs.items():
        row = race.standing(run, goal)
        cells = [
            f"**{labels[key]}**",
            f"({number(row['U'])}, {number(row['W'])})",
            number(row["cost"]),
            t("optimizers.never") if row["reached"] is None else integer(row["reached"]),
        ]
        if stopped:
            cells.append(
                t("optimizers.ran_all", updates=integer(row["updates"]))
                if row["diverged_at"] is None
                else t("optimizers.stopped_at", iteration=integer(row["diverged_at"]), reason=t(REASONS[row["reason"]]))
            )
        rows.append(cells)
    return markdown_table(columns, rows, "lrrr" + ("l" if stopped else ""))
