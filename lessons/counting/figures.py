"""The counting lesson's figures: the unrolled network (Graphviz), and the chart specs of its run, its cost surface
and its gradient along time (Altair).

Each chart is a template (:func:`ui.charts.template`): its shape (marks, encodings, titles), a function of the
language and the few choices that decide it, is built and validated once per process; a student's move only puts
the run's rows in (:func:`ui.charts.filled`: pandas, no Altair). Every value that moves with a control (the start,
the path, the costs) travels as rows. The filled specs go through the one spec cache (:func:`ui.charts.spec_cache`),
keyed on the language and the small inputs that decide them, so a rerun that changes nothing in a chart ships it
from the cache; the runs they draw are the cached ones of :mod:`lessons.counting.readings`. Every number in a chart
is written by :func:`ui.numbers.number_expr`, as :func:`ui.numbers.num` writes it in prose.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lessons.counting.readings import (
    GRID,
    LIMIT,
    SURFACE_KEY,
    SURFACE_KEY_NARROW,
    drawable,
    gradient_norms,
    surface_values,
    training,
)
from rnn_core import counting
from ui import charts, surfaces
from ui.diagrams import COLOURS, FONT_PT, sub, unrolled_steps
from ui.i18n import t
from ui.numbers import integer, num, number_expr

# --- Section 1: the network unrolled over the typed sequence ---------------------------------------------------


def unrolled_counting(
    x: np.ndarray, S: np.ndarray, U: float, W: float, shown: int = 10, per_row: int = 4, stacked: bool = False
) -> list[str]:
    """The counting RNN unrolled over ``x`` (T,) with states ``S`` (T+1,) written in the nodes, as DOT pictures.

    Long sequences show the first ``shown - 1`` steps, an ellipsis and the last k. Time runs left to right in
    rows of ``per_row`` steps, one picture a row, each row after the first starting from the state the row above
    ended with (drawn dashed: the same state, carried over); or, with ``stacked``, top to bottom in one picture
    with a k on each line, which fits a phone. Text is drawn at :data:`FONT_PT` points, as in home's pictures.
    """
    T = len(x)
    steps = unrolled_steps(T, shown)
    rows = [steps] if stacked else [steps[i : i + per_row] for i in range(0, len(steps), per_row)]
    w_edge = f'label="W={num(W)}", color="{COLOURS["W"]}"'
    text = f'node [fontname="Helvetica", fontsize={FONT_PT}]; edge [fontname="Helvetica", fontsize={FONT_PT}];'
    pictures, carried = [], ("S0", f"S{sub(0)}\\n{num(S[0])}", "solid")
    for n, row in enumerate(rows):
        lines = [
            "digraph G {",
            "rankdir=TB; nodesep=0.3; ranksep=0.3;" if stacked else "rankdir=LR; nodesep=0.25; ranksep=0.3;",
            text,
        ]
        name, label, style = carried
        if name == "dots":
            lines.append('dots [label="…", shape=plaintext];')
        else:
            lines.append(
                f'{name} [label="{label}", shape=circle, style="filled,{style}", fillcolor="#eeeeee", '
                f"width=0.6, margin=0.02];"
            )
        prev = name
        for k in row:
            if k is None:
                lines += ['dots [label="…", shape=plaintext];', f"{prev} -> dots [{w_edge}];"]
                prev, carried = "dots", ("dots", "…", "solid")
                continue
            colour = COLOURS["input"] if x[k - 1] == 1 else "#ffffff"
            state = f"S{sub(k)}\\n{num(S[k])}"
            lines += [
                f'x{k} [label="X{sub(k)} = {integer(x[k - 1])}", shape=box, style=filled, fillcolor="{colour}", '
                f'height=0.35, margin="0.08,0.02"];',
                f'S{k} [label="{state}", shape=circle, style=filled, fillcolor="{COLOURS["state"]}", width=0.6, '
                f"margin=0.02];",
                f'x{k} -> S{k} [label="U={num(U)}", color="{COLOURS["U"]}"];',
                f"{{rank=same; x{k}; S{k}}}",  # each input beside its state: above it when time runs left to right
                f"{prev} -> S{k} [{w_edge}];",
            ]
            prev, carried = f"S{k}", (f"S{k}", state, "dashed")
        if n == len(rows) - 1:
            lines += [
                f'y [label="y = {num(S[T])}", shape=doubleoctagon, style=filled, fillcolor="{COLOURS["output"]}"];',
                f"{prev} -> y;",
            ]
        lines.append("}")
        pictures.append("\n".join(lines))
    return pictures


# --- Section 4: the run ---------------------------------------------------------------------------------


def line_chart(
    source: pd.DataFrame | alt.NamedData,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    log_y: bool,
    color: str | None = None,
    color_title: str = "",
    y_domain: tuple | None = None,
    points: bool = False,
) -> alt.Chart:
    """Lines of ``y`` over an integer ``x`` (log or linear y); every tooltip titled, numbers written like num().

    ``source``: the rows, or the :func:`ui.charts.slot` a template's rows go in."""
    tooltip = [alt.Tooltip(f"{x}:Q", title=x_title), alt.Tooltip("shown:N", title=y_title)]
    label = number_expr("datum.value")
    if log_y:  # a log axis has ticks at 1-9 times each power of ten: label 1, 2 and 5 times, as Vega does
        label = f"indexof(['1', '2', '5'], split(format(datum.value, '.2~e'), 'e')[0]) >= 0 ? {label} : ''"
    enc = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="d", tickMinStep=1)),
        "y": alt.Y(
            f"{y}:Q",
            title=y_title,
            axis=alt.Axis(labelExpr=label),
            scale=alt.Scale(type="log" if log_y else "linear", domain=list(y_domain) if y_domain else alt.Undefined),
        ),
    }
    if color:  # colour, and a second channel (dash and marker) for where the lines cross
        enc["color"] = alt.Color(f"{color}:N", title=color_title, scale=alt.Scale(range=list(charts.PALETTE)))
        enc["strokeDash"] = alt.StrokeDash(
            f"{color}:N", title=color_title, scale=alt.Scale(range=[[1, 0], [6, 3], [2, 2]])
        )
        enc["shape"] = alt.Shape(
            f"{color}:N", title=color_title, scale=alt.Scale(range=["circle", "square", "triangle"])
        )
        tooltip.insert(0, alt.Tooltip(f"{color}:N", title=color_title))
    chart = alt.Chart(source).transform_calculate(shown=number_expr(f"datum['{y}']"))
    return chart.mark_line(point=points, clip=True).encode(**enc, tooltip=tooltip).properties(height=260)


def history_rows(run: counting.Trajectory) -> dict[str, pd.DataFrame]:
    """The run's rows for the two history charts: ``cost`` (a cost of exactly 0 left out: a log axis) and
    ``weights`` (the iterations within :data:`DRAWABLE`, U's then W's)."""
    history = pd.DataFrame({"step": np.arange(len(run.costs)), "cost": run.costs})
    history = history[history["cost"] > 0]
    kept = np.flatnonzero(drawable(run.params))
    weights = pd.DataFrame(
        {
            "step": np.tile(kept, 2),
            "value": np.concatenate([run.params[kept, 0], run.params[kept, 1]]),
            "weight": ["U"] * len(kept) + ["W"] * len(kept),
        }
    )
    return {"cost": history, "weights": weights}


def cost_lines(source) -> alt.Chart:
    """The cost over the iterations, on a log axis (``source``: the rows or a slot)."""
    return line_chart(
        source, "step", "cost", x_title=t("common.iteration"), y_title=t("counting.cost_axis"), log_y=True
    )


def weight_lines(source) -> alt.Chart:
    """U and W over the iterations, within (-4, 4) (``source``: the rows or a slot)."""
    return line_chart(
        source,
        "step",
        "value",
        x_title=t("common.iteration"),
        y_title=t("counting.weight_value"),
        color="weight",
        color_title=t("counting.weight_axis"),
        log_y=False,
        y_domain=(-4, 4),
        points=True,
    )


@charts.template(max_entries=4)
def cost_template(lang: str) -> alt.Chart:
    return cost_lines(charts.slot("cost"))


@charts.template(max_entries=4)
def weights_template(lang: str) -> alt.Chart:
    return weight_lines(charts.slot("weights"))


@charts.spec_cache(max_entries=64)
def history_charts(lang: str, data: tuple, start: tuple, lr: float, iters: int) -> tuple[dict, dict]:
    """The cost (log axis: a cost of exactly 0 is left out) and the weights (within :data:`DRAWABLE`)."""
    rows = history_rows(training(*data, start, lr, iters))
    return (
        charts.filled(cost_template(lang), {"cost": rows["cost"]}),
        charts.filled(weights_template(lang), {"weights": rows["weights"]}),
    )


# --- Section 5: the cost surface and the run's path on it -------------------------------------------------


def surface_settings(lang: str, narrow: bool) -> dict:
    """How the surface is drawn, whatever the data set: square, 500 px, or 290 px on a phone (``narrow``)."""
    return dict(
        slot=SURFACE_KEY_NARROW if narrow else SURFACE_KEY,
        titles=("U", "W", t("counting.log_cost")),
        size=290 if narrow else 500,
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def surface_image(lang: str, data: tuple, narrow: bool) -> surfaces.Image:
    """The data set's surface as a picture (what the chart holds of it, its URL, colour stops and legend, comes
    from ``ui.surfaces.heatmap_fill`` at each draw). Shared by every session (read-only)."""
    how = surface_settings(lang, narrow)
    return surfaces.heatmap_image(
        surface_values(*data), (-LIMIT, LIMIT), (-LIMIT, LIMIT), slot=how["slot"], titles=how["titles"]
    )


def surface_heatmap(lang: str, data: tuple, narrow: bool) -> surfaces.Heatmap:
    """The data set's clickable cost surface (its picture, legend and grid of cells) built with Altair: what
    :func:`surface_chart` draws from its template (tests/test_counting_templates.py compares the two)."""
    how = surface_settings(lang, narrow)
    x_title, y_title, value_title = how["titles"]
    return surfaces.heatmap(
        surface_values(*data),
        (-LIMIT, LIMIT),
        (-LIMIT, LIMIT),
        slot=how["slot"],
        x_title=x_title,
        y_title=y_title,
        value_title=value_title,
        selection="cell",
        size=how["size"],
    )


def surface_rows(run: counting.Trajectory, start: tuple) -> dict[str, pd.DataFrame]:
    """The rows drawn over the surface: the run's ``path`` (its drawable iterations) and the ``points`` (the
    optimum and the start)."""
    kept = np.flatnonzero(drawable(run.params))
    path = pd.DataFrame(
        {"U": run.params[kept, 0], "W": run.params[kept, 1], "step": kept, "series": t("counting.path_name")}
    )
    points = pd.DataFrame(
        {"U": [1.0, start[0]], "W": [1.0, start[1]], "label": [t("counting.optimum_label"), t("counting.start_label")]}
    )
    return {"path": path, "points": points}


def surface_layers(surface: alt.LayerChart, path, points, narrow: bool) -> alt.LayerChart:
    """The surface (a heatmap's chart, ``ui.surfaces``) with the run's path, the optimum and the start over it
    (``path``, ``points``: the rows of :func:`surface_rows`, or the slots a template's rows go in). Its legends
    beside it, or below (``narrow``)."""
    xy = {"x": alt.X("U:Q"), "y": alt.Y("W:Q")}
    shown = {"u_shown": number_expr("datum.U"), "w_shown": number_expr("datum.W")}
    # A white line under the path, so that it stands out on every colour of the surface.
    outline = alt.Chart(path).mark_line(clip=True, strokeWidth=4, color="white").encode(**xy, order=alt.Order("step:Q"))
    line = (
        alt.Chart(path)
        .transform_calculate(**shown)
        .mark_line(point=alt.OverlayMarkDef(size=18), clip=True, strokeWidth=1.8)
        .encode(
            **xy,
            order=alt.Order("step:Q"),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(range=[charts.PALETTE[1]]), legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("step:Q", title=t("common.iteration")),
                alt.Tooltip("u_shown:N", title="U"),
                alt.Tooltip("w_shown:N", title="W"),
            ],
        )
    )
    tip = [
        alt.Tooltip("label:N", title=t("counting.point_title")),
        alt.Tooltip("u_shown:N", title="U"),
        alt.Tooltip("w_shown:N", title="W"),
    ]
    mark = (
        alt.Chart(points)
        .transform_calculate(**shown)
        .mark_point(
            shape="cross",
            size=180,
            filled=True,
            color="white",
            stroke="black",
            strokeWidth=1.2,
            clip=True,
        )
        .encode(**xy, tooltip=tip)
    )
    text = (
        alt.Chart(points)
        .mark_text(align="left", dx=9, dy=-9, color="white", fontWeight="bold", clip=True)
        .encode(**xy, text=alt.Text("label:N"))
    )
    chart = surface + outline + line + mark + text
    if narrow:  # every legend under the plot, the colour bar lying along it
        chart = chart.configure_legend(orient="bottom", direction="horizontal", gradientLength=140)
    return chart


@charts.template(max_entries=4, fixed_size=True)
def surface_template(lang: str, narrow: bool) -> alt.LayerChart:
    """The surface's shape, one for every data set: what the data set decides (the picture's URL, the colour
    scale's stops and legend) is held as placeholders (``ui.surfaces.heatmap_chart``), the run as rows."""
    how = surface_settings(lang, narrow)
    shape = surfaces.heatmap_chart(
        None,
        (GRID, GRID),
        titles=how["titles"],
        selection="cell",
        size=how["size"],
        x_range=(-LIMIT, LIMIT),
        y_range=(-LIMIT, LIMIT),
    )
    return surface_layers(shape, charts.slot("path"), charts.slot("points"), narrow)


@charts.spec_cache(max_entries=64)
def surface_chart(lang: str, data: tuple, start: tuple, lr: float, iters: int, narrow: bool = False) -> dict:
    """The clickable cost surface with the run's path (its drawable iterations), the optimum and the start.

    Square, 500 px with its legends beside it; ``narrow`` (a phone): 290 px with its legends below.
    """
    rows = surface_rows(training(*data, start, lr, iters), start)
    image = surface_image(lang, data, narrow)
    return charts.drawn(surface_template(lang, narrow), {**rows, **surfaces.heatmap_fill(image)}, images=(image,))


# --- Section 6: the gradient along time -------------------------------------------------------------------


def gradient_rows(norms: np.ndarray) -> pd.DataFrame:
    """The norms a log axis can draw: states whose gradient is exactly 0 or overflowed are left out."""
    shown = np.isfinite(norms) & (norms > 0)
    return pd.DataFrame({"k": np.arange(len(norms))[shown], "norm": norms[shown]})


def gradient_lines(source) -> alt.Chart:
    """‖∂ξ/∂S_k‖ against k on a log axis (``source``: the rows or a slot)."""
    return line_chart(
        source, "k", "norm", x_title=t("counting.k_axis"), y_title=t("counting.gs_axis"), log_y=True, points=True
    )


@charts.template(max_entries=4)
def gradient_template(lang: str) -> alt.Chart:
    return gradient_lines(charts.slot("norms"))


@charts.spec_cache(max_entries=64)
def gradient_chart(lang: str, data: tuple, U: float, W: float) -> dict:
    """The norms on a log axis; states whose gradient is exactly 0 or overflowed are left out (said in prose)."""
    return charts.filled(gradient_template(lang), {"norms": gradient_rows(gradient_norms(data, U, W))})
