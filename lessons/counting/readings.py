"""What the counting lesson's sections compute and say: cached runs (shared by every session, read-only), the
sentences chosen from what was computed, the note's code as printed beside a version that runs, the surface's
click and the page's layout. The charts drawn from these runs are :mod:`lessons.counting.figures`.

Every number a student reads goes through :func:`ui.numbers.num`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import streamlit as st

from lessons.counting import tables
from lessons.counting.params import (
    BOOK,
    TRAIN_INLINE_WORK,
    TRAIN_PROBE_WORK,
    TRAIN_SECONDS_PER_UNIT,
    TRAIN_STEP_OVERHEAD,
    TRAIN_TIME_STEP_OVERHEAD,
    P,
)
from rnn_core import counting, optim, race
from ui import batched_runs, present, surfaces, urlstate, work_queue
from ui.claims import chosen
from ui.i18n import t
from ui.numbers import integer, num

PAGE = "counting"
NOTE_CODE_KEY = "note-code"  # the expander of the note's printed code (sent only once opened)
GRID, LIMIT = BOOK["surface_grid"], BOOK["surface_limit"]  # the surface: GRID cells an axis, U, W in ±LIMIT
CENTRES = surfaces.cell_centres(-LIMIT, LIMIT, GRID)
SURFACE_KEY, SURFACE_KEY_NARROW = "counting_surface", "counting_surface_narrow"  # the two layouts' surfaces
# Charts leave out iterations whose weights are larger than this: the browser cannot draw a path whose pixel
# coordinates run to 10^60 (Chromium rejects the SVG path), and such a point is far off every axis anyway.
DRAWABLE = 1e6

# A figure too wide for a phone is drawn twice, in containers keyed "counting-wide-…" and "counting-narrow-…":
# the width of the section it sits in picks the one shown (a CSS container query, so a laptop's open sidebar
# counts as well as a phone's screen). A narrow section's tables have less padding, so that five columns of
# numbers like −2.34·10⁻³ fit. A display formula's box ends at its last glyph, and a subscript or an aligned
# column reaches 1-2 px past it: with the formulas' overflow-x: auto (ui.present), that is a scrollable region
# of 2 px (axe-core's scrollable-region-focusable); a little padding keeps every glyph inside the box.
NARROW_PX = 720
LAYOUT_CSS = f"""<style>
[class*="st-key-counting-body-"] {{ container-type: inline-size; }}
[class*="st-key-counting-narrow-"] {{ display: none; }}
@container (max-width: {NARROW_PX}px) {{
  [class*="st-key-counting-wide-"] {{ display: none; }}
  [class*="st-key-counting-narrow-"] {{ display: flex; }}
  [data-testid="stMarkdownContainer"] th, [data-testid="stMarkdownContainer"] td {{ padding: 0.3rem 0.35rem; }}
}}
</style>"""


@st.cache_data(max_entries=32)
def dataset(data: str, n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return counting.book_dataset() if data == "book" else counting.make_dataset(n, length, seed)


def training(data: str, n: int, length: int, seed: int, start: tuple, lr: float, iters: int) -> counting.Trajectory:
    """Plain gradient descent from ``start`` (shared by every session that asks for the same run; read-only):
    the work queue's result when the run was long (:func:`training_run`), else computed here and cached."""
    queued = work_queue.ready(_training_job_key((data, n, length, seed), start, lr, iters))
    return queued if queued is not None else _training(data, n, length, seed, start, lr, iters)


@st.cache_resource(max_entries=64, show_spinner=False)
def _training(data: str, n: int, length: int, seed: int, start: tuple, lr: float, iters: int) -> counting.Trajectory:
    engine = batched_runs.engine(batched_runs.counting_data(data, n, length, seed))  # with other sessions' runs
    return _train(dataset(data, n, length, seed), start, lr, iters, engine)


def _train(xy: tuple, start: tuple, lr: float, iters: int, engine: Callable | None = None) -> counting.Trajectory:
    """``counting.fit(X, targets, start, optim.sgd(lr), iters)``, the loop the page shows under the hood.

    Why not that call: the race's engine (``race.run_lane``, :mod:`rnn_core.lockstep`) gives the same run to the
    bit at about a fifth of the cost (tests/test_fit_many.py, tests/test_counting_templates.py), which keeps a
    move of the learning rate or the iterations cheap at 5,000 iterations. Plain descent keeps no optimizer
    state, so ``fit``'s record of states is one empty state per update."""
    run = race.run_lane(*xy, start, "sgd", iters, lr=lr, engine=engine).run
    return dataclasses.replace(run, states=((),) * len(run.updates))


def training_work(shape: tuple[int, int], iters: int) -> int:
    """What a run costs at most (it may stop early): updates x (overhead + steps x (step overhead + sequences)), see
    TRAIN_STEP_OVERHEAD."""
    n, length = shape
    return iters * (TRAIN_STEP_OVERHEAD + length * (TRAIN_TIME_STEP_OVERHEAD + n))


def _training_job_key(data: tuple, start: tuple, lr: float, iters: int) -> tuple:
    return ("counting-training", data, start, lr, iters)


def training_run(data: tuple, start: tuple, lr: float, iters: int) -> counting.Trajectory | None:
    """Section 4's run: computed here when it is short, or when it diverges within its first TRAIN_PROBE_WORK; a
    long one (more than TRAIN_INLINE_WORK, the largest generated data sets at thousands of iterations) runs on
    demand through the server's work queue, and until it is done this returns None, with the offer to run it (or,
    once asked, the waiting box with the student's place) drawn here."""
    xy = dataset(*data)  # read here, in the session's run: the job itself touches no Streamlit cache
    if training_work(xy[0].shape, iters) <= TRAIN_INLINE_WORK:
        work_queue.settled("training")  # a long descent this student asked for before is no longer wanted
        return _training(*data, start, lr, iters)
    # A run stops where it diverges: one that diverges within its first stretch is that stretch, run here.
    probe = _training(*data, start, lr, max(1, TRAIN_PROBE_WORK // training_work(xy[0].shape, 1)))
    if probe.diverged_at is not None:
        work_queue.settled("training")
        return probe
    n, length = xy[0].shape
    what = t("counting.train_job", iters=integer(iters), n=integer(n), length=integer(length))
    key = _training_job_key(data, start, lr, iters)
    seconds = training_work(xy[0].shape, iters) * TRAIN_SECONDS_PER_UNIT
    engine = batched_runs.engine(batched_runs.counting_data(*data))  # in the trainer process, as the short runs
    job = lambda job: _train(xy, start, lr, iters, engine)  # noqa: E731
    return work_queue.on_demand(key, job, what, work_queue.offer_text(what, seconds), slot="training")


def data_args(v: dict) -> tuple:
    """The data set's settings as one cache key: (data, n, len, seed); the book's data set is one key whatever
    the generated set's settings left in the session (its surface and runs are computed once)."""
    if v["data"] == "book":
        return "book", P["n"].default, P["len"].default, P["seed"].default
    return v["data"], v["n"], v["len"], v["seed"]


# --- Section 1: what W does to old inputs ---------------------------------------------------------------


# Each sentence's key beside the predicate that chooses it, over W and the factor W^(T-1) computed by a forward
# pass (tests/test_claims_counting.py checks them against the closed form).


def forgets_at_once(W: float, factor: float) -> bool:
    """W = 0: the state keeps nothing from one step to the next."""
    return W == 0


def old_inputs_fade(W: float, factor: float) -> bool:
    """W ≠ 0 and the first input reaches y multiplied by less than 1 in size."""
    return W != 0 and abs(factor) < 1


def old_inputs_grow(W: float, factor: float) -> bool:
    """The first input reaches y multiplied by more than 1 in size."""
    return abs(factor) > 1


def nothing_forgotten(W: float, factor: float) -> bool:
    """W ≠ 0 and the first input reaches y multiplied by exactly 1 in size."""
    return W != 0 and abs(factor) == 1


MEMORY_CLAIMS = {
    "counting.memory_zero": forgets_at_once,
    "counting.memory_fades": old_inputs_fade,
    "counting.memory_grows": old_inputs_grow,
    "counting.memory_kept": nothing_forgotten,
}


def memory_sentence(T: int, W: float) -> str:
    """What the recurrence does to the first input by the end of a sequence of ``T`` steps, read off a forward
    pass of a single 1 at step 1 (U = 1): it reaches y multiplied by W^(T-1) (:data:`MEMORY_CLAIMS`)."""
    impulse = np.zeros((1, T))
    impulse[0, 0] = 1.0
    factor = float(counting.forward(impulse, 1.0, W)[0, -1])  # = W^(T-1)
    values = {"W": num(W), "absw": num(abs(W)), "T": T, "power": T - 1, "factor": num(factor)}
    if T == 1:
        return t("counting.memory_one_step", **values)
    verdict = t(chosen(MEMORY_CLAIMS, W, factor), **values)
    if W < 0:
        verdict += " " + t("counting.memory_alternates", **values)
    return verdict


# --- Section 4: the training run --------------------------------------------------------------------------


def drawable(params: np.ndarray) -> np.ndarray:
    """Which rows of (U, W) the charts can draw (both weights at most :data:`DRAWABLE` in size)."""
    return np.all(np.abs(params) <= DRAWABLE, axis=1)


def cut_caption(run: counting.Trajectory) -> str | None:
    """What the weights chart and the surface's path leave out, or None when they draw every iteration."""
    cut = np.flatnonzero(~drawable(run.params))
    if not len(cut):
        return None
    U, W = run.params[cut[0]]
    return t("counting.cut_caption", count=len(cut), first=integer(cut[0]), limit=num(DRAWABLE), U=num(U), W=num(W))


def last_iterations(run: counting.Trajectory, rows: int = 3) -> str:
    """The run's last ``rows`` iterations as a Markdown table: iteration, U, W and the cost (or what
    overflowed)."""
    first = max(0, len(run.params) - rows)
    return tables.markdown_table(
        [t("common.iteration"), "$U$", "$W$", t("counting.cost_axis")],
        [
            [
                integer(i),
                num(run.params[i, 0]),
                num(run.params[i, 1]),
                num(run.costs[i]) if i < len(run.costs) else t("counting.overflowed"),
            ]
            for i in range(first, len(run.params))
        ],
    )


# --- Section 5: the cost surface ----------------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def surface_values(data: str, n: int, length: int, seed: int) -> np.ndarray:
    """log10(cost + 1) on the 100 × 100 grid of (U, W) centres, (W, U), capped at 30 (the book's colouring)."""
    X, targets = dataset(data, n, length, seed)
    costs = counting.cost_surface(X, targets, CENTRES, CENTRES)
    with np.errstate(over="ignore"):
        shown = np.minimum(np.log10(costs + 1.0), 30.0)
    shown.setflags(write=False)
    return shown


def clicked_start() -> None:
    """A click on the surface (either layout's) moves the training start, once per click; call it before the
    start's widgets are drawn."""
    for key in (SURFACE_KEY, SURFACE_KEY_NARROW):
        event = st.session_state.get(key) or {}
        cells = (event.get("selection") or {}).get("cell") or []
        if not cells or cells == st.session_state.get(f"_counting_click.{key}"):
            continue
        st.session_state[f"_counting_click.{key}"] = cells
        i, j = int(cells[0]["i"]), int(cells[0]["j"])
        if 0 <= i < GRID and 0 <= j < GRID:
            st.session_state[urlstate.key(PAGE, "u0")] = round(float(CENTRES[i]), 2)
            st.session_state[urlstate.key(PAGE, "w0")] = round(float(CENTRES[j]), 2)


def preset(u: float, w: float) -> None:
    st.session_state[urlstate.key(PAGE, "u")] = u
    st.session_state[urlstate.key(PAGE, "w")] = w


# --- Section 6: the gradient along time ---------------------------------------------------------------------


def default_iteration(run: counting.Trajectory, default: int) -> int:
    """The iteration whose gradient §6 reads: the one asked for, or by default the last point still on the
    surface's plot; never past the last iteration whose gradient is finite."""
    it_key = urlstate.key(PAGE, "it")
    evaluated = len(run.costs) - 1
    if st.session_state[it_key] == default:
        on_plot = np.flatnonzero(np.all(np.abs(run.params[: evaluated + 1]) <= LIMIT, axis=1))
        st.session_state[it_key] = int(on_plot[-1]) if len(on_plot) else evaluated
    st.session_state[it_key] = min(st.session_state[it_key], evaluated)
    return evaluated


def iteration_slider(run: counting.Trajectory, default: int, label: str) -> None:
    """§6's choice of an iteration of ``run`` (0 to the last one evaluated), stored under the page's ``it``.

    Its range follows the run, so it is not a :func:`ui.urlstate.slider`; like those, it keeps its value while
    it is not drawn (``persist_state="page"``: §6 reading section 1's U and W, a run stopped at its start, a
    link that hides it), so a fragment's run always finds ``it`` in the session.
    """
    evaluated = default_iteration(run, default)
    if evaluated > 0 and not present.hidden("it"):
        st.slider(label, 0, evaluated, key=urlstate.key(PAGE, "it"), persist_state="page")


@st.cache_resource(max_entries=64, show_spinner=False)
def gradient_norms(data: tuple, U: float, W: float) -> np.ndarray:
    """‖∂ξ/∂S_k‖ over the training batch for each state index k, at (U, W); non-finite where it overflowed."""
    X, targets = dataset(*data)
    flow = counting.bptt(X, counting.forward(X, U, W), targets, W)["gS"]
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(flow, axis=0)
    norms.setflags(write=False)
    return norms


# Each sentence's key beside the predicate that chooses it, over the norms ‖∂ξ/∂S_k‖, k = 0..T (the last is the
# output's); tests/test_claims_counting.py checks them against finite differences of the cost in the states.


def nothing_to_follow(norms: np.ndarray) -> bool:
    """‖∂ξ/∂S_T‖ = 0: every output equals its target exactly."""
    return bool(norms[-1] == 0)


def output_overflowed(norms: np.ndarray) -> bool:
    """The gradient at the output is already not a finite number."""
    return not np.isfinite(norms[-1])


def overflows_going_back(norms: np.ndarray) -> bool:
    """Finite and nonzero at the output, not finite at some earlier state."""
    return bool(np.isfinite(norms[-1]) and norms[-1] != 0 and not np.all(np.isfinite(norms)))


def cut_to_zero(norms: np.ndarray) -> bool:
    """Finite everywhere, nonzero at the output, exactly 0 at some earlier state."""
    return bool(np.all(np.isfinite(norms)) and norms[-1] != 0 and np.any(norms == 0))


def _end_to_end(norms: np.ndarray) -> float | None:
    """‖∂ξ/∂S_0‖ / ‖∂ξ/∂S_T‖ when every norm is finite and nonzero, else None."""
    if not (np.all(np.isfinite(norms)) and np.all(norms != 0)):
        return None
    return float(norms[0] / norms[-1])


def grows_going_back(norms: np.ndarray) -> bool:
    """Finite and nonzero everywhere, and larger at the first state than at the output."""
    ratio = _end_to_end(norms)
    return ratio is not None and ratio > 1


def fades_going_back(norms: np.ndarray) -> bool:
    """Finite and nonzero everywhere, and smaller at the first state than at the output."""
    ratio = _end_to_end(norms)
    return ratio is not None and ratio < 1


def keeps_its_size(norms: np.ndarray) -> bool:
    """Finite and nonzero everywhere, and the same at the first state as at the output."""
    return _end_to_end(norms) == 1


TIME_CLAIMS = {
    "counting.time_none": nothing_to_follow,
    "counting.time_output_overflowed": output_overflowed,
    "counting.time_overflowed": overflows_going_back,
    "counting.time_cut_to_zero": cut_to_zero,
    "counting.time_grows": grows_going_back,
    "counting.time_fades": fades_going_back,
    "counting.time_kept": keeps_its_size,
}


def time_reading(norms: np.ndarray, U: float, W: float) -> str:
    """What the gradient did on its way back, chosen from the norms computed at (U, W) (:data:`TIME_CLAIMS`;
    Markdown)."""
    T = len(norms) - 1
    finite = np.isfinite(norms)
    zeros, overflowed = int(np.sum(norms[finite] == 0)), int(np.sum(~finite))
    values = {
        "U": num(U),
        "W": num(W),
        "absw": num(abs(W)),
        "T": T,
        "zeros": zeros,
        "overflowed": overflowed,
        "total": T + 1,
        "ratio": num(_end_to_end(norms) or 0.0),
    }
    parts = [t(chosen(TIME_CLAIMS, norms), **values)]
    if W < 0 and np.isfinite(norms[T]) and norms[T] > 0:
        parts.append(t("counting.time_alternates", **values))
    if zeros and norms[T] != 0:
        parts.append(t("counting.time_not_drawn_zero", **values))
    if overflowed:
        parts.append(t("counting.time_not_drawn_overflow", **values))
    return " ".join(parts)


# --- The note's code, as printed, and a version that runs -------------------------------------------------

# The note's code blocks for the counting RNN, quoted exactly as the note prints them (an en dash in the cost,
# the loop bodies without their indentation, a comment broken over two lines), one blank line between blocks.
NOTE_PRINTED = """\
def step(s, x, U, W):
    return x * U + s * W

def forward(X, U, W):
# Initialize the state activation for each sample along the sequence
    S = np.zeros((number_of_samples, sequence_length+1))
    # Update the states over the sequence
    for t in range(0, sequence_length):
    S[:,t+1] = step(S[:,t], X[:,t], U, W) # step function
    return S

cost = np.sum((targets \u2013 y)**2)

def backward(X, S, targets, W):
    # 결과의 기울기 계산
    y = S[:,-1] # Output `y` is last activation of sequence
    # Gradient w.r.t. cost function at final state
    gS = 2.0 * (y - targets)
    # gradients backwards를 축적
    gU, gW = 0, 0 # gradient accumulations 0으로 초기화
    for k in range(sequence_len, 0, -1):
    # Compute the parameter gradients and accumulate the
    results.
    gU += np.sum(gS * X[:,k-1])
    gW += np.sum(gS * S[:,k-1])
    # Compute the gradient at the output of the previous layer
    gS = gS * W
    return gU, gW

learning_rate = 0.0005
# Set initial parameters
parameters = (-2, 0) # (U, W)
# Perform iterative gradient descent
for i in range(number_iterations):
    # Perform forward and backward pass to get the gradients
    S = forward(X, parameters(0), parameters(1))
    gradients = backward(X, S, targets, parameters(1))
    # Update each parameter `p` by p = p - (gradient * learning_rate).
    # `gp` is the gradient of parameter `p`
    parameters = ((p - gp * learning_rate)
        for p, gp in zip(parameters, gradients))
"""

# The same code made to run (the book's data added): each change is marked [n], n being its number in the list of
# defects on the page.
NOTE_FIXED = """\
import numpy as np

# [3]
rs = np.random.RandomState(1)
X = np.array([np.around(rs.rand(10)) for _ in range(50)])
targets = X.sum(axis=1)
number_of_samples, sequence_length = X.shape
number_iterations = 500


def step(s, x, U, W):
    return x * U + s * W


def forward(X, U, W):
    # Initialize the state activation for each sample along the sequence
    S = np.zeros((number_of_samples, sequence_length + 1))
    # Update the states over the sequence
    for t in range(0, sequence_length):
        S[:, t + 1] = step(S[:, t], X[:, t], U, W)  # step function  [1]
    return S


def cost(y, targets):
    return np.sum((targets - y) ** 2)  # [2] [7]


def backward(X, S, targets, W):
    y = S[:, -1]  # Output `y` is last activation of sequence
    # Gradient w.r.t. cost function at final state
    gS = 2.0 * (y - targets)
    gU, gW = 0, 0  # gradient accumulations
    for k in range(sequence_length, 0, -1):  # [3]
        # Compute the parameter gradients and accumulate the results.  [1] [6]
        gU += np.sum(gS * X[:, k - 1])
        gW += np.sum(gS * S[:, k - 1])
        # Compute the gradient at the output of the previous layer
        gS = gS * W
    return gU, gW


learning_rate = 0.0005
parameters = (-2, 0)  # (U, W)
for i in range(number_iterations):
    S = forward(X, parameters[0], parameters[1])  # [4]
    gradients = backward(X, S, targets, parameters[1])  # [4]
    # Update each parameter `p` by p = p - (gradient * learning_rate).
    parameters = tuple(p - gp * learning_rate for p, gp in zip(parameters, gradients))  # [5]
print("U, W =", parameters)
"""

# (locale key, a piece of the printed line where the defect is), in the order of the markers [1]..[7].
NOTE_DEFECTS = (
    ("counting.defect_indent", "    S[:,t+1] = step("),
    ("counting.defect_dash", "cost = np.sum((targets"),
    ("counting.defect_undefined", "for k in range(sequence_len, 0, -1):"),
    ("counting.defect_call", "S = forward(X, parameters(0)"),
    ("counting.defect_generator", "parameters = ((p - gp"),
    ("counting.defect_comment", "    results."),
    ("counting.defect_mean", "cost = np.sum((targets"),
)


@st.cache_resource(max_entries=4, show_spinner=False)
def mean_cost_run(start: tuple, lr: float, iters: int) -> counting.Trajectory:
    """The book's run with the mean squared error the note names: the mean's gradient is the sum's divided by the
    number of sequences N, so plain descent on the mean is plain descent on the sum with η/N."""
    X, targets = counting.book_dataset()
    return counting.fit(X, targets, start, optim.sgd(lr / len(X)), iters)


def note_defects(start: tuple, lr: float, iters: int) -> list[str]:
    """The printed code's defects in words, each with the line of :data:`NOTE_PRINTED` where it shows; the last
    one says what the book's run (``start``, ``lr``, ``iters``) does with the mean, computed."""
    lines_ = NOTE_PRINTED.splitlines()
    found = []
    for n, (key, piece) in enumerate(NOTE_DEFECTS, start=1):
        line = next(i for i, text in enumerate(lines_, start=1) if piece in text)
        found.append(f"{n}. " + t(key, line=line))
    mean = mean_cost_run(start, lr, iters)
    values = {"n": counting.book_dataset()[0].shape[0], "iters": iters, "iteration": mean.diverged_at}
    found[-1] += " " + t(
        "counting.mean_diverges" if mean.diverged_at is not None else "counting.mean_stays_finite", **values
    )
    return found
