"""RNN Lab, home (what an RNN is): recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
"""

import numpy as np

from rnn_core import intro, vanilla
from rnn_core.errors import InputError

# The page's settings (its URL parameters), as the page had them: ui/reproduce.py writes them here at download.
PARAMS = {}
# The page's fixed values, from its params.py, written here the same way: default_x (what the page shows while
# the typed sequence cannot be read), max_steps and input_limit (how long a sequence and how large a number it
# reads), scale_range (its weight-scale slider) and scale_step (how far section 3 moves the scale to compare).
CONSTANTS = {}

# 2. A small RNN with random weights, fed the typed sequence: h_t = f(h_{t-1} W_hh + x_t W_xh + b).
limits = CONSTANTS["max_steps"], CONSTANTS["input_limit"]
try:
    x = intro.parse_numbers(PARAMS["x"], *limits)  # (T,)
except InputError as err:
    print("the typed sequence cannot be read:", err.code)
    x = intro.parse_numbers(CONSTANTS["default_x"], *limits)
act, delta = PARAMS["act"], PARAMS["delta"]


def network(scale):
    """W_xh (1, H) and W_hh (H, H), both drawn from the seed and multiplied by ``scale``; b (H,) zeros."""
    return intro.toy_rnn(PARAMS["hidden"], PARAMS["seed"], scale)


H, cache = vanilla.forward(x[None, :, None], network(PARAMS["scale"]), activation=act)  # H: (1, T, hidden)
print("steps T:", len(x))
overflowed = cache["nonfinite_at"]
print("state overflowed at step:", None if overflowed is None else overflowed + 1)
for unit, value in enumerate(H[0, -1], start=1):
    print(f"last state h_T, unit {unit}:", value)

# 3. Add delta to the first input only: how far each later state moves, ||h'_t - h_t||.
moved = intro.nudge_first_input(network(PARAMS["scale"]), x, act, delta)["difference"]  # (T,)
for t, value in enumerate(moved, start=1):
    print(f"state moved at step {t}:", value)
last = moved[-1]
print("last state moved by:", last)
with np.errstate(invalid="ignore", over="ignore"):
    print("times the nudge:", last / delta)

# The same nudge at the neighbouring weight scales and with the other activations.
(lo, hi), step = CONSTANTS["scale_range"], CONSTANTS["scale_step"]
for scale in sorted(
    {round(max(lo, PARAMS["scale"] - step), 2), round(min(hi, PARAMS["scale"] + step), 2)} - {PARAMS["scale"]}
):
    there = intro.nudge_first_input(network(scale), x, act, delta)["difference"][-1]
    print(f"last state moved by at weight scale {scale}:", there)
    print(f"average slope of f at weight scale {scale}:", intro.mean_slope(network(scale), x, act))
print("average slope of f:", intro.mean_slope(network(PARAMS["scale"]), x, act))
for other in vanilla.ACTIVATIONS:
    if other != act:
        there = intro.nudge_first_input(network(PARAMS["scale"]), x, other, delta)["difference"][-1]
        print(f"last state moved by with f = {other}:", there)
