"""The counting lesson's settings, and the book's values: the one place they are written.

The page, its exercises, its Reproduce script and its tests read them here; so does the optimizer lesson, which
trains the same RNN on the same data (:mod:`lessons.optimizers.params`). Pure: no Streamlit.
"""

from __future__ import annotations

from ui.param import Param

# The book's run (Python Deep Learning, ch. 6, docs/SOURCES.md): plain gradient descent on its 50 sequences of
# 10 bits, from (U, W) = (-2, 0) at a learning rate of 0.0005 for 500 iterations, and its Rprop run from
# (-1.5, 2) with an initial step of 0.001. Its figure of the cost surface covers U, W in [-3, 3] with 100 cells
# an axis.
BOOK = {
    "start": (-2.0, 0.0),
    "lr": 0.0005,
    "iters": 500,
    "rprop_start": (-1.5, 2.0),
    "rprop_step0": 0.001,
    "surface_limit": 3.0,
    "surface_grid": 100,
}
LIMIT = BOOK["surface_limit"]

# The longest sequence section 1 takes typed (its tables and diagram show the first and last steps of a long one).
MAX_STEPS = 200

# Section 1's buttons: (label key, U, W).
PRESETS = (
    ("counting.preset_count", 1.0, 1.0),
    ("counting.preset_forget", 1.0, 0.5),
    ("counting.preset_explode", 1.0, 1.5),
    ("counting.preset_alternate", 1.0, -0.8),
)

# The data set (the book's, or generated: sequences, their length, the seed), shared with the optimizer lesson.
DATA = (
    Param("data", "book", "choice", options=("book", "generated")),
    Param("n", 50, "int", 1, 500),
    Param("len", 10, "int", 1, 50),
    Param("seed", 1, "int", 0, 999_999),
)

# What section 4's training run costs on the race's engine (rnn_core/lockstep.py), in units of about 2.5 ns of CPU
# (TRAIN_SECONDS_PER_UNIT): each update a fixed part (Python and numpy call overhead, TRAIN_STEP_OVERHEAD units), a
# part per time step (numpy's calls of the recurrence, TRAIN_TIME_STEP_OVERHEAD) and a part per cell of the data
# set (sequences x steps). Fitted on the 2-core bench machine with `python bench/bench_cost_models.py`: about
# 20 us per update, 1 us per step and 2.5 ns per cell (5000 updates on the book's 50 x 10: 0.16 s; 3700 on 500 x 50:
# 0.50 s). A run above TRAIN_INLINE_WORK, about 0.4 s of CPU, runs on demand: the page offers it (with that
# estimate) and a click sends it through the server's work queue (ui/work_queue.py); the book's run is 6 million.
# Such a run first goes as far as TRAIN_PROBE_WORK (about 0.1 s) in the student's run: one that diverges by then is
# over (most large rates), and is shown at once.
TRAIN_STEP_OVERHEAD = 8200
TRAIN_TIME_STEP_OVERHEAD = 390
TRAIN_INLINE_WORK = 160_000_000
TRAIN_SECONDS_PER_UNIT = 2.5e-9
TRAIN_PROBE_WORK = 40_000_000

# Section 6 reads the gradient at iteration ``it`` of the run; at its default (its largest value, more than any
# run's length) the page reads it at the last point still on the surface's plot.
IT_LAST_ON_PLOT = 5000

PARAMS = (
    Param("seq", "0,0,0,0,1,0,1,0,1,0", "text"),
    Param("u", 1.0, "float", -3.0, 3.0, 0.05),
    Param("w", 1.0, "float", -3.0, 3.0, 0.05),
    *DATA,
    # Every start is on the surface's plot, and a click anywhere on it is a start.
    Param("u0", BOOK["start"][0], "float", -LIMIT, LIMIT, 0.1),
    Param("w0", BOOK["start"][1], "float", -LIMIT, LIMIT, 0.1),
    Param("lr", BOOK["lr"], "float", 1e-6, 1.0, 0.0001),
    Param("iters", BOOK["iters"], "int", 1, 5000),
    Param("at", "run", "choice", options=("run", "hand")),
    Param("it", IT_LAST_ON_PLOT, "int", 0, IT_LAST_ON_PLOT),
)
P = {p.name: p for p in PARAMS}

# What the Reproduce script reads beside the page's settings (written into its CONSTANTS at download).
CONSTANTS = {"max_steps": MAX_STEPS, "it_last_on_plot": IT_LAST_ON_PLOT, "surface_limit": LIMIT}
