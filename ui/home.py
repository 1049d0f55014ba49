"""What the home lesson's sections draw: the typed sequence, the small RNN's cached runs and chart specs, and
the sentence that reads the nudge.

Runs and chart specs are keyed on the page's small settings (the sequence as a tuple of numbers), so a rerun
that changes nothing in a chart ships it from the one spec cache (:func:`ui.charts.spec_cache`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import intro, vanilla
from ui import charts
from ui.i18n import t, verbatim

PAGE = "home"
ACTIVATION_NAMES = {"tanh": "home.act_tanh", "relu": "home.act_relu", "logistic": "home.act_logistic",
                    "linear": "home.act_linear"}
# One line per page for the map (the lessons, and the class page); only pages listed in ui/nav.py are shown.
LESSON_LINES = {"mappings": "home.map_mappings", "counting": "home.map_counting", "gradients": "home.map_gradients",
                "optimizers": "home.map_optimizers", "lstm": "home.map_lstm", "class": "home.map_class"}


def read_sequence(text: str, default: str) -> tuple[tuple[float, ...], str | None]:
    """The typed sequence as a tuple of numbers, and what is wrong with it (translated), or None.

    A sequence that cannot be read is replaced by ``default``, and the message says so.
    """
    try:
        return tuple(intro.parse_numbers(text).tolist()), None
    except intro.InputError as err:
        messages = {
            "empty": t("home.x_error_empty"),
            "number": t("home.x_error_number", position=err.position, token=verbatim(err.token)),
            "too_large": t("home.x_error_too_large", position=err.position, token=verbatim(err.token),
                           bound=f"{intro.INPUT_LIMIT:g}"),
            "too_long": t("home.x_error_too_long", length=err.position, limit=intro.MAX_STEPS),
        }
        return tuple(intro.parse_numbers(default).tolist()), messages[err.code] + " " + t("home.x_error_fallback")


@st.cache_resource(max_entries=64, show_spinner=False)
def toy_rnn(hidden: int, seed: int, scale: float) -> vanilla.Params:
    """The random network of section 2 (shared by every session that asks for it; read-only)."""
    params = intro.toy_rnn(hidden, seed, scale)
    for weights in params.values():
        weights.setflags(write=False)
    return params


@st.cache_resource(max_entries=128, show_spinner=False)
def nudged(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> dict[str, np.ndarray]:
    """The network on ``x`` and on ``x`` with ``delta`` added to x₁ (:func:`rnn_core.intro.nudge_first_input`):
    ``states`` (T, H), ``nudged`` (T, H), ``difference`` (T,). Shared and read-only."""
    run = intro.nudge_first_input(toy_rnn(hidden, seed, scale), np.array(x), activation, delta)
    for values in run.values():
        values.setflags(write=False)
    return run


@st.cache_resource(max_entries=64, show_spinner=False)
def states(x: tuple, activation: str, hidden: int, seed: int, scale: float) -> tuple[np.ndarray, int | None]:
    """The states h_t for ``x`` alone (T, H), read-only, and the first step (from 1) whose state overflowed, or
    None. Section 2 draws them without section 3's δ."""
    H, cache = vanilla.forward(np.array(x)[None, :, None], toy_rnn(hidden, seed, scale), activation=activation)
    H = H[0]
    H.setflags(write=False)
    overflowed = cache["nonfinite_at"]
    return H, None if overflowed is None else overflowed + 1


@charts.spec_cache(max_entries=128)
def state_chart(lang: str, x: tuple, activation: str, hidden: int, seed: int, scale: float) -> dict:
    """Section 2: the states over time, one row per unit."""
    H, _ = states(x, activation, hidden, seed, scale)
    return charts.vega_lite(charts.state_heatmap(H, x_title=t("home.t_axis"), y_title=t("home.unit_axis"),
                                                 value_title=t("home.state_value")))


@charts.spec_cache(max_entries=128)
def memory_chart(lang: str, x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> dict:
    """Section 3: how far each state moves when x₁ is nudged by ``delta`` (zeros and overflows left out)."""
    diff = nudged(x, activation, hidden, seed, scale, delta)["difference"]
    shown = np.isfinite(diff) & (diff > 0)
    memory = pd.DataFrame({"t": np.arange(1, len(x) + 1)[shown], "difference": diff[shown]})
    return charts.vega_lite(charts.log_lines(memory, "t", "difference", x_title=t("home.t_axis"),
                                             y_title=t("home.difference_axis"), points=True, integer_x=True))


def memory_reading(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> str:
    """The sentence under section 3's chart: how much of the nudge the last state still carries."""
    last = nudged(x, activation, hidden, seed, scale, delta)["difference"][-1]
    if np.isfinite(last) and last > 0:
        return t("home.memory_reading", delta=f"{delta:.3g}", steps=len(x), last=f"{last:.3g}",
                 ratio=f"{last / delta:.3g}")
    return t("home.memory_gone", steps=len(x))
