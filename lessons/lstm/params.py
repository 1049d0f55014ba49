"""The LSTM lesson's settings: its sliders and choices, the cell it starts from, the book's story, the fixed
values its sections read, and how its shipped models were trained.

The one source read by the page (its widgets and URL), its readings, its exercises, its Reproduce template
(through the lesson's ``constants``), ``scripts/train_lstm_models.py`` and its tests. Pure: no Streamlit, so each
of them can import it. The tasks themselves (symbols, tolerance, what "solved" means) are the maths, in
:mod:`rnn_core.tasks`.
"""

from rnn_core import lstm, tasks
from ui.param import Param

# Section 1's one-unit cell: (W_g, U_g, b_g) per gate, chosen so that every gate is partly open.
START_WEIGHTS = {"f": (0.5, 0.5, 1.0), "i": (1.0, -1.0, 0.0), "a": (1.0, 0.5, 0.0), "o": (1.0, 1.0, -0.5)}
WEIGHT_NAMES = tuple(f"{kind}{g}" for g in lstm.GATES for kind in "wub")  # its sliders: wf, uf, bf, wi, ...
# Section 4's forget-gate clamps, by their URL value: "free" leaves the trained gate as it is.
CLAMPS = {"free": None, "one": 1.0, "p9": 0.9, "half": 0.5}

PARAMS = (
    Param("x", 1.0, "float", -3.0, 3.0, 0.1),
    Param("h", 0.5, "float", -1.0, 1.0, 0.05),
    Param("c", 1.0, "float", -5.0, 5.0, 0.1),
    *(
        Param(f"{kind}{g}", START_WEIGHTS[g][j], "float", -6.0, 6.0, 0.1)
        for g in lstm.GATES
        for j, kind in enumerate("wub")
    ),
    Param("mode", "keep", "choice", options=tuple(lstm.CELL_MODES)),
    Param("out", "read", "choice", options=tuple(lstm.OUTPUT_MODES)),
    Param("sat", 4.0, "float", 1.0, 10.0, 0.5),
    Param("task", "first_symbol", "choice", options=tasks.TASKS),
    Param("lag", 50, "int", 4, 60),
    Param("src", "random", "choice", options=("random", "typed")),
    Param("ex", 0, "int", 0, 999),
    Param("seq", "BCADDBACCADBDCABBDACB", "text"),
    Param("clamp", "free", "choice", options=tuple(CLAMPS)),
)
P = {p.name: p for p in PARAMS}

# The book's four-step story (section 2): the value offered for writing (a_t) and the ideal gates at each step.
# 4.2 is written at step 1 (i = 1, f = 0), kept through steps 2 and 3 (f = 1, i = 0) and read out at step 4
# (o = 1). The values offered at steps 2-4 are not written; a_t is clamped, so it may lie outside tanh's range.
BOOK_STORY = {
    "a": (4.2, 0.7, -0.5, 0.1),
    "f": (0.0, 1.0, 1.0, 1.0),
    "i": (1.0, 0.0, 0.0, 0.0),
    "o": (0.0, 0.0, 0.0, 1.0),
}

WRITE_STEPS = 50  # section 1: how far the cell grows in this many steps of writing with f = i = 1
KEEP_STEPS = 50  # section 2: what a "keep" gate below 1 leaves of the cell after this many steps
FLOW_BATCH, FLOW_SEED = 32, 2024  # section 4: the test sequences the gradient is sent back through
OWN_UNITS_SHOWN = 32  # section 6: the heatmaps draw at most this many of an uploaded model's units
OWN_DEFAULT_STEPS = 20  # section 6: the length of the sequence first offered to an uploaded model

# How the shipped models were trained and tested (scripts/train_lstm_models.py; the sweep file stores these and
# the page reads them back from it). Settings measured to train: lr 0.01 is faster when it works but stalls on
# some seeds. Every run: fresh random batches, at most n_steps updates, or until the last batches were
# stop_at_solved solved; then n_test fresh test sequences drawn from test_seed. keep_seed's runs keep their weights.
TRAINING = {"hidden": 16, "batch_size": 32, "lr": 0.003, "clip": 1.0, "forget_bias": 3.0}
SWEEP = {"n_steps": 3000, "stop_at_solved": 0.99, "n_test": 1000, "test_seed": 12345, "keep_seed": 0}
SWEEP_LAGS = (5, 10, 15, 20, 30, 40, 50, 60)
SWEEP_SEEDS = (0, 1, 2, 3, 4)

# What the Reproduce template reads beside the page's settings (ui.reproduce writes it as CONSTANTS = {...}).
CONSTANTS = {
    "write_steps": WRITE_STEPS,
    "keep_steps": KEEP_STEPS,
    "flow_batch": FLOW_BATCH,
    "flow_seed": FLOW_SEED,
    "clamps": CLAMPS,
    "story": BOOK_STORY,
    "seq_default": P["seq"].default,
}
