"""Altair charts of the sequence-mappings lesson: the hidden states over time, the output probabilities under
them, accuracy against length, and the training loss. Channels are objects, never shorthand strings (see
ui/charts.py on speed).

Every chart is a single view that fits its container's width (``charts.show(..., width="stretch")``), with its
legend below the plot, so nothing is cut on a phone; the states and the probabilities are two charts whose
y-axes take the same room, so their step columns line up. Numbers in tooltips are
formatted to read like :func:`ui.numbers.num` and :func:`ui.numbers.percent` (a percentage with a space
before its sign, from the charts' number locale).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.numbers import D3_NUMBER

# A y-axis title written level above the axis: rotated Hangul reads sideways.
LEVEL_TITLE = {"titleAngle": 0, "titleAnchor": "end", "titleAlign": "left", "titleBaseline": "bottom",
               "titleX": -30, "titleY": -8}
Y_AXIS_ROOM = 76  # pixels for the y labels of both heatmaps, so their columns line up
# A diverging map for signed states (−1 … 1), as the LSTM lesson draws its signed values; viridis for
# probabilities, as every other heatmap of values in [0, 1].
STATE_SCHEME, PROBABILITY_SCHEME = "blueorange", "viridis"
PERCENT = ".3~p"  # 3 significant digits, as ui.numbers.percent
# d3's number locale, with the percent sign after a space as ui.numbers.percent writes it (the minus stays −).
LOCALE = {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""], "percent": " %"}}


def step_names(steps: int, encoder_steps: int = 0) -> list[str]:
    """Column names of the states chart: 1, 2, ... or, for an encoder-decoder, h1..hT then s1..sT'."""
    if encoder_steps:
        return [f"h{i + 1}" for i in range(encoder_steps)] + [f"s{j + 1}" for j in range(steps - encoder_steps)]
    return [str(i + 1) for i in range(steps)]


def _bottom_legend(length: int = 220, fmt: str | None = None) -> alt.Legend:
    return alt.Legend(orient="bottom", direction="horizontal", gradientLength=length, titleLimit=400,
                      **({"format": fmt} if fmt else {}))


def states(states: np.ndarray, steps: list[str], *, step_title: str, unit_title: str, state_title: str,
           show_steps: bool) -> alt.Chart:
    """A heatmap of the hidden states: a column per step, a row per unit, coloured from −1 to 1.

    Args:
        states: (T, H); steps: T step names in order; show_steps: label the step axis (when no chart follows).
    """
    T, H = states.shape
    units = [str(u + 1) for u in range(H)]
    df = pd.DataFrame({"step": np.repeat(steps, H), "unit": np.tile(units, T), "value": states.ravel()})
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("step:O", title=step_title if show_steps else None, sort=steps, scale=alt.Scale(domain=steps),
                axis=alt.Axis(labelAngle=0, labelOverlap=True) if show_steps else None),
        y=alt.Y("unit:O", title=unit_title, sort=units,
                axis=alt.Axis(labelOverlap=True, minExtent=Y_AXIS_ROOM, maxExtent=Y_AXIS_ROOM, **LEVEL_TITLE)),
        color=alt.Color("value:Q", title=state_title, scale=alt.Scale(scheme=STATE_SCHEME, domain=[-1, 1]),
                        legend=_bottom_legend(fmt=D3_NUMBER)),
        tooltip=[alt.Tooltip("step:O", title=step_title), alt.Tooltip("unit:O", title=unit_title),
                 alt.Tooltip("value:Q", title=state_title, format=D3_NUMBER)],
    ).properties(height=min(max(12 * H, 120), 300)).configure(locale=LOCALE)


def probabilities(probs: np.ndarray, steps: list[str], classes: list[str], *, step_title: str,
                  class_title: str, prob_title: str) -> alt.Chart:
    """The output probabilities (class × step) at the last ``len(probs)`` of ``steps``; the other steps stay
    empty, so the columns line up with :func:`states` above.

    Args:
        probs: (T_out, K); steps: the T step names of the states chart; classes: K class names.
    """
    T_out, K = probs.shape
    out_steps = steps[len(steps) - T_out:]
    df = pd.DataFrame({"step": np.repeat(out_steps, K), "cls": np.tile(classes, T_out), "p": probs.ravel()})
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("step:O", title=step_title, sort=steps, scale=alt.Scale(domain=steps),
                axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("cls:N", title=None, sort=classes,
                axis=alt.Axis(labelAngle=0, labelOverlap=False, minExtent=Y_AXIS_ROOM, maxExtent=Y_AXIS_ROOM,
                              labelLimit=Y_AXIS_ROOM - 6)),
        color=alt.Color("p:Q", title=prob_title, scale=alt.Scale(scheme=PROBABILITY_SCHEME, domain=[0, 1]),
                        legend=_bottom_legend(fmt="~%")),
        tooltip=[alt.Tooltip("step:O", title=step_title), alt.Tooltip("cls:N", title=class_title),
                 alt.Tooltip("p:Q", title=prob_title, format=PERCENT)],
    ).properties(height=max(22 * K, 66)).configure(locale=LOCALE)


def accuracy_by_length(
    curve: dict[str, np.ndarray], trained_range: tuple[int, int], *, length_title: str, accuracy_title: str,
    count_title: str, kind_title: str, trained_name: str, beyond_name: str, height: int = 260,
) -> alt.LayerChart:
    """Whole-output accuracy against length, the training lengths shaded; two marker shapes tell the held-out
    points from the longer ones without colour."""
    df = pd.DataFrame({
        "length": curve["length"], "accuracy": curve["accuracy"], "n": curve["n"],
        "kind": np.where(curve["trained"], trained_name, beyond_name),
    })
    band = alt.Chart(pd.DataFrame({"lo": [trained_range[0] - 0.5], "hi": [trained_range[1] + 0.5]})).mark_rect(
        color="#56B4E9", opacity=0.15).encode(x=alt.X("lo:Q"), x2=alt.X2("hi"))
    x = alt.X("length:Q", title=length_title, axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("accuracy:Q", title=accuracy_title, scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="~%", **LEVEL_TITLE))
    line = alt.Chart(df).mark_line(color="#767676", strokeWidth=1.2).encode(x=x, y=y)
    points = alt.Chart(df).mark_point(filled=True, size=55).encode(
        x=x, y=y,
        color=alt.Color("kind:N", title=kind_title, scale=alt.Scale(domain=[trained_name, beyond_name],
                                                                   range=[PALETTE[0], PALETTE[3]]),
                        legend=alt.Legend(orient="bottom", labelLimit=400, titleLimit=400)),
        shape=alt.Shape("kind:N", title=kind_title, scale=alt.Scale(domain=[trained_name, beyond_name],
                                                                   range=["circle", "triangle-up"])),
        tooltip=[alt.Tooltip("length:Q", title=length_title, format="d"),
                 alt.Tooltip("accuracy:Q", title=accuracy_title, format=PERCENT),
                 alt.Tooltip("n:Q", title=count_title, format="d"), alt.Tooltip("kind:N", title=kind_title)],
    )
    return (band + line + points).properties(height=height).configure(locale=LOCALE)


def loss_curve(losses: np.ndarray, *, iteration_title: str, loss_title: str, height: int = 220) -> alt.Chart:
    """The training loss before each update, on a log axis (it falls over decades)."""
    df = pd.DataFrame({"iteration": np.arange(1, len(losses) + 1), "loss": losses})
    df = df[df["loss"] > 0]  # a log axis cannot draw 0 (a loss is 0 only if every probability is exactly 1)
    return alt.Chart(df).mark_line(color=PALETTE[0], clip=True).encode(
        x=alt.X("iteration:Q", title=iteration_title, axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("loss:Q", title=loss_title, scale=alt.Scale(type="log"),
                axis=alt.Axis(format=D3_NUMBER, **LEVEL_TITLE)),
        tooltip=[alt.Tooltip("iteration:Q", title=iteration_title, format="d"),
                 alt.Tooltip("loss:Q", title=loss_title, format=D3_NUMBER)],
    ).properties(height=height).configure(locale=LOCALE)
