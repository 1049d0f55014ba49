"""Altair charts of the sequence-mappings lesson: hidden states over time with the outputs under them, and
accuracy against length. Channels are objects, never shorthand strings (see ui/charts.py on speed)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE

# A y-axis title written level above the axis: rotated Hangul reads sideways.
LEVEL_TITLE = {"titleAngle": 0, "titleAnchor": "end", "titleAlign": "left", "titleBaseline": "bottom",
               "titleX": -30, "titleY": -8}


def step_names(steps: int, encoder_steps: int = 0) -> list[str]:
    """Column names of the states chart: 1, 2, ... or, for an encoder-decoder, h1..hT then s1..sT'."""
    if encoder_steps:
        return [f"h{i + 1}" for i in range(encoder_steps)] + [f"s{j + 1}" for j in range(steps - encoder_steps)]
    return [str(i + 1) for i in range(steps)]


def states_and_outputs(
    states: np.ndarray, probs: np.ndarray, steps: list[str], classes: list[str], *, step_title: str,
    unit_title: str, state_title: str, class_title: str, prob_title: str, width: int,
) -> alt.VConcatChart:
    """A heatmap of the hidden states (unit × step), and under it the output probabilities (class × step).

    Args:
        states: (T, H); probs: (T_out, K), belonging to the last T_out steps; steps: T step names in order;
        classes: K class names.
    """
    T, H = states.shape
    units = [str(u + 1) for u in range(H)]
    state_df = pd.DataFrame({"step": np.repeat(steps, H), "unit": np.tile(units, T),
                             "value": states.ravel()})
    T_out, K = probs.shape
    out_steps = steps[T - T_out:]
    out_df = pd.DataFrame({"step": np.repeat(out_steps, K), "cls": np.tile(classes, T_out), "p": probs.ravel()})
    x = alt.X("step:O", title=None, sort=steps, scale=alt.Scale(domain=steps), axis=None)  # labelled below
    top = alt.Chart(state_df).mark_rect().encode(
        x=x,
        y=alt.Y("unit:O", title=unit_title, sort=units, axis=alt.Axis(labelOverlap=True, **LEVEL_TITLE)),
        color=alt.Color("value:Q", title=state_title,
                        scale=alt.Scale(scheme="blueorange", domain=[-1, 1]),
                        legend=alt.Legend(orient="right", gradientLength=120)),
        tooltip=[alt.Tooltip("step:O", title=step_title), alt.Tooltip("unit:O", title=unit_title),
                 alt.Tooltip("value:Q", title=state_title, format=".3f")],
    ).properties(width=width, height=min(max(14 * H, 130), 300))  # at least the legend's height
    bottom = alt.Chart(out_df).mark_rect().encode(
        x=alt.X("step:O", title=step_title, sort=steps, scale=alt.Scale(domain=steps),
                axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("cls:N", title=None, sort=classes, axis=alt.Axis(labelAngle=0, labelOverlap=False)),
        color=alt.Color("p:Q", title=prob_title, scale=alt.Scale(scheme="greens", domain=[0, 1]),
                        legend=alt.Legend(orient="right", gradientLength=60, format=".0%")),
        tooltip=[alt.Tooltip("step:O", title=step_title), alt.Tooltip("cls:N", title=class_title),
                 alt.Tooltip("p:Q", title=prob_title, format=".1%")],
    ).properties(width=width, height=20 * K)
    return alt.vconcat(top, bottom, spacing=6).resolve_scale(color="independent")


def accuracy_by_length(
    curve: dict[str, np.ndarray], trained_range: tuple[int, int], *, length_title: str, accuracy_title: str,
    count_title: str, kind_title: str, trained_name: str, beyond_name: str, height: int = 260,
) -> alt.LayerChart:
    """Whole-output accuracy against length, the training lengths shaded."""
    df = pd.DataFrame({
        "length": curve["length"], "accuracy": curve["accuracy"], "n": curve["n"],
        "kind": np.where(curve["trained"], trained_name, beyond_name),
    })
    band = alt.Chart(pd.DataFrame({"lo": [trained_range[0] - 0.5], "hi": [trained_range[1] + 0.5]})).mark_rect(
        color="#56B4E9", opacity=0.15).encode(x=alt.X("lo:Q"), x2=alt.X2("hi"))
    x = alt.X("length:Q", title=length_title, axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("accuracy:Q", title=accuracy_title, scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%", **LEVEL_TITLE))
    line = alt.Chart(df).mark_line(color="#999999", strokeWidth=1.2).encode(x=x, y=y)
    points = alt.Chart(df).mark_point(filled=True, size=45).encode(
        x=x, y=y,
        color=alt.Color("kind:N", title=kind_title, scale=alt.Scale(domain=[trained_name, beyond_name],
                                                                   range=[PALETTE[0], PALETTE[3]]),
                        legend=alt.Legend(orient="bottom", labelLimit=400)),
        shape=alt.Shape("kind:N", title=kind_title, scale=alt.Scale(domain=[trained_name, beyond_name],
                                                                   range=["circle", "triangle-up"])),
        tooltip=[alt.Tooltip("length:Q", title=length_title),
                 alt.Tooltip("accuracy:Q", title=accuracy_title, format=".1%"),
                 alt.Tooltip("n:Q", title=count_title), alt.Tooltip("kind:N", title=kind_title)],
    )
    return (band + line + points).properties(height=height)
