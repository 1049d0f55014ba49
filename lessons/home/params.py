"""Home's settings, the one place they are defined: the page's widgets (defaults, ranges, steps, choices), the
limits on a typed sequence, the weight scales section 3 compares, and the settings the exercises open the page at.

The page, its readings, its exercises, its Reproduce template (through ``Lesson.constants``) and its tests read
them here. Pure Python: no Streamlit.
"""

from __future__ import annotations

from ui.param import Param

# The activations the page offers (every one of rnn_core.vanilla's), with the locale key of each one's name.
ACTIVATION_NAMES = {
    "tanh": "home.act_tanh",
    "relu": "home.act_relu",
    "logistic": "home.act_logistic",
    "linear": "home.act_linear",
}

PARAMS = (
    Param("x", "1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0", "text"),  # the inputs x_1..x_T, typed
    Param("act", "tanh", "choice", options=tuple(ACTIVATION_NAMES)),
    Param("hidden", 4, "int", 1, 16),
    Param("scale", 1.0, "float", 0.1, 2.0, 0.05),
    Param("seed", 0, "int", 0, 999_999),
    Param("delta", 0.1, "float", 0.001, 1.0, 0.001),
)
P = {p.name: p for p in PARAMS}

# A typed sequence: at most MAX_STEPS numbers, each with |x| <= INPUT_LIMIT (beyond it the states tell nothing
# new). Past either, the page says so and shows the default sequence.
MAX_STEPS = 200
INPUT_LIMIT = 1e3

SCALE_STEP = 0.5  # section 3 compares the nudge at the weight scale one such step down and up (within the slider)

# --- The settings the exercises open the page at, drawn inside the widgets' ranges ------------------------------
# (rng.integers bounds are low inclusive, high exclusive; grids are (low, high, step), both ends included.)
EXERCISE_SEEDS = (0, 1000)  # short seeds, easy to type back
EXERCISE_HIDDEN = (2, 9)  # more than one unit, few enough to count
EXERCISE_INPUTS = (-1.0, 1.0, 0.5)  # each typed input
STATE_COUNT_STEPS = (3, 13)  # how many inputs each exercise types
NUDGE_STEPS = (4, 11)
FADING_STEPS = (8, 16)
# A one-unit network (hidden = 1): its scale, and the range its |u| and |w| are kept in, so that the state
# neither dies at once nor sits in tanh's flat ends.
ONE_UNIT_SCALES = (0.5, 1.5, P["scale"].step)
ONE_UNIT_WEIGHTS = (0.3, 1.5)
BOUNDED_SCALES = (1.0, P["scale"].hi, P["scale"].step)  # large weights, where an unbounded activation runs away
NUDGE_DELTAS = (0.05, P["delta"].hi, 0.05)
START_SCALE = 1.5  # where the fading-scale exercise's link opens the weight-scale slider
