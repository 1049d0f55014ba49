"""The gradients lesson's settings, the one place they are defined: the page's widgets (defaults, ranges, steps,
choices), the book's values it shows, the page's own choices (how far its series run, its examples, the cliff's
view, the probe's task) and the settings its exercises open the page at.

The page, its readings and figures, its exercises, its Reproduce template (through ``Lesson.constants``) and its
tests read them here. Pure Python: no Streamlit.
"""

from __future__ import annotations

from rnn_core import matrix_input, spectral
from ui.param import Param

# --- The book's values the lesson shows (docs/SOURCES.md) --------------------------------------------------------
BOOK = {
    # A weight and how many steps back it is applied: 1.5^50 explodes, 0.6^20 vanishes.
    "explode": (1.5, 50),
    "vanish": (0.6, 20),
    # (U, W) of the blog's gradient-over-time figure, the counting RNN's points section 2 draws: constant,
    # x2 a step, alternating, zero, vanishing x2, vanishing and alternating.
    "marked_points": ((2.0, 1.0), (1.0, 2.0), (1.0, -2.0), (1.0, 0.0), (1.0, 0.5), (1.0, -0.5)),
}

# --- Section 1: the scalar series ---------------------------------------------------------------------------------
SERIES_STEPS = 100  # m = 0..100
SIGN_STEPS = 20  # the signed series: its first steps only
NEGLIGIBLE = 0.01  # a factor below this leaves the past "practically no say" in the update

# --- Section 3: matrices ------------------------------------------------------------------------------------------
MAX_ENTRY = 100.0  # largest |entry| of a typed matrix
# The non-normal example [[rho, a], [0, rho]]: rho < 1, and yet its norms rise for a while (to m = 9 or 10).
NON_NORMAL_RHO, NON_NORMAL_A = 0.9, 4.0
NON_NORMAL_STEPS = 60  # its norms, drawn on a linear axis: the rise and the decay
# The typed matrix's default, and what the page falls back to when the typed text cannot be read.
DEFAULT_MATRIX = matrix_input.format_matrix(spectral.non_normal_example(NON_NORMAL_RHO, NON_NORMAL_A))

# --- Section 4: the cliff -----------------------------------------------------------------------------------------
# The view w x b: the smooth valley, the cusp at (4, -2) and the wall from w = 4 to 10. The wall is searched for
# along the b range.
CLIFF_W_RANGE = (0.0, 10.0)
CLIFF_B_RANGE = (-6.0, 0.0)
CLIFF_GRID = 100  # cells per axis of the error surface
WALL_SIDE = 0.01  # how far from the wall in b the page reads the two plateaus: far more than the wall is wide
STUCK_SLOPE = 1e-4  # a slope this small moves the weights by less than 1e-4 per step at learning rate 1: "stuck"

# --- Section 5: the running-mean probe ----------------------------------------------------------------------------
MEM_HIDDEN = 32  # units of the tanh RNN
MEM_SEQUENCES = 100  # sequences its readout is fitted on
MEM_LEVEL_RANGE = (-1.0, 1.0)  # each sequence's level is uniform in this range
FADED_SHARE = 0.01  # the gradient at step 1 has "faded" below this share of the 1/T the task gives every input

PARAMS = (
    Param("w", 1.5, "float", -2.0, 2.0, 0.05),  # section 1
    Param("count_u", 1.0, "float", -3.0, 3.0, 0.05),  # section 2
    Param("count_w", 1.5, "float", -3.0, 3.0, 0.05),
    Param("kind", "gaussian", "choice", options=(*spectral.KINDS, "typed")),  # section 3
    Param("size", 32, "int", 2, 64),
    Param("seed", 0, "int", 0, 999_999),
    Param("rho", 0.9, "float", 0.5, 1.5, 0.01),
    Param("steps", 100, "int", 10, 200),
    Param("xs", 1.0, "float", 0.0, 3.0, 0.1),
    Param("matrix", DEFAULT_MATRIX, "text"),
    Param("cliff_w", 6.0, "float", 4.5, 9.0, 0.1),  # section 4
    Param("lr", 0.1, "float", 0.001, 1.0, 0.001),
    Param("clip", 1.0, "float", 0.1, 10.0, 0.1),
    Param("mem_rho", 0.9, "float", 0.5, 1.5, 0.01),  # section 5
    Param("mem_len", 60, "int", 10, 200),
    Param("mem_seed", 0, "int", 0, 999_999),
)
P = {p.name: p for p in PARAMS}

# --- The settings the exercises open the page at, inside the widgets' ranges -------------------------------------
# Grids are (low, high, step), both ends included.
EXERCISE_W = (0.3, 0.95, P["w"].step)  # |w| of "steps below 1 %" (its sign is drawn too), on section 1's slider
EXERCISE_COUNT_U = (0.5, 2.0, 0.25)  # the counting RNN's (U, W): in quarters, within section 2's sliders
EXERCISE_COUNT_W = (-2.0, 2.0, 0.25)
EXERCISE_ENTRIES = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)  # a typed 2x2 matrix's entries: halves

# What the Reproduce template reads beside the page's settings (ui.reproduce writes it as CONSTANTS = {...}).
CONSTANTS = {
    "series_steps": SERIES_STEPS,
    "book_explode": BOOK["explode"],
    "book_vanish": BOOK["vanish"],
    "max_entry": MAX_ENTRY,
    "default_matrix": DEFAULT_MATRIX,
    "cliff_b_range": CLIFF_B_RANGE,
    "mem_hidden": MEM_HIDDEN,
    "mem_sequences": MEM_SEQUENCES,
    "mem_level_range": MEM_LEVEL_RANGE,
    "faded_share": FADED_SHARE,
}
