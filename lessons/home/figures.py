"""The home lesson's charts, built from computed values with their titles already translated (the cached specs
are made in :mod:`lessons.home.readings`), and the CSS that picks one of section 1's two unrolled pictures.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.numbers import D3_NUMBER, number_expr

VIRIDIS = "viridis"  # the one sequential colour map of the app's heatmaps

# Section 1 draws the unrolled network twice: time left to right, and stacked (a row per step) for a phone,
# where Streamlit's columns stack too (below 640 px). Only ours: the two keyed containers of the page.
UNROLLED_CSS = """<style>
.st-key-home-unrolled-stacked { display: none; }
@media (max-width: 640px) {
  .st-key-home-unrolled-wide { display: none; }
  .st-key-home-unrolled-stacked { display: block; }
}
</style>"""


def y_axis(**kwargs) -> alt.Axis:
    """A y axis whose title reads across, above the plot (Hangul turned sideways is hard to read, and a long
    title fits a phone's width better across than along a short axis)."""
    return alt.Axis(titleAngle=0, titleAlign="left", titleBaseline="bottom", titleX=0, titleY=-10, **kwargs)


def states(H: np.ndarray, *, step_title: str, unit_title: str, value_title: str) -> alt.Chart:
    """Section 2: the states over time, one row per unit, on viridis (overflowed states left out).

    Args:
        H: (T, units) the states h_1..h_T.
    """
    T, units = H.shape
    tt, hh = np.meshgrid(np.arange(1, T + 1), np.arange(1, units + 1), indexing="ij")
    df = pd.DataFrame({"t": tt.ravel(), "unit": hh.ravel(), "value": H.ravel()})
    df = df[np.isfinite(df["value"])]
    return alt.Chart(df).transform_calculate(shown=number_expr("datum.value")).mark_rect().encode(
        x=alt.X("t:O", title=step_title, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("unit:O", title=unit_title, axis=y_axis(labelAngle=0)),
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme=VIRIDIS),
                        legend=alt.Legend(orient="bottom", format=D3_NUMBER, gradientLength=220)),
        tooltip=[alt.Tooltip("t:O", title=step_title), alt.Tooltip("unit:O", title=unit_title),
                 alt.Tooltip("shown:N", title=value_title)],  # written as num() writes it
    ).properties(height=180 + 28 * units)  # the x axis and the legend below take about 180 px


def nudge(difference: np.ndarray, delta: float, *, step_title: str, moved_title: str, delta_label: str,
          delta_title: str) -> alt.LayerChart:
    """Section 3: how far each state moves when x₁ is nudged by ``delta``, against the nudge itself (a dashed
    line). Zeros and overflows are left out of the log axis (:func:`lessons.home.readings.memory_cut` says how
    many).

    Args:
        difference: (T,) ``||h'_t - h_t||`` for t = 1..T.
    """
    T = len(difference)
    shown = np.isfinite(difference) & (difference > 0)
    df = pd.DataFrame({"t": np.arange(1, T + 1)[shown], "difference": difference[shown]})
    y = alt.Y("difference:Q", title=moved_title, scale=alt.Scale(type="log"), axis=y_axis(format=D3_NUMBER))
    line = alt.Chart(df).transform_calculate(shown=number_expr("datum.difference")).mark_line(
        point=True, color=PALETTE[0]).encode(
        x=alt.X("t:Q", title=step_title, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domain=[1, max(T, 2)])),
        y=y,
        tooltip=[alt.Tooltip("t:Q", title=step_title), alt.Tooltip("shown:N", title=moved_title)],
    )
    rule = alt.Chart(pd.DataFrame({"difference": [delta], "label": [delta_label]})).mark_rule(
        strokeDash=[6, 4], color=PALETTE[1], strokeWidth=2).encode(
        y=y, tooltip=[alt.Tooltip("label:N", title=delta_title)])
    return alt.layer(line, rule).properties(height=280)
