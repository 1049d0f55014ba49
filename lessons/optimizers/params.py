"""The optimizer lesson's settings: the one place they are written.

The race trains the counting RNN on the counting lesson's data, so the data set's settings and the book's values
are the counting lesson's (:mod:`lessons.counting.params`), read from there. Pure: no Streamlit.
"""

from __future__ import annotations

from lessons.counting import params as counting
from rnn_core import optim, race
from ui.param import Param

BOOK = counting.BOOK
LIMIT = BOOK["surface_limit"]  # the race's surface covers U, W in [-LIMIT, LIMIT], as the book's figure
# What a race costs (rnn_core/lockstep.py), in units of about 2.2 ns of CPU (RACE_SECONDS_PER_UNIT): each update of
# each runner costs a fixed part (the runner's update and the lane's records, RACE_UPDATE_OVERHEAD units) and a pass
# over the sequences' steps, where a step costs a fixed part (numpy's call overhead, worth RACE_STEP_OVERHEAD
# sequences) plus a part per sequence. Fitted on the 2-core bench machine with `python bench/bench_cost_models.py`
# (CPU time, the page's seven runners, the engine that updates each kind's runs as arrays): about 6 us per update,
# 0.14 us per step and 2.2 ns per step and sequence (5000 updates on the book's data: 0.29 s; 2400 on 500
# sequences of 50 steps: 1.14 s). An upper bound: runners that diverge stop early. A race above RACE_INLINE_WORK,
# about 0.22 s of CPU, runs on demand: the page offers it (with that estimate) and a click sends it through the
# server's work queue (ui/work_queue.py), so that a slider moved through long races costs nothing until one is
# wanted. The book's race (500 updates) is 13.5 million; the book's data at 5000 updates, 135 million; the page's
# race on 500 sequences of 50 steps, 108 million.
RACE_UPDATE_OVERHEAD = 2700
RACE_STEP_OVERHEAD = 65
RACE_INLINE_WORK = 100_000_000
RACE_SECONDS_PER_UNIT = 2.2e-9

PARAMS = (
    *counting.DATA,
    # Section 1, the race: every start is on the surface's plot, and a click anywhere on it is a start.
    Param("u0", BOOK["start"][0], "float", -LIMIT, LIMIT, 0.1),
    Param("w0", BOOK["start"][1], "float", -LIMIT, LIMIT, 0.1),
    Param("iters", BOOK["iters"], "int", 1, 5000),
    Param("goal", 1.0, "float", 0.0, 1e6, 0.1),
    Param("race", race.RUNNERS, "multi", options=race.RUNNERS),
    Param("lr_sgd", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("lr_clip", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("clip", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("clip_by", "norm", "choice", options=race.CLIP_KINDS),
    Param("lr_mom", 2e-5, "float", 1e-7, 1.0, 1e-5),
    Param("mu", 0.9, "float", 0.0, 0.99, 0.01),
    Param("lr_rms", 0.05, "float", 1e-5, 1.0, 0.01),
    Param("decay", 0.9, "float", 0.0, 0.999, 0.01),
    Param("lr_adam", 0.1, "float", 1e-5, 1.0, 0.01),
    Param("rp_var", "rprop-", "choice", options=optim.RPROP_VARIANTS),
    Param("rp_d0", BOOK["rprop_step0"], "float", 1e-6, 1.0, 0.001),
    Param("damp", 10.0, "float", 0.0, 1e6, 10.0),
    # Section 2, stepping through the race.
    Param("it", 0, "int", 0, 5000),
    Param("focus", "rprop", "choice", options=race.RUNNERS),
    Param("speed", "auto", "choice", options=("auto", "1", "5", "25")),
    # Section 3, clipping the book's run; section 4, Rprop from the book's start; section 5, Newton's step.
    Param("cth", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("cit", 37, "int", 0, BOOK["iters"] - 1),
    Param("rd0", BOOK["rprop_step0"], "float", 1e-6, 1.0, 0.001),
    Param("nu", BOOK["start"][0], "float", -LIMIT, LIMIT, 0.01),
    Param("nw", BOOK["start"][1], "float", -LIMIT, LIMIT, 0.01),
    Param("ndamp", 100.0, "float", 0.0, 1e6, 10.0),
)
P = {p.name: p for p in PARAMS}

# Each runner's settings (rnn_core.race.make_optimizer's names) and the page's parameter that holds each.
RUNNER_PARAMS = {
    "sgd": {"lr": "lr_sgd"},
    "clip": {"lr": "lr_clip", "threshold": "clip", "by": "clip_by"},
    "momentum": {"lr": "lr_mom", "mu": "mu"},
    "rmsprop": {"lr": "lr_rms", "decay": "decay"},
    "adam": {"lr": "lr_adam"},
    "rprop": {"step0": "rp_d0", "variant": "rp_var"},
    "newton": {"damping": "damp"},
}


def runner_settings(values: dict, runners) -> dict[str, dict]:
    """``{runner: settings}`` for ``runners``, read from the page's ``values`` (by their URL names)."""
    return {runner: {setting: values[name] for setting, name in RUNNER_PARAMS[runner].items()} for runner in runners}


# Section 5's buttons, points to take Newton's step from: {button key: (label key, U, W)}.
NEWTON_PRESETS = {
    "optimizers_btn_at_start": ("optimizers.at_start", *BOOK["start"]),
    "optimizers_btn_at_wall": ("optimizers.at_wall", 1.0, 1.3),
    "optimizers_btn_at_flat": ("optimizers.at_flat", -1.4, -0.9),
    "optimizers_btn_at_optimum": ("optimizers.at_optimum", 1.05, 0.98),
}

# The initial steps Δ0 the first-step exercise (section 2) draws from: the book's, and larger ones.
FIRST_STEP_DELTA0 = (BOOK["rprop_step0"], 0.01, 0.05, 0.1)

# Where the curvature exercise (section 5) draws its point: U anywhere on the page's range, W within ±W_WALL
# (beyond it the surface is a wall), both on a grid of STEP.
CURVATURE_DRAW = {"step": 0.05, "w_wall": 1.5}

# What the Reproduce script reads beside the page's settings (written into its CONSTANTS at download): the book's
# runs, which sections 3 and 4 start from.
CONSTANTS = {name: BOOK[name] for name in ("start", "lr", "iters", "rprop_start", "rprop_step0")}
