"""The optimizer lesson's charts: their specs, built once per set of inputs from the cached runs of
:mod:`lessons.optimizers.readings`, and the pieces they are made of (paths with one fixed colour per optimizer,
arrows, the tables' frames).

The race's paths and costs travel once per race as a CSV file (:func:`race_rows`, served at a media URL), which
the race chart, the cost chart and the stepping chart all read by URL: their specs are a few KB, and stepping
through the race sends only where each path has got to (a small named dataset, :data:`NOW`). Specs go through
the one spec cache (:func:`ui.charts.spec_cache`), keyed on the language and the small inputs that decide them.

Arrows are a rule from tail to head plus a rotated triangle at the head. The triangle's angle is measured on
screen, so arrow charts keep equal x and y spans on a square plot. Titles and names arrive translated.
"""

from __future__ import annotations

import base64
import math

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lessons.optimizers import params, readings
from rnn_core import optim, race
from ui import charts, media, surfaces
from ui.charts import PALETTE
from ui.i18n import t
from ui.numbers import D3_NUMBER, num, number_expr

# One colour per optimizer, whichever of them race: Okabe–Ito (ui.charts.PALETTE) without its yellow, which
# is lost on the surface's yellow end. Seven runners need all seven other colours, so two pairs stay alike
# (vermilion and orange, sky blue and blue): each runner also has its own dash, and the alike pairs differ in
# it. Each path has a white halo, so that all seven read on viridis.
RUNNER_COLOURS = dict(
    zip(race.RUNNERS, (PALETTE[3], PALETTE[7], PALETTE[5], PALETTE[4], PALETTE[2], PALETTE[1], PALETTE[0]), strict=True)
)
RUNNER_DASHES = dict(zip(race.RUNNERS, ([1, 0], [7, 3], [1, 0], [3, 2], [1, 0], [7, 3], [2, 2]), strict=True))
# A surface (quantitative colour) under paths (nominal colour and dash): Vega-Lite gives the two colour scales a
# layer each; the paths' dash scale must be resolved the same way (independent), or its legend is not merged with
# the paths' colour legend and the chart shows two "optimizer" legends. Charts that layer paths over a surface
# call .resolve_scale(color="independent", strokeDash="independent").
SURFACE_AND_PATHS = ("color", "strokeDash")
NOW = "optimizers_now"  # the stepping chart's dataset: rows ``r`` (runner), ``upto`` (the last step drawn)
RACE_FIELDS = ("s", "u", "w", "c")  # the race's numeric columns (r, the runner id, stays text)
SURFACE_HEIGHT, STEP_HEIGHT = 460, 380  # the race's surface and the stepping chart follow the width
COST_DOMAIN = (1e-12, 1e8)  # the cost chart's log axis


def stack(*layers: alt.TopLevelMixin | None) -> alt.LayerChart:
    """Layer charts in one go (``a + b + c`` nests and copies every layer at each ``+``); None is skipped."""
    return alt.layer(*(layer for layer in layers if layer is not None))


def colours_of(names: dict[str, str]) -> dict[str, str]:
    """``{shown name: colour}`` for ``{runner: shown name}``."""
    return {name: RUNNER_COLOURS[runner] for runner, name in names.items()}


def markers(points: pd.DataFrame, title: str) -> alt.LayerChart:
    """Labelled points (``U``, ``W``, ``label``) that read anywhere on viridis: white crosses ringed in black,
    white labels on a dark halo; ``title`` names the label in the tooltip."""
    xy = {"x": alt.X("U:Q"), "y": alt.Y("W:Q")}
    points = points.assign(u_shown=[num(u) for u in points["U"]], w_shown=[num(w) for w in points["W"]])
    tooltip = [
        alt.Tooltip("label:N", title=title),
        alt.Tooltip("u_shown:N", title="U"),
        alt.Tooltip("w_shown:N", title="W"),
    ]
    mark = (
        alt.Chart(points)
        .mark_point(shape="cross", size=200, filled=True, color="white", stroke="black", strokeWidth=1.3, clip=True)
        .encode(**xy, tooltip=tooltip)
    )
    label = {"align": "left", "dx": 10, "dy": -10, "fontWeight": "bold", "clip": True}
    halo = (
        alt.Chart(points)
        .mark_text(**label, stroke="black", strokeWidth=3, strokeJoin="round", strokeOpacity=0.8)
        .encode(**xy, text=alt.Text("label:N"))
    )
    text = alt.Chart(points).mark_text(**label, color="white").encode(**xy, text=alt.Text("label:N"))
    return alt.layer(mark, halo, text)


def _legend(legend: str | None, columns: int) -> alt.Legend | None:
    """The one legend of a set of lines (colour and dash on one field): line symbols, so the dash shows."""
    return (
        alt.Legend(
            orient=legend, columns=columns, symbolType="stroke", symbolStrokeWidth=2.5, labelLimit=260, symbolSize=300
        )
        if legend
        else None
    )


def _colour(colours: dict[str, str], title: str, legend: str | None = "bottom", columns: int = 4) -> alt.Color:
    """A colour channel on the ``name`` column with fixed colours (``{name: colour}``, legend in that order)."""
    return alt.Color(
        "name:N",
        title=title,
        scale=alt.Scale(domain=list(colours), range=list(colours.values())),
        legend=_legend(legend, columns),
    )


def runner_style(names: dict[str, str], title: str, legend: str | None = "bottom", columns: int = 4) -> dict:
    """Colour and dash of each runner (``names``: id -> shown name) on the ``name`` column: two channels on one
    field with the same title and legend, which Vega-Lite merges into one legend."""
    return {
        "color": _colour(colours_of(names), title, legend, columns),
        "strokeDash": alt.StrokeDash(
            "name:N",
            title=title,
            legend=_legend(legend, columns),
            scale=alt.Scale(domain=list(names.values()), range=[RUNNER_DASHES[runner] for runner in names]),
        ),
    }


def race_rows(lanes: dict) -> pd.DataFrame:
    """Every lane's path and costs as rows ``r`` (runner id), ``s`` (step), ``u``, ``w`` (the weights there) and
    ``c`` (the cost there; missing where the run's last evaluation overflowed)."""
    frames = []
    for runner, lane in lanes.items():
        params, costs = lane.run.params, lane.run.costs
        cost = np.full(len(params), np.nan)
        cost[: len(costs)] = costs
        frames.append(
            pd.DataFrame({"r": runner, "s": np.arange(len(params)), "u": params[:, 0], "w": params[:, 1], "c": cost})
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["r", "s", "u", "w", "c"])


def csv_data(url: str, numbers: tuple[str, ...] = RACE_FIELDS) -> alt.UrlData:
    """Rows in a CSV the browser fetches from ``url`` (e.g. the race's, :func:`race_rows`); ``numbers`` are its
    numeric columns (a missing number is null)."""
    return alt.UrlData(url=url, format=alt.CsvDataFormat(type="csv", parse=dict.fromkeys(numbers, "number")))


def named(chart: alt.Chart | alt.LayerChart, names: dict[str, str]) -> alt.Chart | alt.LayerChart:
    """Add each row's shown ``name`` from its id ``r`` (``names``: id -> shown name)."""
    table = alt.Data(values=[{"r": runner, "name": name} for runner, name in names.items()])
    return chart.transform_lookup(lookup="r", from_=alt.LookupData(data=table, key="r", fields=["name"]))


def so_far(chart: alt.LayerChart) -> alt.LayerChart:
    """Keep the rows up to each runner's current step, read from the :data:`NOW` dataset (``r``, ``upto``)."""
    return chart.transform_lookup(
        lookup="r", from_=alt.LookupData(data=alt.NamedData(name=NOW), key="r", fields=["upto"])
    ).transform_filter("datum.s <= datum.upto")


def positions(lanes: dict, i: int) -> pd.DataFrame:
    """The :data:`NOW` rows: each lane's step at iteration ``i`` (its last point if it stopped earlier)."""
    return pd.DataFrame(
        {"r": list(lanes), "upto": [min(i, len(lane.run.params) - 1) for lane in lanes.values()]}, columns=["r", "upto"]
    )


def path_lines(
    data: alt.UrlData,
    names: dict[str, str],
    *,
    name_title: str,
    step_title: str,
    point_size: int = 14,
    legend: str = "bottom",
    legend_columns: int = 2,
    stepping: bool = False,
) -> alt.LayerChart:
    """Optimizer paths over a surface from the race's rows, points joined in step order, each optimizer in its
    own colour and dash over a white halo. With ``stepping``, only up to each runner's current
    step (:func:`so_far`), and a large dot ringed in white where each one is now. The layers share the data and
    its lookups."""
    xy = {"x": alt.X("u:Q"), "y": alt.Y("w:Q")}
    # D3_NUMBER rather than a num()-like expression: this spec is resent at every tick of play, and the
    # weights on the surface stay within [-3, 3], where the two read alike.
    tooltip = [
        alt.Tooltip("name:N", title=name_title),
        alt.Tooltip("s:Q", title=step_title),
        alt.Tooltip("u:Q", title="U", format=D3_NUMBER),
        alt.Tooltip("w:Q", title="W", format=D3_NUMBER),
    ]
    style = runner_style(names, name_title, legend=legend, columns=legend_columns)
    # Position, colour and tooltip are written once, on the layer, and inherited (the spec stays small);
    # the halo overrides the colour with white.
    shared = {**xy, "color": style["color"], "tooltip": tooltip}
    joined = {"order": alt.Order("s:Q"), "detail": alt.Detail("r:N")}
    halo = alt.Chart().mark_line(clip=True, strokeWidth=4, opacity=0.75).encode(**joined, color=alt.value("white"))
    line = (
        alt.Chart()
        .mark_line(point=alt.OverlayMarkDef(size=point_size, filled=True), clip=True, strokeWidth=1.8)
        .encode(**joined, strokeDash=style["strokeDash"])
    )
    if not stepping:
        return named(alt.layer(halo, line, data=data).encode(**shared), names)
    heads = (
        alt.Chart()
        .transform_filter("datum.s == datum.upto")
        .mark_point(size=170, filled=True, stroke="white", strokeWidth=1.8, opacity=1, clip=True)
    )
    return so_far(named(alt.layer(halo, line, heads, data=data).encode(**shared), names))


def cost_panel(
    data: alt.UrlData,
    runner: str,
    name: str,
    goal: float,
    *,
    x_title: str,
    y_title: str,
    goal_title: str,
    y_domain: tuple[float, float],
    iterations: int,
    height: int = 150,
) -> alt.LayerChart:
    """One runner's cost over the iterations on a log axis cut to ``y_domain`` (a small multiple: every panel
    has the same axes), with the goal ξ* as a dashed rule, titled ``name`` (none if empty: the page writes the
    name above the chart, where it wraps). Rows are the race's; costs ≤ 0 are left out."""
    line = (
        alt.Chart(data)
        .transform_filter(f"datum.r == '{runner}' && datum.c > 0")
        .transform_calculate(c_shown=number_expr("datum.c"))
        .mark_line(clip=True, strokeWidth=2, color=RUNNER_COLOURS[runner], strokeDash=RUNNER_DASHES[runner])
        .encode(
            x=alt.X(
                "s:Q",
                title=x_title,
                scale=alt.Scale(domain=[0, max(iterations, 1)], nice=False),
                axis=alt.Axis(tickCount=4, format="d"),
            ),
            y=alt.Y(
                "c:Q",
                title=y_title,
                scale=alt.Scale(type="log", domain=list(y_domain)),
                axis=alt.Axis(labelExpr=number_expr("datum.value"), values=[1e-12, 1e-6, 1, 1e6]),
            ),
            tooltip=[alt.Tooltip("s:Q", title=x_title), alt.Tooltip("c_shown:N", title=y_title)],
        )
    )
    rule = (
        alt.Chart(alt.Data(values=[{"g": goal, "g_shown": ""}]))
        .transform_calculate(g_shown=number_expr("datum.g"))
        .mark_rule(strokeDash=[4, 3], color="#444444")
        .encode(y=alt.Y("g:Q"), tooltip=[alt.Tooltip("g_shown:N", title=goal_title)])
    )
    layers = [line, rule] if goal > 0 else [line]
    chart = alt.layer(*layers).properties(height=height)
    return chart.properties(title=alt.TitleParams(name, anchor="start", fontSize=14)) if name else chart


def runner_lines(
    data: pd.DataFrame | alt.UrlData,
    colours: dict[str, str],
    y: str,
    *,
    x_title: str,
    y_title: str,
    name_title: str,
    y_domain: tuple[float, float],
    x: str = "step",
    rule_at: int | None = None,
    names: dict[str, str] | None = None,
    dashes: dict[str, list] | None = None,
    height: int = 300,
) -> alt.Chart:
    """``y`` against ``x`` on a log axis cut to ``y_domain``, one line per ``name`` in its colour and dash
    (``dashes``: name -> dash; solid by default) (rows ``name, x, y``, or the race's rows with ``names`` to name
    them; y <= 0 left out), with an optional vertical rule at one iteration."""
    base = alt.Chart(data) if names is None else named(alt.Chart(data), names)
    dashes = dashes or {}
    chart = (
        base.transform_filter(f"datum['{y}'] > 0")
        .transform_calculate(y_shown=number_expr(f"datum['{y}']"))
        .mark_line(clip=True, strokeWidth=2)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title),
            y=alt.Y(
                f"{y}:Q",
                title=y_title,
                scale=alt.Scale(type="log", domain=list(y_domain)),
                axis=alt.Axis(labelExpr=number_expr("datum.value")),
            ),
            color=_colour(colours, name_title, columns=3),
            strokeDash=alt.StrokeDash(
                "name:N",
                title=name_title,
                legend=_legend("bottom", 3),
                scale=alt.Scale(domain=list(colours), range=[dashes.get(name, [1, 0]) for name in colours]),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=name_title),
                alt.Tooltip(f"{x}:Q", title=x_title),
                alt.Tooltip("y_shown:N", title=y_title),
            ],
        )
        .properties(height=height)
    )
    if rule_at is None:
        return chart
    rule = alt.Chart(pd.DataFrame({x: [rule_at]})).mark_rule(color="grey", strokeDash=[4, 3]).encode(x=alt.X(f"{x}:Q"))
    return alt.layer(chart, rule)


def threshold_rules(values: dict[str, float], at: list[float], *, title: str) -> alt.LayerChart:
    """Horizontal dashed rules at labelled heights (e.g. the clipping threshold), each label at its own
    iteration ``at`` (so that labels of close rules do not overlap)."""
    df = pd.DataFrame({"label": list(values), "value": list(values.values()), "step": at[: len(values)]})
    df = df[df["value"] > 0]
    df = df.assign(value_shown=[num(v) for v in df["value"]])
    rule = (
        alt.Chart(df)
        .mark_rule(strokeDash=[6, 3], color="black")
        .encode(
            y=alt.Y("value:Q"), tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("value_shown:N", title=title)]
        )
    )
    text = (
        alt.Chart(df)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-2, fontWeight="bold")
        .encode(x=alt.X("step:Q"), y=alt.Y("value:Q"), text=alt.Text("label:N"))
    )
    return alt.layer(rule, text)


def variant_lines(
    df: pd.DataFrame,
    colours: dict[str, str],
    dashes: dict[str, list],
    *,
    x_title: str,
    y_title: str,
    color_title: str,
    height: int = 300,
) -> alt.Chart:
    """Rows ``step, value, series`` as log-y lines, one colour and dash per series (``{series: colour}``,
    ``{series: dash}``), with the values written as num() writes them in the tooltips."""
    df = df[df["value"] > 0].assign(value_shown=lambda d: [num(v) for v in d["value"]])
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=360, symbolStrokeWidth=2.5)
    return (
        alt.Chart(df)
        .mark_line(clip=True, strokeWidth=1.8)
        .encode(
            x=alt.X("step:Q", title=x_title),
            y=alt.Y(
                "value:Q",
                title=y_title,
                scale=alt.Scale(type="log"),
                axis=alt.Axis(labelExpr=number_expr("datum.value")),
            ),
            color=alt.Color(
                "series:N",
                title=color_title,
                legend=legend,
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=color_title,
                legend=legend,
                scale=alt.Scale(domain=list(dashes), range=list(dashes.values())),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=color_title),
                alt.Tooltip("step:Q", title=x_title),
                alt.Tooltip("value_shown:N", title=y_title),
            ],
        )
        .properties(height=height)
    )


# --- arrows -------------------------------------------------------------------------------------------------


def arrow_rows(
    origin: tuple[float, float],
    vectors: dict[str, np.ndarray],
    half_width: float,
    centre: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Arrows from ``origin`` along each labelled vector, cut where they leave the square window of
    ``half_width`` around ``centre`` (default: the origin).

    Returns rows ``label, x0, y0, x1, y1, angle, length, shown``: ``angle`` is the head's rotation in degrees
    clockwise from up (screen convention, equal axes assumed), ``length`` the true length, ``shown`` the
    fraction of it drawn (1 when it fits). Non-finite vectors are left out.
    """
    cx, cy = centre if centre is not None else origin
    rows = []
    for label, vector in vectors.items():
        dx, dy = float(vector[0]), float(vector[1])
        if not (math.isfinite(dx) and math.isfinite(dy)):
            continue
        length = math.hypot(dx, dy)
        shown = 1.0
        for d, o, c in ((dx, origin[0], cx), (dy, origin[1], cy)):  # the largest t <= 1 inside the window
            if d > 0:
                shown = min(shown, (c + half_width - o) / d)
            elif d < 0:
                shown = min(shown, (c - half_width - o) / d)
        shown = max(shown, 0.0)
        rows.append(
            {
                "label": label,
                "x0": origin[0],
                "y0": origin[1],
                "x1": origin[0] + shown * dx,
                "y1": origin[1] + shown * dy,
                "angle": math.degrees(math.atan2(dx, dy)) % 360,
                "length": length,
                "shown": shown,
            }
        )
    return pd.DataFrame(rows, columns=["label", "x0", "y0", "x1", "y1", "angle", "length", "shown"])


def arrows(
    df: pd.DataFrame,
    colours: dict[str, str],
    *,
    title: str,
    length_title: str,
    x: str = "U",
    y: str = "W",
    legend: bool = True,
) -> alt.LayerChart:
    """Draw :func:`arrow_rows`: a shaft per arrow (dashed when cut off at the window's edge) on a white halo, and
    a triangle at its head (left out when cut off). Three layers whatever the number of arrows."""
    shafts = pd.concat([df.assign(end=0, x=df["x0"], y=df["y0"]), df.assign(end=1, x=df["x1"], y=df["y1"])])
    shafts["cut"] = np.where(shafts["shown"] < 1, "cut", "whole")
    colour = alt.Color(
        "label:N",
        title=title,
        scale=alt.Scale(domain=list(colours), range=list(colours.values())),
        legend=alt.Legend(orient="bottom", columns=1, labelLimit=260, symbolType="stroke", symbolStrokeWidth=4)
        if legend
        else None,
    )
    df = df.assign(length_shown=[num(v) for v in df["length"]])
    shafts["length_shown"] = [num(v) for v in shafts["length"]]
    tooltip = [alt.Tooltip("label:N", title=title), alt.Tooltip("length_shown:N", title=length_title)]
    ends = {
        "x": alt.X("x:Q", title=x),
        "y": alt.Y("y:Q", title=y),
        "detail": alt.Detail("label:N"),
        "order": alt.Order("end:Q"),
    }
    halo = alt.Chart(shafts).mark_line(strokeWidth=6.5, clip=True, color="white", opacity=0.8).encode(**ends)
    shaft = (
        alt.Chart(shafts)
        .mark_line(strokeWidth=3.5, clip=True)
        .encode(
            **ends,
            color=colour,
            tooltip=tooltip,
            strokeDash=alt.StrokeDash(
                "cut:N", scale=alt.Scale(domain=["whole", "cut"], range=[[1, 0], [7, 4]]), legend=None
            ),
        )
    )
    head = (
        alt.Chart(df[df["shown"] >= 1])
        .mark_point(shape="triangle-up", filled=True, size=190, opacity=1, stroke="black", strokeWidth=0.6)
        .encode(x=alt.X("x1:Q"), y=alt.Y("y1:Q"), angle=alt.Angle("angle:Q", scale=None), color=colour, tooltip=tooltip)
    )
    return alt.layer(halo, shaft, head)


def region_outline(by: str, threshold: float, half_width: float) -> pd.DataFrame:
    """The clipping region's border in gradient space, a circle of radius ``threshold`` (by norm) or the square
    ``[-threshold, threshold]^2`` (by value), and the two axes through 0 across the window; rows
    ``part, x, y, order``."""
    if by == "norm":
        angle = np.linspace(0.0, 2.0 * np.pi, 97)
        x, y = threshold * np.cos(angle), threshold * np.sin(angle)
    else:
        x = threshold * np.array([-1, 1, 1, -1, -1.0])
        y = threshold * np.array([-1, -1, 1, 1, -1.0])
    h = half_width
    return pd.DataFrame(
        {
            "part": ["region"] * len(x) + ["x axis", "x axis", "y axis", "y axis"],
            "x": [*x, -h, h, 0.0, 0.0],
            "y": [*y, 0.0, 0.0, -h, h],
            "order": np.arange(len(x) + 4),
        }
    )


def gradient_plane(
    arrow_df: pd.DataFrame,
    outline: pd.DataFrame,
    colours: dict[str, str],
    half_width: float,
    *,
    title: str,
    length_title: str,
    x_title: str,
    y_title: str,
    size: int = 280,
) -> alt.LayerChart:
    """Gradient vectors drawn from the origin of the (dxi/dU, dxi/dW) plane, over the axes and the clipping
    region (:func:`region_outline`)."""
    domain = [-half_width, half_width]
    xy = {
        "x": alt.X("x:Q", title=x_title, scale=alt.Scale(domain=domain, nice=False)),
        "y": alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=domain, nice=False)),
        "order": alt.Order("order:Q"),
        "detail": alt.Detail("part:N"),
    }
    axes = alt.Chart(outline[outline["part"] != "region"]).mark_line(color="#BBBBBB", clip=True).encode(**xy)
    region = (
        alt.Chart(outline[outline["part"] == "region"])
        .mark_line(color="#444444", strokeWidth=2, clip=True)
        .encode(**xy)
    )
    return alt.layer(
        axes, region, arrows(arrow_df, colours, title=title, length_title=length_title, x=x_title, y=y_title)
    ).properties(width=size, height=size)


def newton_window(
    surface: alt.LayerChart,
    arrow_df: pd.DataFrame,
    colours: dict[str, str],
    centre: tuple[float, float],
    *,
    title: str,
    length_title: str,
) -> alt.LayerChart:
    """A zoom of the cost surface around ``centre`` (a :func:`ui.surfaces.heatmap` chart, whose size and axes
    it keeps) with step arrows from it (:func:`arrow_rows`) and the point itself."""
    point = (
        alt.Chart(pd.DataFrame({"U": [centre[0]], "W": [centre[1]]}))
        .mark_point(shape="circle", size=90, filled=True, color="white", stroke="black", strokeWidth=1.2)
        .encode(x=alt.X("U:Q"), y=alt.Y("W:Q"))
    )
    return alt.layer(surface, arrows(arrow_df, colours, title=title, length_title=length_title), point)


# --- tables -------------------------------------------------------------------------------------------------


def vector_table(rows: dict[str, np.ndarray], columns: tuple[str, str, str]) -> str:
    """A (quantity, U, W) table of 2-vectors as Markdown, numbers written by :func:`ui.numbers.num`. (Markdown,
    not a data frame: a play tick redraws it, and a 3-row frame costs more on the wire than the chart's steps.)"""

    def cell(text) -> str:
        return str(text).replace("|", "\\|")  # a '|' would end the cell

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|:--|--:|--:|"]
    lines += [f"| {cell(name)} | {num(v[0])} | {num(v[1])} |" for name, v in rows.items()]
    return "\n".join(lines)


# --- the race's rows as CSV, served at a media URL ------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def race_csv(data: tuple, start: tuple, iters: int, entries: tuple) -> bytes:
    """The race's paths and costs (:func:`race_rows`) as CSV, 7 significant digits."""
    return race_rows(readings.racing(data, start, iters, entries)).to_csv(index=False, float_format="%.7g").encode()


@st.cache_resource(max_entries=16, show_spinner=False)
def clipping_csv(data: tuple, threshold: float) -> bytes:
    """Section 3's runs' gradient norms before clipping as CSV: rows ``r`` (plain, norm, value), ``s``, ``g``."""
    rows = pd.concat(
        [
            pd.DataFrame(
                {"r": key, "s": np.arange(len(run.run.grads)), "g": np.hypot(run.run.grads[:, 0], run.run.grads[:, 1])}
            )
            for key, run in readings.clipping_runs(data, threshold).items()
        ],
        ignore_index=True,
    )
    return rows.to_csv(index=False, float_format="%.7g").encode()


def csv_url(data: bytes, slot: str) -> str:
    """Where the browser reads a CSV: served by this server for as long as this session shows it (or inline,
    outside a server). A chart that reads it is drawn with :func:`show_reading`, which registers it again."""
    return media.url(data, "text/csv", f"optimizers.{slot}") or (
        "data:text/csv;base64," + base64.b64encode(data).decode("ascii")
    )


def race_url(args: tuple) -> str:
    return csv_url(race_csv(*args), "race")


def show_reading(spec: dict, csv: bytes, slot: str, where=st, save: bool = True, **kwargs):
    """Draw a chart whose rows come from a CSV (keeping its URL valid for this session) with :func:`charts.show`;
    its "Save" menu inlines those rows into the saved figure and data."""
    url = csv_url(csv, slot)
    return charts.show(spec, where=where, save=save, url_data={url: csv}, **kwargs)


def show_race(spec: dict, args: tuple, where=st, **kwargs):
    """Draw a chart that reads the race's CSV (:func:`show_reading`)."""
    return show_reading(spec, race_csv(*args), "race", where=where, **kwargs)


# --- chart specs: each built and validated once per set of inputs (`lang` first: titles are translated inside) --


def start_and_optimum(start: tuple) -> pd.DataFrame:
    """The optimum and the start, labelled, for :func:`markers`."""
    labels = [t("optimizers.optimum_label", **readings.point(race.OPTIMUM)), t("optimizers.start_label")]
    return pd.DataFrame({"U": [race.OPTIMUM[0], start[0]], "W": [race.OPTIMUM[1], start[1]], "label": labels})


def _surface(data: tuple, slot: str, height: int, selection: str | None = None) -> surfaces.Heatmap:
    """The race's surface at ``height`` pixels, as wide as its container (the chart is drawn with
    ``width="stretch"``): the heatmap's own width is dropped, so Vega-Lite fits the width."""
    span = (-readings.LIMIT, readings.LIMIT)
    heat = surfaces.heatmap(
        readings.surface_values(data),
        span,
        span,
        slot=slot,
        x_title="U",
        y_title="W",
        value_title=t("optimizers.log_cost"),
        selection=selection,
        size=height,
    )
    chart = heat.chart.copy()
    chart.width = alt.Undefined  # the chart's top level sets the height; the container, the width
    return heat._replace(chart=chart)


def _fit_width(spec: dict) -> dict:
    """Fit the chart's width to its container, keep its height for the plot (axes and legends come on top):
    Streamlit's default for a stretched chart, "fit", would squeeze the plot under tall legends."""
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def _colour_legend_on_top(spec: dict) -> dict:
    """Put the surface's colour legend above the plot (beside it, it would not fit a phone; under it, it would
    sit beside the paths' legend and widen the chart)."""
    spec.setdefault("config", {}).setdefault("legend", {}).update(orient="top", gradientLength=200)
    return spec


@charts.spec_cache(max_entries=32)
def race_chart(lang: str, args: tuple) -> dict:
    """The clickable race surface with every runner's path, the optimum and the start."""
    data, start, _, entries = args
    heat = _surface(data, readings.SURFACE_KEY, SURFACE_HEIGHT, selection="cell")
    paths = (
        path_lines(
            csv_data(race_url(args)),
            readings.runner_names(runner for runner, _ in entries),
            name_title=t("optimizers.optimizer"),
            step_title=t("common.iteration"),
        )
        if entries
        else None
    )
    chart = stack(heat.chart, paths, markers(start_and_optimum(start), t("optimizers.point_title")))
    chart = chart.resolve_scale(color="independent", strokeDash="independent")  # see SURFACE_AND_PATHS
    return _fit_width(
        _colour_legend_on_top(charts.vega_lite(chart.properties(height=SURFACE_HEIGHT), images=(heat.image,)))
    )


def _cost_panel(args: tuple, runner: str, goal: float, titled: bool) -> alt.LayerChart:
    return cost_panel(
        csv_data(race_url(args)),
        runner,
        t(readings.NAMES[runner]) if titled else "",
        goal,
        x_title=t("common.iteration"),
        y_title=t("optimizers.cost_axis"),
        goal_title=t("optimizers.goal_label"),
        y_domain=COST_DOMAIN,
        iterations=args[2],
    )


@charts.spec_cache(max_entries=64)
def cost_chart(lang: str, args: tuple, goal: float, runner: str) -> dict:
    """One small multiple of the cost chart: ``runner``'s cost over the iterations (all panels share axes)."""
    return _fit_width(charts.vega_lite(_cost_panel(args, runner, goal, titled=False)))


@charts.spec_cache(max_entries=32)
def cost_figure(lang: str, args: tuple, goal: float) -> dict:
    """Every panel of the cost chart in one figure, for the "Save" menu (two columns of fixed width)."""
    panels = [_cost_panel(args, runner, goal, titled=True).properties(width=300) for runner, _ in args[3]]
    return charts.vega_lite(alt.concat(*panels, columns=2))


@charts.spec_cache(max_entries=32)
def step_chart(lang: str, args: tuple) -> dict:
    """The surface with the paths up to each runner's current step and a dot where each is: the steps come
    in the :data:`NOW` dataset (:func:`show_steps`), so the spec is the same at every
    iteration and a step resends only that."""
    heat = _surface(args[0], "optimizers_steps", STEP_HEIGHT)
    names, source = readings.runner_names(runner for runner, _ in args[3]), csv_data(race_url(args))
    titles = {"name_title": t("optimizers.optimizer"), "step_title": t("common.iteration")}
    spec = charts.vega_lite(
        stack(
            heat.chart,
            path_lines(source, names, point_size=10, legend="bottom", legend_columns=2, stepping=True, **titles),
        )
        .properties(height=STEP_HEIGHT)
        .resolve_scale(color="independent", strokeDash="independent"),
        images=(heat.image,),
    )  # see SURFACE_AND_PATHS
    spec.setdefault("usermeta", {})["embedOptions"] = {"renderer": "canvas"}  # thousands of dots, redrawn often
    return _fit_width(_colour_legend_on_top(spec))


def show_steps(lang: str, args: tuple, i: int, where=st, save: bool = True) -> None:
    """The stepping chart at iteration ``i``: the cached spec with this iteration's :data:`NOW` rows (a shallow
    copy: the cached spec is shared). No "Save" menu while playing: a tick sends only what moved."""
    spec = step_chart(lang, args)
    now = positions(readings.racing(*args), i)
    show_race(
        {**spec, "datasets": {**spec["datasets"], NOW: now}},
        args,
        where=where,
        width="stretch",
        save=save,
        name="optimizers-race-step",
    )


@charts.spec_cache(max_entries=64)
def norm_chart(lang: str, data: tuple, threshold: float, iteration: int) -> dict:
    """The gradient norms along the three runs of section 3 (from :func:`clipping_csv`, so that moving the
    iteration resends only this spec), the threshold, the average norm and the iteration looked at."""
    runs = readings.clipping_runs(data, threshold)
    names = {
        "plain": t("optimizers.series_plain"),
        "norm": t("optimizers.clip_by_norm"),
        "value": t("optimizers.clip_by_value"),
    }
    colours = dict(zip(names.values(), (RUNNER_COLOURS["sgd"], RUNNER_COLOURS["clip"], charts.PALETTE[0]), strict=True))
    dashes = dict(zip(names.values(), ([1, 0], [7, 3], [2, 2]), strict=True))
    average = race.average_gradient_norm(runs["norm"].run.grads)
    source = csv_data(csv_url(clipping_csv(data, threshold), "clipping"), numbers=("s", "g"))
    return charts.vega_lite(
        stack(
            runner_lines(
                source,
                colours,
                "g",
                x="s",
                names=names,
                x_title=t("common.iteration"),
                y_title=t("optimizers.norm_axis"),
                name_title=t("optimizers.run_title"),
                rule_at=iteration,
                y_domain=(0.1, 1e6),
                dashes=dashes,
            ),
            threshold_rules(
                {t("optimizers.threshold_rule"): threshold, t("optimizers.average_rule"): average},
                [0, 0.6 * params.BOOK["iters"]],
                title=t("optimizers.norm_axis"),
            ),
        )
    )


@charts.spec_cache(max_entries=64)
def plane_chart(lang: str, data: tuple, threshold: float, iteration: int, by: str) -> dict:
    detail = race.update_at(readings.clipping_runs(data, threshold)[by], iteration)  # the page checks it is not None
    raw, cut = detail["gradient"], detail["clipped_grad"]
    colours = {t("optimizers.raw_gradient"): "#D55E00", t("optimizers.clipped_gradient"): "#0072B2"}
    region = threshold if by == "norm" else threshold * np.sqrt(2.0)  # how far the region reaches
    half = 1.3 * max(float(np.hypot(*cut)), min(region, float(np.hypot(*raw))), 1e-9)
    arrow_df = arrow_rows((0.0, 0.0), dict(zip(colours, (raw, cut), strict=True)), half)
    return charts.vega_lite(
        gradient_plane(
            arrow_df,
            region_outline(by, threshold, half),
            colours,
            half,
            title=t("optimizers.arrow_title"),
            length_title=t("optimizers.length"),
            x_title="∂ξ/∂U",
            y_title="∂ξ/∂W",
        ),
        fixed_size=True,
    )


@charts.spec_cache(max_entries=32)
def delta_chart(lang: str, data: tuple, step0: float, weight: str) -> dict:
    column = race.KEYS.index(weight)
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "step": np.arange(1, len(run.run.updates) + 1, dtype=np.int32),
                    "value": run.series["step"][:, column],
                    "series": t(readings.VARIANTS[variant]),
                }
            )
            for variant, run in readings.rprop_variants(data, step0).items()
            if len(run.run.updates)
        ],
        ignore_index=True,
    )
    rows["series"] = rows["series"].astype("category")
    shown = [t(readings.VARIANTS[variant]) for variant in optim.RPROP_VARIANTS]
    colours = dict(zip(shown, (RUNNER_COLOURS["rprop"], charts.PALETTE[0], charts.PALETTE[2]), strict=True))
    dashes = dict(zip(shown, ([1, 0], [7, 3], [2, 2]), strict=True))
    return charts.vega_lite(
        variant_lines(
            rows,
            colours,
            dashes,
            x_title=t("common.iteration"),
            y_title=t("optimizers.delta_axis", weight=weight),
            color_title=t("optimizers.variant_label"),
        )
    )


@charts.spec_cache(max_entries=64)
def newton_chart(lang: str, data: tuple, U: float, W: float, lr: float, damping: float) -> dict:
    here, names = readings.steps(data, U, W, lr, damping), readings.step_names(lr, damping)
    colours = dict(zip(names.values(), ("#D55E00", "#000000", "#56B4E9"), strict=True))
    local = readings.LOCAL
    arrow_df = arrow_rows((U, W), {names[k]: here[k] for k in names}, local)
    heat = surfaces.heatmap(
        readings.local_values(data, U, W),
        (U - local, U + local),
        (W - local, W + local),
        slot="optimizers_newton",
        x_title="U",
        y_title="W",
        value_title=t("optimizers.log_cost"),
        size=280,
    )
    return _colour_legend_on_top(
        charts.vega_lite(
            newton_window(
                heat.chart,
                arrow_df,
                colours,
                (U, W),
                title=t("optimizers.step_title"),
                length_title=t("optimizers.length"),
            ),
            fixed_size=True,
            images=(heat.image,),
        )
    )
