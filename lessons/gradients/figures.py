"""Charts for the exploding/vanishing-gradients lesson, and the lesson's powers of ten. Titles arrive translated.

Speed: channels are always objects (alt.X(...)), never shorthand strings (see the note in ui/charts.py), and
their options (scale, axis, legend) are plain dicts: an alt.Scale/alt.Axis/alt.Legend object validates itself
against the schema when it is created (Altair's debug mode), a dict does not. The whole spec is still validated
once when Streamlit serialises the chart. Layers are combined with alt.layer(...) in one go: each ``+`` copies
the chart built so far.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.numbers import latex, num, number_expr

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
DASHES = {"solid": [1, 0], "dashed": [6, 4], "dotted": [2, 3]}
LOG10_FLOAT64 = (-300.0, 300.0)  # well inside float64: 10**x is computed and written by numbers.num


def power_of_ten(log10_value: float, digits: int = 3) -> str:
    """``10**log10_value`` as :func:`ui.numbers.num` writes it (``6.38·10⁸``), also far beyond float64's range
    (``3.16·10¹⁰⁰⁰``), where the value itself cannot be held."""
    if math.isnan(log10_value) or math.isinf(log10_value) or LOG10_FLOAT64[0] < log10_value < LOG10_FLOAT64[1]:
        with np.errstate(over="ignore", under="ignore"):
            return num(float(np.power(10.0, log10_value)), digits)
    exponent = math.floor(log10_value)
    mantissa = float(f"{10.0 ** (log10_value - exponent):.{digits - 1}f}")
    if mantissa >= 10.0:  # 9.999 rounds up to the next power
        mantissa, exponent = mantissa / 10.0, exponent + 1
    return f"{num(mantissa, digits)}·10{str(exponent).translate(_SUPERSCRIPT)}"


def superscript(n: int) -> str:
    """An integer exponent for a label: ``50`` as ``⁵⁰``."""
    return str(int(n)).translate(_SUPERSCRIPT)


def matrix_prose(W: np.ndarray) -> str:
    """A small matrix for prose, as inline LaTeX: rows of entries written by :func:`ui.numbers.latex`."""
    rows = r" \\ ".join(" & ".join(latex(float(x)) for x in row) for row in W)
    return rf"$\begin{{pmatrix}} {rows} \end{{pmatrix}}$"


# Axis ticks at powers of ten read "10⁵", not "1·10⁵": the shared expression with a mantissa of 1 left out.
SCI_LABEL = f"replace({number_expr('datum.value')}, /^(−?)1·10/, '$110')"


def with_shown(chart: alt.Chart, *fields: str) -> alt.Chart:
    """``chart`` with a ``<field>_shown`` text for each field, computed in the browser as num() writes it
    (:func:`ui.numbers.number_expr`), for tooltips (not data: the chart's CSV keeps the numbers)."""
    return chart.transform_calculate(**{f"{f}_shown": number_expr(f"datum['{f}']") for f in fields})


def _symlog_ticks(values: np.ndarray) -> list[float]:
    """0 and ±10^k up to the data's largest size, every other power when there are many."""
    top = float(np.max(np.abs(values))) if len(values) else 1.0
    powers = range(0, max(1, math.ceil(math.log10(top))) + 1) if top > 0 else range(1)
    stride = 2 if len(powers) > 6 else 1
    ticks = [10.0**k for k in powers][::stride]
    return sorted([0.0] + [v for v in ticks if v <= 10 * top] + [-v for v in ticks if v <= 10 * top and
                                                                  np.any(values < 0)])


def series_lines(
    df: pd.DataFrame, x: str, y: str, *, x_title: str, y_title: str, series_title: str, scale: str = "log",
    height: int = 300, integer_x: bool = True, points: bool = False, legend_columns: int = 1,
    colors: list[str] | None = None, widths: dict[str, float] | None = None,
) -> alt.Chart:
    """Lines of ``y`` against ``x``, one per value of the ``series`` column (legend in the order of first
    appearance), styled by the ``dash`` column (a key of ``DASHES``). ``scale`` is ``"log"`` (rows with y ≤ 0
    or non-finite y are dropped: the page says so in words), ``"symlog"`` or ``"linear"``. ``colors``
    overrides the palette, one per series; ``widths`` gives some series another stroke width than 2.
    ``height`` includes the axes and the legend."""
    df = df[np.isfinite(df[y])]
    if scale == "log":
        df = df[df[y] > 0]
    order = list(dict.fromkeys(df["series"]))
    dash_of = dict(zip(df["series"], df["dash"], strict=False))
    # colour, dash and width encode the same field: one legend, the same properties on every channel (a legend
    # switched off on one of them conflicts with the others in Vega-Lite)
    legend = dict(orient="bottom", columns=legend_columns, labelLimit=400, symbolStrokeWidth=2.5)
    if scale == "linear":
        y_axis = {}
    elif scale == "log":
        y_axis = dict(labelExpr=SCI_LABEL, tickCount=6)
    else:
        y_axis = dict(labelExpr=SCI_LABEL, values=_symlog_ticks(df[y].to_numpy()))
    width_channel = {}
    if widths:
        width_channel["strokeWidth"] = alt.StrokeWidth("series:N", title=series_title, sort=order, legend=legend,
                                                       scale=dict(
            domain=order, range=[widths.get(s, 2.0) for s in order]))
    return with_shown(alt.Chart(df), y).mark_line(point=points, clip=True, strokeWidth=2).encode(
        x=alt.X(f"{x}:Q", title=x_title,
                axis=dict(format="d", tickMinStep=1) if integer_x else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y_title, scale=dict(type=scale), axis=y_axis),
        color=alt.Color("series:N", title=series_title, sort=order,
                        scale=dict(domain=order, range=colors or list(PALETTE[: len(order)])),
                        legend=legend),
        strokeDash=alt.StrokeDash("series:N", title=series_title, sort=order, legend=legend,
                                  scale=dict(domain=order, range=[DASHES[dash_of[s]] for s in order])),
        **width_channel,
        tooltip=[alt.Tooltip("series:N", title=series_title), alt.Tooltip(f"{x}:Q", title=x_title),
                 alt.Tooltip(f"{y}_shown:N", title=y_title)],
    ).properties(height=height)


def signed_bars(df: pd.DataFrame, *, x_title: str, y_title: str, sign_title: str, height: int = 300) -> alt.Chart:
    """``value`` against ``m`` as bars on a symlog axis, coloured by the ``sign`` column (a label)."""
    order = list(dict.fromkeys(df["sign"]))
    return with_shown(alt.Chart(df), "value").mark_bar(clip=True).encode(
        x=alt.X("m:O", title=x_title, axis=dict(labelAngle=0)),
        y=alt.Y("value:Q", title=y_title, scale=dict(type="symlog"),
                axis=dict(labelExpr=SCI_LABEL, values=_symlog_ticks(df["value"].to_numpy()))),
        color=alt.Color("sign:N", title=sign_title, sort=order,
                        scale=dict(domain=order, range=[PALETTE[0], PALETTE[3], PALETTE[7]][: len(order)]),
                        legend=dict(orient="bottom")),
        tooltip=[alt.Tooltip("m:O", title=x_title), alt.Tooltip("sign:N", title=sign_title),
                 alt.Tooltip("value_shown:N", title=y_title)],
    ).properties(height=height)


# Square charts: "pad" makes width/height the plotting area, so axes and legends do not squash one side.
SQUARE = dict(type="pad", contains="padding")


def eigen_plane(
    eigs: pd.DataFrame, circles: pd.DataFrame, *, extent: float, re_title: str, im_title: str,
    circle_title: str, size: int = 300,
) -> alt.Chart:
    """Eigenvalues (``re``, ``im``) as points over circles (``x``, ``y``, ``circle`` label, ``order``)."""
    domain = [-extent, extent]
    order = list(dict.fromkeys(circles["circle"]))
    rings = alt.Chart(circles).mark_line(clip=True, strokeWidth=1.5).encode(
        x=alt.X("x:Q", title=re_title, scale=dict(domain=domain, nice=False)),
        y=alt.Y("y:Q", title=im_title, scale=dict(domain=domain, nice=False)),
        order=alt.Order("order:Q"),
        color=alt.Color("circle:N", title=circle_title, sort=order,
                        scale=dict(domain=order, range=[PALETTE[7], PALETTE[3]]),
                        legend=dict(orient="bottom", columns=1)),
        strokeDash=alt.StrokeDash("circle:N", title=circle_title, sort=order, legend=dict(orient="bottom", columns=1),
                                  scale=dict(domain=order, range=[DASHES["solid"], DASHES["dashed"]])),
    )
    dots = with_shown(alt.Chart(eigs), "re", "im", "modulus").mark_point(
        filled=True, size=55, color=PALETTE[0], opacity=0.85, clip=True).encode(
        x=alt.X("re:Q"), y=alt.Y("im:Q"),
        tooltip=[alt.Tooltip("re_shown:N", title=re_title), alt.Tooltip("im_shown:N", title=im_title),
                 alt.Tooltip("modulus_shown:N", title="|λ|")],
    )
    return alt.layer(rings, dots).properties(width=size, height=size, autosize=SQUARE)


def circle_points(radius: float, label: str, n: int = 121) -> pd.DataFrame:
    """A circle of the given radius as a closed polyline, for :func:`eigen_plane`."""
    angle = np.linspace(0.0, 2.0 * np.pi, n)
    return pd.DataFrame({"x": radius * np.cos(angle), "y": radius * np.sin(angle), "circle": label,
                         "order": np.arange(n)})


def cliff_overlays(heat: alt.LayerChart, overlay: pd.DataFrame, section_w: float, point_title: str) -> alt.LayerChart:
    """Over the cliff's error surface (``ui.surfaces.heatmap``, whose quantitative x is w and y is b): a white
    rule at the cross-section's w, and ``overlay`` rows (``w``, ``b``, ``step``, ``label``): the step drawn as a
    line, its first point labelled (``point_title`` heads the label in the tooltip). The layers have their own
    fields and share the heatmap's axes."""
    rule = alt.Chart(pd.DataFrame({"w": [section_w]})).mark_rule(color="white", strokeDash=[4, 3]).encode(
        x=alt.X("w:Q"))
    path = with_shown(alt.Chart(overlay), "w", "b").mark_line(color="white", strokeWidth=2.5, clip=True,
                                        point=dict(color="white", size=60, filled=True)).encode(
        x=alt.X("w:Q"), y=alt.Y("b:Q"), order=alt.Order("step:Q"),
        tooltip=[alt.Tooltip("label:N", title=point_title), alt.Tooltip("w_shown:N", title="w"),
                 alt.Tooltip("b_shown:N", title="b")],
    )
    start = alt.Chart(overlay.iloc[:1]).mark_text(align="right", dx=-9, dy=10, color="white", fontWeight="bold",
                                                  clip=True).encode(x=alt.X("w:Q"), y=alt.Y("b:Q"),
                                                                    text=alt.Text("label:N"))
    return (heat + rule + path + start).configure_legend(orient="bottom")  # beside it, it would not fit a column


def cross_section(
    df: pd.DataFrame, wall_b: float | None, *, b_title: str, e_title: str, wall_title: str, height: int = 520,
) -> alt.Chart:
    """The error along b at a fixed w (``b``, ``error`` columns), with a dashed rule where the wall is (its
    tooltip names it; the chart's title says what the dashes mean)."""
    line = with_shown(alt.Chart(df), "b", "error").mark_line(color=PALETTE[0], strokeWidth=2).encode(
        x=alt.X("b:Q", title=b_title, scale=dict(nice=False)),
        y=alt.Y("error:Q", title=e_title, scale=dict(domain=[0.0, 0.5])),
        tooltip=[alt.Tooltip("b_shown:N", title=b_title), alt.Tooltip("error_shown:N", title=e_title)],
    )
    if wall_b is None:
        return line.properties(height=height)
    wall = with_shown(alt.Chart(pd.DataFrame({"b": [wall_b]})), "b").mark_rule(
        color=PALETTE[3], strokeDash=[4, 3], strokeWidth=1.5).encode(
        x=alt.X("b:Q"), tooltip=[alt.Tooltip("b_shown:N", title=wall_title)])
    return alt.layer(line, wall).properties(height=height)


def memory_trace(lines: pd.DataFrame, *, t_title: str, value_title: str, series_title: str,
                 height: int = 320) -> alt.Chart:
    """One sequence: lines (``t``, ``value``, ``series``, ``dash``), the first series (the noisy inputs) thin and
    grey, then the palette."""
    order = list(dict.fromkeys(lines["series"]))
    return series_lines(lines, "t", "value", x_title=t_title, y_title=value_title, series_title=series_title,
                        scale="linear", height=height, colors=["#bbbbbb", *PALETTE[: len(order) - 1]],
                        widths={order[0]: 1.0})
