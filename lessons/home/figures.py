"""The home lesson's charts, built from computed values with their titles already translated (the cached specs
are made in :mod:`lessons.home.readings`), and the CSS that picks one of section 1's two unrolled pictures.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.diagrams import COLOURS, FONT_PT, sub, unrolled_steps
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


def states_rows(H: np.ndarray) -> dict[str, pd.DataFrame]:
    """The rows of :func:`states`: ``t``, ``unit``, ``value`` of every finite state.

    Args:
        H: (T, units) the states h_1..h_T.
    """
    T, units = H.shape
    tt, hh = np.meshgrid(np.arange(1, T + 1), np.arange(1, units + 1), indexing="ij")
    df = pd.DataFrame({"t": tt.ravel(), "unit": hh.ravel(), "value": H.ravel()})
    return {"states": df[np.isfinite(df["value"])]}


def states(data, units: int, *, step_title: str, unit_title: str, value_title: str) -> alt.Chart:
    """Section 2: the states over time, one row per unit, on viridis (overflowed states left out); ``data``: the
    rows of :func:`states_rows` (a data frame, or a template's slot)."""
    return (
        alt.Chart(data)
        .transform_calculate(shown=number_expr("datum.value"))
        .mark_rect()
        .encode(
            x=alt.X("t:O", title=step_title, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
            y=alt.Y("unit:O", title=unit_title, axis=y_axis(labelAngle=0)),
            color=alt.Color(
                "value:Q",
                title=value_title,
                scale=alt.Scale(scheme=VIRIDIS),
                legend=alt.Legend(orient="bottom", format=D3_NUMBER, gradientLength=220),
            ),
            tooltip=[
                alt.Tooltip("t:O", title=step_title),
                alt.Tooltip("unit:O", title=unit_title),
                alt.Tooltip("shown:N", title=value_title),
            ],  # written as num() writes it
        )
        .properties(height=states_height(units))
    )


def states_height(units: int) -> int:
    """Section 2's chart height: 28 px a unit, and about 180 px for the x axis and the legend below."""
    return 180 + 28 * units


def nudge_rows(difference: np.ndarray, delta: float, delta_label: str) -> dict[str, pd.DataFrame]:
    """The rows of :func:`nudge`: the ``line`` of finite nonzero changes (zeros and overflows are left out of the
    log axis; :func:`lessons.home.readings.memory_cut` says how many), and the nudge's ``rule``.

    Args:
        difference: (T,) ``||h'_t - h_t||`` for t = 1..T.
    """
    T = len(difference)
    shown = np.isfinite(difference) & (difference > 0)
    return {
        "line": pd.DataFrame({"t": np.arange(1, T + 1)[shown], "difference": difference[shown]}),
        "rule": pd.DataFrame({"difference": [delta], "label": [delta_label]}),
    }


def nudge(data: dict, T: int, *, step_title: str, moved_title: str, delta_title: str) -> alt.LayerChart:
    """Section 3: how far each of the ``T`` states moves when x₁ is nudged, against the nudge itself (a dashed
    line); ``data``: the rows of :func:`nudge_rows` (data frames, or a template's slots)."""
    y = alt.Y("difference:Q", title=moved_title, scale=alt.Scale(type="log"), axis=y_axis(format=D3_NUMBER))
    line = (
        alt.Chart(data["line"])
        .transform_calculate(shown=number_expr("datum.difference"))
        .mark_line(point=True, color=PALETTE[0])
        .encode(
            x=alt.X(
                "t:Q",
                title=step_title,
                axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domain=nudge_domain(T)),
            ),
            y=y,
            tooltip=[alt.Tooltip("t:Q", title=step_title), alt.Tooltip("shown:N", title=moved_title)],
        )
    )
    rule = (
        alt.Chart(data["rule"])
        .mark_rule(strokeDash=[6, 4], color=PALETTE[1], strokeWidth=2)
        .encode(y=y, tooltip=[alt.Tooltip("label:N", title=delta_title)])
    )
    return alt.layer(line, rule).properties(height=280)


def nudge_domain(T: int) -> list[int]:
    """Section 3's x axis: the steps 1..T (a zero or an overflow left out of the line keeps its place)."""
    return [1, max(T, 2)]


def nudge_steps(spec: dict, T: int) -> dict:
    """Section 3's filled spec with its x axis on the steps 1..T. Why here: a typed sequence of any length is one
    shape (a scale's domain cannot come from rows). Only the dicts along the path are copied (the template's spec
    is shared)."""
    layers = list(spec["layer"])
    line = dict(layers[0])
    encoding = dict(line["encoding"])
    encoding["x"] = {**encoding["x"], "scale": {**encoding["x"]["scale"], "domain": nudge_domain(T)}}
    line["encoding"], layers[0] = encoding, line
    return {**spec, "layer": layers}


# The network folded and unrolled (section 1), as Graphviz (DOT) text.
_NODE = f'node [fontname="Helvetica", fontsize={FONT_PT}]; edge [fontname="Helvetica", fontsize={FONT_PT}];'


def folded_rnn(labels: dict[str, str]) -> str:
    """The RNN as the note draws it first: one state node with a loop (the directed cycle) through W."""
    return "\n".join(
        [
            "digraph G {",
            "rankdir=BT; nodesep=0.4;",
            _NODE,
            f'x [label="X\\n{labels["input"]}", shape=box, style=filled, fillcolor="{COLOURS["input"]}"];',
            f'S [label="S\\n{labels["state"]}", shape=circle, style=filled, fillcolor="{COLOURS["state"]}"];',
            f'o [label="O\\n{labels["output"]}", shape=box, style=filled, fillcolor="{COLOURS["output"]}"];',
            f'x -> S [label="U", color="{COLOURS["U"]}"];',
            f'S -> S [label="W", color="{COLOURS["W"]}"];',
            f'S -> o [label="V", color="{COLOURS["V"]}"];',
            "}",
        ]
    )


def unrolled_rnn(T: int, shown: int = 4, stacked: bool = False) -> str:
    """The same network unrolled over ``T`` steps: one copy per step, the same U, W and V in every copy.

    Time runs left to right (outputs above, inputs below, as in the folded picture), or, with ``stacked``, top
    to bottom with each step on a row (input, state, output), which fits a phone's width.
    """
    lines = [
        "digraph G {",
        # Stacked, for a phone: at most 3.4 inches wide (326 px; a 390 px phone's column is about 358), which
        # Graphviz reaches by scaling down a step whose labels are wide (S₁₂).
        'rankdir=TB; nodesep=0.35; ranksep=0.3; size="3.4,40";'
        if stacked
        else "rankdir=LR; nodesep=0.3; ranksep=0.35;",
        _NODE,
        f'S0 [label="S{sub(0)}", shape=circle, style=filled, fillcolor="#eeeeee"];',
    ]
    prev = "S0"
    for t in unrolled_steps(T, shown):
        if t is None:
            lines += ['dots [label="…", shape=plaintext];', f'{prev} -> dots [label="W", color="{COLOURS["W"]}"];']
            prev = "dots"
            continue
        # Within a step (one rank) Graphviz lays an edge's tail before its head: left to right when stacked,
        # top to bottom when time runs left to right; there the edges are laid reversed and drawn back
        # (dir=back), so that the output sits above its state and the input below, as in the folded picture.
        if stacked:
            u_edge, v_edge = f"x{t} -> S{t} [", f"S{t} -> o{t} ["
        else:
            u_edge, v_edge = f"S{t} -> x{t} [dir=back, ", f"o{t} -> S{t} [dir=back, "
        lines += [
            f'x{t} [label="X{sub(t)}", shape=box, style=filled, fillcolor="{COLOURS["input"]}"];',
            f'S{t} [label="S{sub(t)}", shape=circle, style=filled, fillcolor="{COLOURS["state"]}"];',
            f'o{t} [label="O{sub(t)}", shape=box, style=filled, fillcolor="{COLOURS["output"]}"];',
            f'{u_edge}label="U", color="{COLOURS["U"]}"];',
            f'{prev} -> S{t} [label="W", color="{COLOURS["W"]}"];',
            f'{v_edge}label="V", color="{COLOURS["V"]}"];',
            f"{{rank=same; x{t}; S{t}; o{t}}}",
        ]
        prev = f"S{t}"
    lines.append("}")
    return "\n".join(lines)
