"""Charts of the optimizer lesson: paths with one fixed colour per optimizer, arrows, and the tables' frames.

Arrows are a rule from tail to head plus a rotated triangle at the head. The triangle's angle is measured on
screen, so arrow charts keep equal x and y spans on a square plot. Titles and names arrive translated.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from rnn_core import race
from ui.charts import PALETTE, surface

# One colour per optimizer, whichever of them race: Okabe–Ito (ui.charts.PALETTE) without its yellow, which
# is lost on the light surface. Paths are drawn on a grey surface so that all seven read.
RUNNER_COLOURS = dict(zip(race.RUNNERS, (PALETTE[3], PALETTE[1], PALETTE[5], PALETTE[4], PALETTE[2], PALETTE[0],
                                          PALETTE[7]), strict=True))
SURFACE_GREYS = ["#FBFBFB", "#4D4D4D"]  # low cost light, high cost dark


def stack(*layers: alt.TopLevelMixin | None) -> alt.LayerChart:
    """Layer charts in one go (``a + b + c`` nests and copies every layer at each ``+``); None is skipped."""
    return alt.layer(*(layer for layer in layers if layer is not None))


def colours_of(names: dict[str, str]) -> dict[str, str]:
    """``{shown name: colour}`` for ``{runner: shown name}``."""
    return {name: RUNNER_COLOURS[runner] for runner, name in names.items()}


def grey_surface(cells: pd.DataFrame, value_legend: bool = True, **kwargs) -> alt.Chart:
    """:func:`ui.charts.surface` in light-to-dark greys, under coloured paths. Each cell is also outlined in its
    own grey, which hides the hairlines anti-aliasing leaves between cells on a light scale."""
    scale = alt.Scale(range=SURFACE_GREYS)
    return surface(cells, **kwargs).mark_rect(strokeWidth=0.6).encode(
        color=alt.Color("value:Q", title=kwargs["value_title"], scale=scale,
                        legend=alt.Undefined if value_legend else None),
        stroke=alt.Stroke("value:Q", scale=scale, legend=None))


def markers(points: pd.DataFrame) -> alt.LayerChart:
    """Labelled points (``U``, ``W``, ``label``) that read on a light surface: white crosses, black labels."""
    xy = {"x": alt.X("U:Q"), "y": alt.Y("W:Q")}
    mark = alt.Chart(points).mark_point(shape="cross", size=200, filled=True, color="white", stroke="black",
                                        strokeWidth=1.3, clip=True).encode(**xy, tooltip=[alt.Tooltip("label:N")])
    text = alt.Chart(points).mark_text(align="left", dx=10, dy=-10, color="black", fontWeight="bold",
                                       clip=True).encode(**xy, text=alt.Text("label:N"))
    return alt.layer(mark, text)


def _colour(colours: dict[str, str], title: str, legend: str | None = "bottom", columns: int = 4) -> alt.Color:
    """A colour channel on the ``name`` column with fixed colours (``{name: colour}``, legend in that order)."""
    return alt.Color("name:N", title=title, scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                     legend=alt.Legend(orient=legend, columns=columns, symbolStrokeWidth=3, labelLimit=260)
                     if legend else None)


def paths(lanes: dict, names: dict[str, str], until: int | None = None) -> pd.DataFrame:
    """Rows ``name, step, U, W`` of every lane's path (``names``: runner -> shown name), up to iteration
    ``until`` (all of it when None)."""
    frames = []
    for runner, lane in lanes.items():
        params = lane.run.params if until is None else lane.run.params[: until + 1]
        frames.append(pd.DataFrame({"name": names[runner], "step": np.arange(len(params)),
                                    "U": params[:, 0], "W": params[:, 1]}))
    return pd.concat(frames, ignore_index=True)


def positions(lanes: dict, names: dict[str, str], i: int) -> pd.DataFrame:
    """Rows ``name, step, U, W``: where each lane is at iteration ``i`` (its last point if it stopped earlier)."""
    rows = []
    for runner, lane in lanes.items():
        step = min(i, len(lane.run.params) - 1)
        rows.append({"name": names[runner], "step": step, "U": lane.run.params[step, 0],
                     "W": lane.run.params[step, 1]})
    return pd.DataFrame(rows, columns=["name", "step", "U", "W"])


def path_lines(df: pd.DataFrame, colours: dict[str, str], *, name_title: str, step_title: str,
               point_size: int = 14, legend: str = "right", legend_columns: int = 1) -> alt.Chart:
    """Optimizer paths over a surface, points joined in step order, each optimizer in its own colour."""
    return alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=point_size, filled=True), clip=True,
                                   strokeWidth=1.8).encode(
        x=alt.X("U:Q"), y=alt.Y("W:Q"), order=alt.Order("step:Q"), detail=alt.Detail("name:N"),
        color=_colour(colours, name_title, legend=legend, columns=legend_columns),
        tooltip=[alt.Tooltip("name:N", title=name_title), alt.Tooltip("step:Q", title=step_title),
                 alt.Tooltip("U:Q", format=".4f"), alt.Tooltip("W:Q", format=".4f")],
    )


def heads(df: pd.DataFrame, colours: dict[str, str], *, name_title: str, step_title: str) -> alt.Chart:
    """Where each optimizer is now: a large ringed dot per row of ``name, step, U, W``."""
    return alt.Chart(df).mark_point(size=170, filled=True, stroke="black", strokeWidth=1.5, opacity=1,
                                    clip=True).encode(
        x=alt.X("U:Q"), y=alt.Y("W:Q"), color=_colour(colours, name_title, legend=None),
        tooltip=[alt.Tooltip("name:N", title=name_title), alt.Tooltip("step:Q", title=step_title),
                 alt.Tooltip("U:Q", format=".4f"), alt.Tooltip("W:Q", format=".4f")],
    )


def runner_lines(df: pd.DataFrame, colours: dict[str, str], y: str, *, x_title: str, y_title: str,
                 name_title: str, y_domain: tuple[float, float], rule_at: int | None = None,
                 height: int = 260) -> alt.Chart:
    """``y`` against ``step`` on a log axis cut to ``y_domain``, one line per ``name`` in its colour (rows
    ``name, step, y``; y <= 0 dropped), with an optional vertical rule at one iteration."""
    df = df[df[y] > 0]
    chart = alt.Chart(df).mark_line(clip=True, strokeWidth=1.8).encode(
        x=alt.X("step:Q", title=x_title),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log", domain=list(y_domain))),
        color=_colour(colours, name_title),
        tooltip=[alt.Tooltip("name:N", title=name_title), alt.Tooltip("step:Q", title=x_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=".4g")],
    ).properties(height=height)
    if rule_at is None:
        return chart
    rule = alt.Chart(pd.DataFrame({"step": [rule_at]})).mark_rule(color="grey", strokeDash=[4, 3]).encode(
        x=alt.X("step:Q"))
    return alt.layer(chart, rule)


def threshold_rules(values: dict[str, float], at: list[float], *, title: str) -> alt.LayerChart:
    """Horizontal dashed rules at labelled heights (e.g. the clipping threshold), each label at its own
    iteration ``at`` (so that labels of close rules do not overlap)."""
    df = pd.DataFrame({"label": list(values), "value": list(values.values()), "step": at[: len(values)]})
    df = df[df["value"] > 0]
    rule = alt.Chart(df).mark_rule(strokeDash=[6, 3], color="black").encode(
        y=alt.Y("value:Q"), tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("value:Q", format=".4g")])
    text = alt.Chart(df).mark_text(align="left", baseline="bottom", dx=4, dy=-2, fontWeight="bold").encode(
        x=alt.X("step:Q"), y=alt.Y("value:Q"), text=alt.Text("label:N"))
    return alt.layer(rule, text)


def variant_lines(df: pd.DataFrame, colours: dict[str, str], *, x_title: str, y_title: str, color_title: str,
                  height: int = 300) -> alt.Chart:
    """Rows ``step, value, series`` as log-y lines, one colour per series (``{series: colour}``)."""
    df = df[df["value"] > 0]
    return alt.Chart(df).mark_line(clip=True, strokeWidth=1.5).encode(
        x=alt.X("step:Q", title=x_title), y=alt.Y("value:Q", title=y_title, scale=alt.Scale(type="log")),
        color=alt.Color("series:N", title=color_title,
                        scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                        legend=alt.Legend(orient="top", direction="vertical", labelLimit=300)),
        tooltip=[alt.Tooltip("series:N", title=color_title), alt.Tooltip("step:Q", title=x_title),
                 alt.Tooltip("value:Q", title=y_title, format=".4g")],
    ).properties(height=height)


# --- arrows -------------------------------------------------------------------------------------------------


def arrow_rows(origin: tuple[float, float], vectors: dict[str, np.ndarray], half_width: float,
               centre: tuple[float, float] | None = None) -> pd.DataFrame:
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
        rows.append({"label": label, "x0": origin[0], "y0": origin[1], "x1": origin[0] + shown * dx,
                     "y1": origin[1] + shown * dy, "angle": math.degrees(math.atan2(dx, dy)) % 360,
                     "length": length, "shown": shown})
    return pd.DataFrame(rows, columns=["label", "x0", "y0", "x1", "y1", "angle", "length", "shown"])


def arrows(df: pd.DataFrame, colours: dict[str, str], *, title: str, length_title: str, x: str = "U",
           y: str = "W", legend: bool = True) -> alt.LayerChart:
    """Draw :func:`arrow_rows`: a shaft per arrow (dashed when cut off at the window's edge) on a white halo, and
    a triangle at its head (left out when cut off). Three layers whatever the number of arrows."""
    shafts = pd.concat([df.assign(end=0, x=df["x0"], y=df["y0"]), df.assign(end=1, x=df["x1"], y=df["y1"])])
    shafts["cut"] = np.where(shafts["shown"] < 1, "cut", "whole")
    colour = alt.Color("label:N", title=title, scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                       legend=alt.Legend(orient="bottom", columns=1, labelLimit=360, symbolType="stroke",
                                         symbolStrokeWidth=4) if legend else None)
    tooltip = [alt.Tooltip("label:N", title=title), alt.Tooltip("length:Q", title=length_title, format=".4g")]
    ends = {"x": alt.X("x:Q", title=x), "y": alt.Y("y:Q", title=y), "detail": alt.Detail("label:N"),
            "order": alt.Order("end:Q")}
    halo = alt.Chart(shafts).mark_line(strokeWidth=6.5, clip=True, color="white", opacity=0.8).encode(**ends)
    shaft = alt.Chart(shafts).mark_line(strokeWidth=3.5, clip=True).encode(
        **ends, color=colour, tooltip=tooltip,
        strokeDash=alt.StrokeDash("cut:N", scale=alt.Scale(domain=["whole", "cut"], range=[[1, 0], [7, 4]]),
                                  legend=None))
    head = alt.Chart(df[df["shown"] >= 1]).mark_point(shape="triangle-up", filled=True, size=190, opacity=1,
                                                      stroke="black", strokeWidth=0.6).encode(
        x=alt.X("x1:Q"), y=alt.Y("y1:Q"), angle=alt.Angle("angle:Q", scale=None), color=colour, tooltip=tooltip)
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
    return pd.DataFrame({"part": ["region"] * len(x) + ["x axis", "x axis", "y axis", "y axis"],
                         "x": [*x, -h, h, 0.0, 0.0], "y": [*y, 0.0, 0.0, -h, h],
                         "order": np.arange(len(x) + 4)})


def gradient_plane(arrow_df: pd.DataFrame, outline: pd.DataFrame, colours: dict[str, str], half_width: float, *,
                   title: str, length_title: str, x_title: str, y_title: str, size: int = 330) -> alt.LayerChart:
    """Gradient vectors drawn from the origin of the (dxi/dU, dxi/dW) plane, over the axes and the clipping
    region (:func:`region_outline`)."""
    domain = [-half_width, half_width]
    xy = {"x": alt.X("x:Q", title=x_title, scale=alt.Scale(domain=domain, nice=False)),
          "y": alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=domain, nice=False)),
          "order": alt.Order("order:Q"), "detail": alt.Detail("part:N")}
    axes = alt.Chart(outline[outline["part"] != "region"]).mark_line(color="#BBBBBB", clip=True).encode(**xy)
    region = alt.Chart(outline[outline["part"] == "region"]).mark_line(color="#444444", strokeWidth=2,
                                                                         clip=True).encode(**xy)
    return alt.layer(axes, region, arrows(arrow_df, colours, title=title, length_title=length_title, x=x_title,
                                          y=y_title)).properties(width=size, height=size)


def newton_window(cells: pd.DataFrame, arrow_df: pd.DataFrame, colours: dict[str, str], centre: tuple[float, float],
                  half_width: float, *, value_title: str, title: str, length_title: str, size: int = 430) -> alt.Chart:
    """A zoom of the cost surface around ``centre`` (cells from :func:`ui.charts.surface_cells`) with step arrows
    from it (:func:`arrow_rows`) and the point itself."""
    scales = {axis: alt.Scale(domain=[c - half_width, c + half_width], nice=False)
              for axis, c in zip("UW", centre, strict=True)}
    colour_scale = alt.Scale(scheme="viridis")
    surface = alt.Chart(cells).mark_rect(strokeWidth=0.6).encode(
        x=alt.X("u0:Q", title="U", scale=scales["U"]), x2=alt.X2("u1"),
        y=alt.Y("w0:Q", title="W", scale=scales["W"]), y2=alt.Y2("w1"),
        color=alt.Color("value:Q", title=value_title, scale=colour_scale, legend=alt.Legend(orient="right")),
        stroke=alt.Stroke("value:Q", scale=colour_scale, legend=None),  # no hairlines between cells
        tooltip=[alt.Tooltip("U:Q", format=".2f"), alt.Tooltip("W:Q", format=".2f"),
                 alt.Tooltip("value:Q", title=value_title, format=".2f")],
    )
    point = alt.Chart(pd.DataFrame({"U": [centre[0]], "W": [centre[1]]})).mark_point(
        shape="circle", size=90, filled=True, color="white", stroke="black", strokeWidth=1.2).encode(
        x=alt.X("U:Q"), y=alt.Y("W:Q"))
    return alt.layer(surface, arrows(arrow_df, colours, title=title, length_title=length_title), point).properties(
        width=size, height=size)


# --- tables -------------------------------------------------------------------------------------------------


def vector_table(rows: dict[str, np.ndarray], columns: tuple[str, str, str]) -> pd.DataFrame:
    """A (quantity, U, W) table of 2-vectors, numbers written with 4 significant digits."""
    return pd.DataFrame({columns[0]: list(rows), columns[1]: [f"{v[0]:.4g}" for v in rows.values()],
                         columns[2]: [f"{v[1]:.4g}" for v in rows.values()]})
