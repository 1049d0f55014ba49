"""The optimizer lesson's charts, and the pieces they are made of (paths with one fixed colour per optimizer,
arrows, the tables' frames).

Each chart drawn on a student's move is a template (:func:`ui.charts.template`): its shape (marks, encodings,
titles) is built and validated once per language and the few choices that decide it, and each draw only puts in
what moves with the page's settings, with no Altair object: rows (data frames in :func:`ui.charts.slot` places)
and the few values a chart holds in its spec (a CSV's URL, an axis's ends, a surface's picture and colour stops,
the names in a legend), which the shape holds as :func:`ui.charts.place` placeholders and
:func:`ui.charts.drawn` puts in. Every builder below takes ``fill``: None for the template, or the values
themselves, which builds the same spec with Altair (what tests/test_optimizers_templates.py compares each draw
with).

The race's paths and costs travel once per race as a CSV file (:func:`race_rows`, served at a media URL), which
the race chart, the cost chart and the stepping chart all read by URL: their specs are a few KB, and stepping
through the race sends only where each path has got to (a small named dataset, :data:`NOW`).

Arrows are a rule from tail to head plus a rotated triangle at the head. The triangle's angle is measured on
screen, so arrow charts keep equal x and y spans on a square plot. Titles and names arrive translated.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lessons.optimizers import params, readings
from rnn_core import optim, race
from ui import charts, media, surfaces
from ui.charts import PALETTE
from ui.i18n import t
from ui.lru import SharedLRU
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
SPAN = (-params.LIMIT, params.LIMIT)  # the race's surface: U and W across it
COST_DOMAIN = (1e-12, 1e8)  # the cost chart's log axis


# --- templates: a shape built once, what moves put in at each draw --------------------------------------------


def rows(fill: dict | None, name: str) -> pd.DataFrame | alt.NamedData:
    """A chart's rows: ``fill[name]`` (a data frame), or with ``fill`` None (a template) the slot they go in."""
    return charts.slot(name) if fill is None else fill[name]


def stack(*layers: alt.TopLevelMixin | None) -> alt.LayerChart:
    """Layer charts in one go (``a + b + c`` nests and copies every layer at each ``+``); None is skipped."""
    return alt.layer(*(layer for layer in layers if layer is not None))


def colours_of(names: dict[str, str]) -> dict[str, str]:
    """``{shown name: colour}`` for ``{runner: shown name}``."""
    return {name: RUNNER_COLOURS[runner] for runner, name in names.items()}


def marker_rows(points: pd.DataFrame) -> pd.DataFrame:
    """:func:`markers`' rows: labelled points (``U``, ``W``, ``label``) with their coordinates as num() writes
    them."""
    return points.assign(u_shown=[num(u) for u in points["U"]], w_shown=[num(w) for w in points["W"]])


def markers(points: pd.DataFrame | alt.NamedData, title: str) -> alt.LayerChart:
    """Labelled points (:func:`marker_rows`) that read anywhere on viridis: white crosses ringed in black, white
    labels on a dark halo; ``title`` names the label in the tooltip."""
    xy = {"x": alt.X("U:Q"), "y": alt.Y("W:Q")}
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
    # One column: a legend's labels are cut, never wrapped, and two columns of the longer names ("Gradient descent +
    # clipping", "경사 하강법 + 클리핑") did not fit a phone's width (the surface is drawn on canvas, where the
    # browser test's SVG text check does not reach).
    legend_columns: int = 1,
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


def goal_rows(goal: float) -> list[dict] | None:
    """The cost chart's goal ξ* as the rule's one row (inline), or None when there is no goal (ξ* = 0)."""
    return [{"g": goal, "g_shown": ""}] if goal > 0 else None


def cost_panel(
    data: alt.UrlData,
    runner: str,
    name: str,
    goal: list[dict] | str | None,
    *,
    x_title: str,
    y_title: str,
    goal_title: str,
    y_domain: tuple[float, float],
    x_end: int | str,
    height: int = 150,
) -> alt.LayerChart:
    """One runner's cost over the iterations (to ``x_end``, the race's length) on a log axis cut to ``y_domain``
    (a small multiple: every panel has the same axes), with the goal ξ* as a dashed rule (``goal``: its row,
    :func:`goal_rows`; None for no rule), titled ``name`` (none if empty: the page writes the name above the
    chart, where it wraps). Rows are the race's; costs ≤ 0 are left out."""
    line = (
        alt.Chart(data)
        .transform_filter(f"datum.r == '{runner}' && datum.c > 0")
        .transform_calculate(c_shown=number_expr("datum.c"))
        .mark_line(clip=True, strokeWidth=2, color=RUNNER_COLOURS[runner], strokeDash=RUNNER_DASHES[runner])
        .encode(
            x=alt.X(
                "s:Q",
                title=x_title,
                scale=alt.Scale(domain=[0, x_end], nice=False),
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
    layers = [line]
    if goal is not None:
        layers.append(
            alt.Chart(alt.Data(values=goal))
            .transform_calculate(g_shown=number_expr("datum.g"))
            .mark_rule(strokeDash=[4, 3], color="#444444")
            .encode(y=alt.Y("g:Q"), tooltip=[alt.Tooltip("g_shown:N", title=goal_title)])
        )
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
    rule_at: pd.DataFrame | alt.NamedData | None = None,
    names: dict[str, str] | None = None,
    dashes: dict[str, list] | None = None,
    height: int = 300,
) -> alt.Chart:
    """``y`` against ``x`` on a log axis cut to ``y_domain``, one line per ``name`` in its colour and dash
    (``dashes``: name -> dash; solid by default) (rows ``name, x, y``, or the race's rows with ``names`` to name
    them; y <= 0 left out), with an optional vertical rule at one iteration (``rule_at``: its row, ``x``)."""
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
    rule = alt.Chart(rule_at).mark_rule(color="grey", strokeDash=[4, 3]).encode(x=alt.X(f"{x}:Q"))
    return alt.layer(chart, rule)


def threshold_rows(values: dict[str, float], at_steps: list[float]) -> pd.DataFrame:
    """:func:`threshold_rules`' rows: each labelled height (left out if not above 0) at its own iteration (so that
    labels of close rules do not overlap), written as num() writes it."""
    df = pd.DataFrame({"label": list(values), "value": list(values.values()), "step": at_steps[: len(values)]})
    df = df[df["value"] > 0]
    return df.assign(value_shown=[num(v) for v in df["value"]])


def threshold_rules(df: pd.DataFrame | alt.NamedData, *, title: str) -> alt.LayerChart:
    """Horizontal dashed rules at labelled heights (e.g. the clipping threshold), rows :func:`threshold_rows`."""
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


def variant_rows(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`variant_lines`' rows: the positive values, written as num() writes them for the tooltips."""
    return df[df["value"] > 0].assign(value_shown=lambda d: [num(v) for v in d["value"]])


def variant_lines(
    df: pd.DataFrame | alt.NamedData,
    colours: dict[str, str],
    dashes: dict[str, list],
    *,
    x_title: str,
    y_title: str,
    color_title: str,
    height: int = 300,
) -> alt.Chart:
    """Rows ``step, value, series`` (:func:`variant_rows`) as log-y lines, one colour and dash per series
    (``{series: colour}``, ``{series: dash}``), with the values written as num() writes them in the tooltips."""
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


def arrow_frames(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`arrows`' rows from :func:`arrow_rows`: ``shafts`` (each arrow's two ends, ``cut`` where it leaves the
    window) and ``heads`` (the arrows drawn whole), their lengths written as num() writes them."""
    shafts = pd.concat([df.assign(end=0, x=df["x0"], y=df["y0"]), df.assign(end=1, x=df["x1"], y=df["y1"])])
    shafts["cut"] = np.where(shafts["shown"] < 1, "cut", "whole")
    df = df.assign(length_shown=[num(v) for v in df["length"]])
    shafts["length_shown"] = [num(v) for v in shafts["length"]]
    return {"shafts": shafts, "heads": df[df["shown"] >= 1]}


def arrows(
    fill: dict | None,
    colours: dict[str, str],
    *,
    title: str,
    length_title: str,
    x: str = "U",
    y: str = "W",
    legend: bool = True,
) -> alt.LayerChart:
    """Draw :func:`arrow_frames` (``fill``'s ``shafts`` and ``heads``, or their slots): a shaft per arrow (dashed
    when cut off at the window's edge) on a white halo, and a triangle at its head (left out when cut off). Three
    layers whatever the number of arrows."""
    shafts = rows(fill, "shafts")
    colour = alt.Color(
        "label:N",
        title=title,
        scale=alt.Scale(domain=list(colours), range=list(colours.values())),
        legend=alt.Legend(orient="bottom", columns=1, labelLimit=260, symbolType="stroke", symbolStrokeWidth=4)
        if legend
        else None,
    )
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
        alt.Chart(rows(fill, "heads"))
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


def outline_frames(outline: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`gradient_plane`'s rows of :func:`region_outline`: the ``axes`` and the ``region``'s border."""
    return {"axes": outline[outline["part"] != "region"], "region": outline[outline["part"] == "region"]}


def gradient_plane(
    fill: dict | None,
    colours: dict[str, str],
    *,
    title: str,
    length_title: str,
    x_title: str,
    y_title: str,
    size: int = 280,
) -> alt.LayerChart:
    """Gradient vectors drawn from the origin of the (dxi/dU, dxi/dW) plane (:func:`arrow_frames`), over the axes
    and the clipping region (:func:`outline_frames`), in the square window from ``fill["low"]`` to ``fill["high"]``
    on both axes."""
    domain = [charts.place(fill, "low"), charts.place(fill, "high")]
    xy = {
        "x": alt.X("x:Q", title=x_title, scale=alt.Scale(domain=domain, nice=False)),
        "y": alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=domain, nice=False)),
        "order": alt.Order("order:Q"),
        "detail": alt.Detail("part:N"),
    }
    axes = alt.Chart(rows(fill, "axes")).mark_line(color="#BBBBBB", clip=True).encode(**xy)
    region = alt.Chart(rows(fill, "region")).mark_line(color="#444444", strokeWidth=2, clip=True).encode(**xy)
    return alt.layer(
        axes, region, arrows(fill, colours, title=title, length_title=length_title, x=x_title, y=y_title)
    ).properties(width=size, height=size)


def newton_window(
    surface: alt.LayerChart,
    fill: dict | None,
    colours: dict[str, str],
    *,
    title: str,
    length_title: str,
) -> alt.LayerChart:
    """A zoom of the cost surface around a point (:func:`surface_chart`, whose size and axes it keeps) with step
    arrows from it (:func:`arrow_frames`) and the point itself (``fill["point"]``: its one row, ``U``, ``W``)."""
    point = (
        alt.Chart(rows(fill, "point"))
        .mark_point(shape="circle", size=90, filled=True, color="white", stroke="black", strokeWidth=1.2)
        .encode(x=alt.X("U:Q"), y=alt.Y("W:Q"))
    )
    return alt.layer(surface, arrows(fill, colours, title=title, length_title=length_title), point)


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


def race_csv(data: tuple, start: tuple, iters: int, entries: tuple) -> bytes:
    """The race's paths and costs (:func:`race_rows`) as CSV, 7 significant digits (read once per move in a
    session: :func:`readings.remembered`)."""
    args = (data, start, iters, entries)
    return readings.remembered("_optimizers.race_csv", args, lambda: _race_csv(*args))


@st.cache_resource(max_entries=16, show_spinner=False)
def _race_csv(data: tuple, start: tuple, iters: int, entries: tuple) -> bytes:
    return rows_csv(readings.racing(data, start, iters, entries))


def rows_csv(lanes: dict) -> bytes:
    """:func:`race_rows` as ``to_csv(index=False, float_format="%.7g")`` writes them, byte for byte, written
    directly: pandas' writer took 13 ms a race, about 7 % of a move (tests/test_optimizers_templates.py compares the
    two). A run's numbers are all finite (a Trajectory is cut at its first non-finite value); the cost a diverged
    run could not compute at its last row is missing, written empty as pandas writes a missing number."""
    return ("r,s,u,w,c\n" + "".join(_lane_rows(runner, lane) for runner, lane in lanes.items())).encode()


def _lane_rows(runner: str, lane: race.Lane) -> str:
    """One lane's CSV lines, written once per lane (a move of one runner's setting changes one lane of seven)."""
    store = _lane_rows_store()
    kept = store.get((runner, id(lane)))
    if kept is not None and kept[0] is lane:  # the very lane (the store keeps it alive: its id is its own)
        return kept[1]
    params, costs = lane.run.params, lane.run.costs
    us, ws = (f"{x:.7g}" for x in params[:, 0].tolist()), (f"{x:.7g}" for x in params[:, 1].tolist())
    cs = [f"{x:.7g}" for x in costs.tolist()] + [""] * (len(params) - len(costs))
    rows = "".join(f"{runner},{s},{u},{w},{c}\n" for s, (u, w, c) in enumerate(zip(us, ws, cs, strict=True)))
    store.put((runner, id(lane)), (lane, rows))
    return rows


@st.cache_resource(show_spinner=False)
def _lane_rows_store() -> SharedLRU:
    """Each lane's CSV lines, by runner and lane, shared by every session, as many as the lane store keeps."""
    return SharedLRU(readings.LANES_KEPT)


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


def show_race(spec: dict, args: tuple, where=st, csv: bytes | None = None, **kwargs):
    """Draw a chart that reads the race's CSV (:func:`show_reading`; ``csv``: its bytes, if the caller has them)."""
    return show_reading(spec, race_csv(*args) if csv is None else csv, "race", where=where, **kwargs)


# --- chart specs: each built and validated once per set of inputs (`lang` first: titles are translated inside) --


def start_and_optimum(start: tuple) -> pd.DataFrame:
    """The optimum and the start, labelled, for :func:`markers`."""
    labels = [t("optimizers.optimum_label", **readings.point(race.OPTIMUM)), t("optimizers.start_label")]
    return pd.DataFrame({"U": [race.OPTIMUM[0], start[0]], "W": [race.OPTIMUM[1], start[1]], "label": labels})


# --- surfaces: ui.surfaces.heatmap's chart, its picture and colours put in at each draw ----------------------------


@st.cache_resource(max_entries=64, show_spinner=False)
def surface_image(data: tuple, slot: str, value_title: str, centre: tuple | None = None) -> surfaces.Image:
    """The race's surface (``centre`` None) or Newton's zoom around ``centre``, as :func:`ui.surfaces.heatmap`
    makes its image (its picture and what its chart holds of it come from ``ui.surfaces.heatmap_fill``)."""
    if centre is None:
        values, x_range = readings.surface_values(data), (-readings.LIMIT, readings.LIMIT)
        y_range = x_range
    else:
        (U, W), local = centre, readings.LOCAL
        values, x_range, y_range = readings.local_values(data, U, W), (U - local, U + local), (W - local, W + local)
    return surfaces.heatmap_image(values, x_range, y_range, slot=slot, titles=("U", "W", value_title))


def surface_chart(
    fill: dict | None,
    *,
    value_title: str,
    size: int,
    span: tuple[float, float] | None = None,
    selection: str | None = None,
    fit_width: bool = False,
) -> alt.LayerChart:
    """:func:`ui.surfaces.heatmap_chart` (U across, W up, readings.GRID cells an axis) over the fixed ``span`` on
    both axes (the race's), or over the window ``fill`` gives; clickable cell by cell (``selection``, over
    ``span``); with ``fit_width``, no width of its own (its container's)."""
    return surfaces.heatmap_chart(
        fill,
        (readings.GRID, readings.GRID),
        titles=("U", "W", value_title),
        selection=selection,
        size=size,
        x_range=span,
        y_range=span,
        fit_width=fit_width,
    )


def _fit_width(spec: dict) -> dict:
    """Fit the chart's width to its container, keep its height for the plot (axes and legends come on top):
    Streamlit's default for a stretched chart, "fit", would squeeze the plot under tall legends."""
    return {**spec, "autosize": {"type": "fit-x", "contains": "padding"}}


def _colour_legend_on_top(spec: dict) -> dict:
    """Put the surface's colour legend above the plot (beside it, it would not fit a phone; under it, it would
    sit beside the paths' legend and widen the chart). A copy: the template's config is shared."""
    config = spec.get("config", {})
    return {
        **spec,
        "config": {**config, "legend": {**config.get("legend", {}), "orient": "top", "gradientLength": 200}},
    }


def _racing_fill(args: tuple, slot: str) -> tuple[dict, surfaces.Image]:
    """What the race's two surface charts draw: the surface, the race's CSV (its URL) and the start."""
    image = surface_image(args[0], slot, t("optimizers.log_cost"))
    fill = {**surfaces.heatmap_fill(image), "url": race_url(args), "points": marker_rows(start_and_optimum(args[1]))}
    return fill, image


def runners_of(args: tuple) -> tuple[str, ...]:
    return tuple(runner for runner, _ in args[3])


# --- the charts: each a template of the language and a few choices (its shape), drawn with the page's values ---
# Each X_build(fill, *choices) makes the chart with Altair; X_shape(lang, *choices) is its template (fill None);
# X_post finishes either spec; the page's X(lang, ...) draws the template, cached on the page's values.


def race_build(fill: dict | None, runners: tuple) -> alt.LayerChart:
    """The clickable race surface with every runner's path, the optimum and the start."""
    heat = surface_chart(
        fill, value_title=t("optimizers.log_cost"), size=SURFACE_HEIGHT, span=SPAN, selection="cell", fit_width=True
    )
    names, titles = readings.runner_names(runners), {"name_title": t("optimizers.optimizer")}
    paths = (
        path_lines(csv_data(charts.place(fill, "url")), names, step_title=t("common.iteration"), **titles)
        if runners
        else None
    )
    chart = stack(heat, paths, markers(rows(fill, "points"), t("optimizers.point_title")))
    chart = chart.resolve_scale(color="independent", strokeDash="independent")  # see SURFACE_AND_PATHS
    return chart.properties(height=SURFACE_HEIGHT)


@charts.template(max_entries=64)
def race_shape(lang: str, runners: tuple) -> alt.LayerChart:
    return race_build(None, runners)


def race_post(spec: dict) -> dict:
    return _fit_width(_colour_legend_on_top(spec))


def race_parts(args: tuple) -> tuple[tuple, dict, tuple]:
    """The race chart's shape choices, values and images at the page's race ``args``."""
    fill, image = _racing_fill(args, readings.SURFACE_KEY)
    return (runners_of(args),), fill, (image,)


@charts.spec_cache(max_entries=32)
def race_chart(lang: str, args: tuple) -> dict:
    choices, fill, images = race_parts(args)
    return race_post(charts.drawn(race_shape(lang, *choices), fill, images))


def cost_build(fill: dict | None, runner: str, with_goal: bool, titled: bool = False) -> alt.LayerChart:
    """One small multiple of the cost chart: ``runner``'s cost over the iterations (all panels share axes)."""
    return cost_panel(
        csv_data(charts.place(fill, "url")),
        runner,
        t(readings.NAMES[runner]) if titled else "",
        charts.place(fill, "goal") if with_goal else None,
        x_title=t("common.iteration"),
        y_title=t("optimizers.cost_axis"),
        goal_title=t("optimizers.goal_label"),
        y_domain=COST_DOMAIN,
        x_end=charts.place(fill, "x_end"),
    )


@charts.template(max_entries=64)
def cost_shape(lang: str, runner: str, with_goal: bool) -> alt.LayerChart:
    return cost_build(None, runner, with_goal)


def cost_post(spec: dict) -> dict:
    return _fit_width(spec)


def cost_parts(args: tuple, goal: float, runner: str, url: str | None = None) -> tuple[tuple, dict, tuple]:
    """``url``: the race's CSV's (:func:`race_url`), when the caller has it: each look-up hashes the race's
    settings."""
    fill = {"url": race_url(args) if url is None else url, "goal": goal_rows(goal), "x_end": max(args[2], 1)}
    return (runner, goal > 0), fill, ()


def cost_chart(lang: str, args: tuple, goal: float, runner: str, url: str | None = None) -> dict:
    choices, fill, images = cost_parts(args, goal, runner, url)
    return cost_post(charts.drawn(cost_shape(lang, *choices), fill, images))


@charts.spec_cache(max_entries=32)
def cost_charts(lang: str, args: tuple, goal: float) -> dict[str, dict]:
    """Every runner's small multiple of the cost chart (:func:`cost_chart`), ``{runner: spec}``: one cache look-up
    for all, and one of the race's CSV (each hashes the race's settings)."""
    url = race_url(args)
    return {runner: cost_chart(lang, args, goal, runner, url) for runner in runners_of(args)}


@charts.spec_cache(max_entries=32)
def cost_figure(lang: str, args: tuple, goal: float, url: str) -> dict:
    """Every panel of the cost chart in one figure, for the "Save" menu (two columns of fixed width), reading the
    race's CSV at ``url`` (the one the page drew, whose rows the menu holds): made only when saved, so built here
    with Altair."""
    panels = [
        cost_build(cost_parts(args, goal, runner, url)[1], runner, goal > 0, titled=True).properties(width=300)
        for runner in runners_of(args)
    ]
    return charts.vega_lite(alt.concat(*panels, columns=2))


def step_build(fill: dict | None, runners: tuple) -> alt.LayerChart:
    """The surface with the paths up to each runner's current step and a dot where each is: the steps come
    in the :data:`NOW` dataset (:func:`show_steps`), so the spec is the same at every iteration and a step
    resends only that."""
    heat = surface_chart(fill, value_title=t("optimizers.log_cost"), size=STEP_HEIGHT, span=SPAN, fit_width=True)
    names = readings.runner_names(runners)
    titles = {"name_title": t("optimizers.optimizer"), "step_title": t("common.iteration")}
    paths = path_lines(
        csv_data(charts.place(fill, "url")), names, point_size=10, legend="bottom", stepping=True, **titles
    )
    return (
        stack(heat, paths)
        .properties(height=STEP_HEIGHT, usermeta={"embedOptions": {"renderer": "canvas"}})  # thousands of dots
        .resolve_scale(color="independent", strokeDash="independent")  # see SURFACE_AND_PATHS
    )


@charts.template(max_entries=64)
def step_shape(lang: str, runners: tuple) -> alt.LayerChart:
    return step_build(None, runners)


def step_post(spec: dict) -> dict:
    return _fit_width(_colour_legend_on_top(spec))


def step_parts(args: tuple) -> tuple[tuple, dict, tuple]:
    fill, image = _racing_fill(args, "optimizers_steps")
    return (runners_of(args),), fill, (image,)


@charts.spec_cache(max_entries=32)
def step_chart(lang: str, args: tuple) -> dict:
    choices, fill, images = step_parts(args)
    return step_post(charts.drawn(step_shape(lang, *choices), fill, images))


def show_steps(lang: str, args: tuple, i: int, where=st, save: bool = True, csv: bytes | None = None) -> None:
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
        csv=csv,
    )


CLIPPING_NAMES = {
    "plain": "optimizers.series_plain",
    "norm": "optimizers.clip_by_norm",
    "value": "optimizers.clip_by_value",
}


def norm_build(fill: dict | None) -> alt.LayerChart:
    """The gradient norms along the three runs of section 3 (from :func:`clipping_csv`, by URL), the threshold,
    the average norm and the iteration looked at."""
    names = {key: t(name) for key, name in CLIPPING_NAMES.items()}
    colours = dict(zip(names.values(), (RUNNER_COLOURS["sgd"], RUNNER_COLOURS["clip"], charts.PALETTE[0]), strict=True))
    dashes = dict(zip(names.values(), ([1, 0], [7, 3], [2, 2]), strict=True))
    return stack(
        runner_lines(
            csv_data(charts.place(fill, "url"), numbers=("s", "g")),
            colours,
            "g",
            x="s",
            names=names,
            x_title=t("common.iteration"),
            y_title=t("optimizers.norm_axis"),
            name_title=t("optimizers.run_title"),
            rule_at=rows(fill, "rule"),
            y_domain=(0.1, 1e6),
            dashes=dashes,
        ),
        threshold_rules(rows(fill, "thresholds"), title=t("optimizers.norm_axis")),
    )


@charts.template(max_entries=8)
def norm_shape(lang: str) -> alt.LayerChart:
    return norm_build(None)


def norm_parts(data: tuple, threshold: float, iteration: int) -> tuple[tuple, dict, tuple]:
    average = race.average_gradient_norm(readings.clipping_runs(data, threshold)["norm"].run.grads)
    thresholds = {t("optimizers.threshold_rule"): threshold, t("optimizers.average_rule"): average}
    fill = {
        "url": csv_url(clipping_csv(data, threshold), "clipping"),
        "rule": pd.DataFrame({"s": [iteration]}),
        "thresholds": threshold_rows(thresholds, [0, 0.6 * params.BOOK["iters"]]),
    }
    return (), fill, ()


@charts.spec_cache(max_entries=64)
def norm_chart(lang: str, data: tuple, threshold: float, iteration: int) -> dict:
    choices, fill, images = norm_parts(data, threshold, iteration)
    return charts.drawn(norm_shape(lang, *choices), fill, images)


def plane_colours() -> dict[str, str]:
    return {t("optimizers.raw_gradient"): "#D55E00", t("optimizers.clipped_gradient"): "#0072B2"}


def plane_build(fill: dict | None) -> alt.LayerChart:
    """Section 3's gradient before and after clipping, in the gradient's plane, over the clipping region."""
    return gradient_plane(
        fill,
        plane_colours(),
        title=t("optimizers.arrow_title"),
        length_title=t("optimizers.length"),
        x_title="∂ξ/∂U",
        y_title="∂ξ/∂W",
    )


@charts.template(max_entries=8, fixed_size=True)
def plane_shape(lang: str) -> alt.LayerChart:
    return plane_build(None)


def plane_parts(data: tuple, threshold: float, iteration: int, by: str) -> tuple[tuple, dict, tuple]:
    detail = race.update_at(readings.clipping_runs(data, threshold)[by], iteration)  # the page checks it is not None
    raw, cut = detail["gradient"], detail["clipped_grad"]
    region = threshold if by == "norm" else threshold * np.sqrt(2.0)  # how far the region reaches
    half = 1.3 * max(float(np.hypot(*cut)), min(region, float(np.hypot(*raw))), 1e-9)
    arrow_df = arrow_rows((0.0, 0.0), dict(zip(plane_colours(), (raw, cut), strict=True)), half)
    fill = {**arrow_frames(arrow_df), **outline_frames(region_outline(by, threshold, half)), "low": -half, "high": half}
    return (), fill, ()


@charts.spec_cache(max_entries=64)
def plane_chart(lang: str, data: tuple, threshold: float, iteration: int, by: str) -> dict:
    choices, fill, images = plane_parts(data, threshold, iteration, by)
    return charts.drawn(plane_shape(lang, *choices), fill, images)


def delta_build(fill: dict | None, weight: str) -> alt.Chart:
    """Section 4's step sizes Δ of one weight along the three Rprop variants' runs."""
    shown = [t(readings.VARIANTS[variant]) for variant in optim.RPROP_VARIANTS]
    colours = dict(zip(shown, (RUNNER_COLOURS["rprop"], charts.PALETTE[0], charts.PALETTE[2]), strict=True))
    dashes = dict(zip(shown, ([1, 0], [7, 3], [2, 2]), strict=True))
    return variant_lines(
        rows(fill, "rows"),
        colours,
        dashes,
        x_title=t("common.iteration"),
        y_title=t("optimizers.delta_axis", weight=weight),
        color_title=t("optimizers.variant_label"),
    )


@charts.template(max_entries=8)
def delta_shape(lang: str, weight: str) -> alt.Chart:
    return delta_build(None, weight)


def delta_parts(data: tuple, step0: float, weight: str) -> tuple[tuple, dict, tuple]:
    column = race.KEYS.index(weight)
    frame = pd.concat(
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
    frame["series"] = frame["series"].astype("category")
    return (weight,), {"rows": variant_rows(frame)}, ()


@charts.spec_cache(max_entries=32)
def delta_chart(lang: str, data: tuple, step0: float, weight: str) -> dict:
    choices, fill, images = delta_parts(data, step0, weight)
    return charts.drawn(delta_shape(lang, *choices), fill, images)


NEWTON_COLOURS = ("#D55E00", "#000000", "#56B4E9")  # the gradient step, Newton's step, the damped one


def newton_build(fill: dict | None) -> alt.LayerChart:
    """Section 5: the cost surface around the point (readings.LOCAL each way) with the three steps from it. The
    steps' names carry η and δ: the legend's names are values (``name0``...)."""
    names = [charts.place(fill, f"name{k}") for k in range(len(NEWTON_COLOURS))]
    heat = surface_chart(fill, value_title=t("optimizers.log_cost"), size=280)
    chart = newton_window(
        heat,
        fill,
        dict(zip(names, NEWTON_COLOURS, strict=True)),
        title=t("optimizers.step_title"),
        length_title=t("optimizers.length"),
    )
    return chart


@charts.template(max_entries=8, fixed_size=True)
def newton_shape(lang: str) -> alt.LayerChart:
    return newton_build(None)


def newton_post(spec: dict) -> dict:
    return _colour_legend_on_top(spec)


def newton_parts(data: tuple, U: float, W: float, lr: float, damping: float) -> tuple[tuple, dict, tuple]:
    here, names = readings.steps(data, U, W, lr, damping), readings.step_names(lr, damping)
    arrow_df = arrow_rows((U, W), {names[k]: here[k] for k in names}, readings.LOCAL)
    image = surface_image(data, "optimizers_newton", t("optimizers.log_cost"), (U, W))
    fill = {
        **surfaces.heatmap_fill(image),
        **arrow_frames(arrow_df),
        **{f"name{k}": name for k, name in enumerate(names.values())},
        "point": pd.DataFrame({"U": [U], "W": [W]}),
    }
    return (), fill, (image,)


@charts.spec_cache(max_entries=64)
def newton_chart(lang: str, data: tuple, U: float, W: float, lr: float, damping: float) -> dict:
    choices, fill, images = newton_parts(data, U, W, lr, damping)
    return newton_post(charts.drawn(newton_shape(lang, *choices), fill, images))


class Figure(NamedTuple):
    """A chart drawn from a template (for tests): its template, its Altair builder, what finishes its spec, the
    function of the page's values that gives its shape choices, values and images, and whether its size is fixed
    (as its template was made)."""

    shape: Callable
    build: Callable
    post: Callable | None
    parts: Callable
    fixed_size: bool = False


FIGURES = {
    "race": Figure(race_shape, race_build, race_post, race_parts),
    "cost": Figure(cost_shape, cost_build, cost_post, cost_parts),
    "step": Figure(step_shape, step_build, step_post, step_parts),
    "norm": Figure(norm_shape, norm_build, None, norm_parts),
    "plane": Figure(plane_shape, plane_build, None, plane_parts, fixed_size=True),
    "delta": Figure(delta_shape, delta_build, None, delta_parts),
    "newton": Figure(newton_shape, newton_build, newton_post, newton_parts, fixed_size=True),
}
