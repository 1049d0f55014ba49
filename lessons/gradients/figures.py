"""The exploding/vanishing-gradients lesson's charts: Altair builders, then the specs each section shows.

The builders take data frames and translated titles, or a template's slots (:func:`ui.charts.slot`). Each chart
the page draws is a template (:func:`ui.charts.template`): its shape, keyed on the language and the few choices
that decide its marks and scales, is built and schema-validated once per process and shared by every session;
its rows, made by plain pandas from the cached studies of :mod:`lessons.gradients.readings`, are put in on each
draw (:func:`ui.charts.filled`). So a student's move to a value no one sent before builds no Altair object
(tests/test_gradients_templates.py), and the builder given data frames (what the page drew before) stays the
reference the templates are checked against.

Speed: channels are always objects (alt.X(...)), never shorthand strings (see the note in ui/charts.py), and
their options (scale, axis, legend) are plain dicts: an alt.Scale/alt.Axis/alt.Legend object validates itself
against the schema when it is created (Altair's debug mode), a dict does not. Layers are combined with
alt.layer(...) in one go: each ``+`` copies the chart built so far.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lessons.gradients import params
from lessons.gradients import readings as lesson
from rnn_core import counting, spectral
from ui import charts, surfaces
from ui.charts import PALETTE
from ui.i18n import t
from ui.numbers import num, number_expr

EIGEN_SIZE = 260  # section 3: the complex plane, a square whose axes and legend fit a phone and a column
CLIFF_SLOT = "gradients_cliff"  # the cliff surface's place on the page (ui.surfaces.image_url)
DASHES = {"solid": [1, 0], "dashed": [6, 4], "dotted": [2, 3]}
FIRST_ROW = "row"  # a template's series are ordered by their first row, numbered in the browser under this name


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
    return sorted(
        [0.0] + [v for v in ticks if v <= 10 * top] + [-v for v in ticks if v <= 10 * top and np.any(values < 0)]
    )


def series_lines(
    df,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    series_title: str,
    scale: str = "log",
    height: int = 300,
    integer_x: bool = True,
    points: bool = False,
    legend_columns: int = 1,
    colors: list[str] | None = None,
    widths: dict[str, float] | None = None,
    styles: tuple | None = None,
    ticks: tuple[float, ...] | None = None,
    order: tuple[str, ...] | None = None,
) -> alt.Chart:
    """Lines of ``y`` against ``x``, one per value of the ``series`` column (legend in the order of first
    appearance), styled by the ``dash`` column (a key of ``DASHES``). ``scale`` is ``"log"`` (rows with y ≤ 0
    or non-finite y are dropped: the page says so in words), ``"symlog"`` or ``"linear"``. ``colors``
    overrides the palette, one per series; ``widths`` gives some series another stroke width than 2.
    ``height`` includes the axes and the legend.

    ``df`` may instead be a template's slot (:func:`ui.charts.slot`) for rows made by :func:`series_rows`: then
    ``styles`` (what :func:`series_rows` returns beside the rows) and, on a symlog axis, ``ticks`` give what the
    rows would have decided, and the legend's series are those of the rows, in their order, for
    their names carry the student's numbers and a template holds no moving value; or ``order``, the series'
    names, where they never change."""
    if isinstance(df, pd.DataFrame):
        df, styles = series_rows(df, y, scale, colors, widths)
        order = first_seen(df["series"])
        ticks = tuple(_symlog_ticks(df[y].to_numpy())) if scale == "symlog" else None
        sort, domain = order, dict(domain=order)
    elif order is not None:
        sort, domain = list(order), dict(domain=list(order))
    else:
        # the series in the order their rows come (each one's first row, numbered in the browser): a sort Vega-Lite
        # accepts on a width channel, which it warns about when left unsorted
        sort, domain = dict(field=FIRST_ROW, op="min"), {}
    colors, dashes, stroke_widths = (list(part) for part in zip(*styles, strict=True)) if styles else ([], [], [])
    # colour, dash and width encode the same field: one legend, the same properties on every channel (a legend
    # switched off on one of them conflicts with the others in Vega-Lite)
    legend = dict(orient="bottom", columns=legend_columns, labelLimit=400, symbolStrokeWidth=2.5)
    if scale == "linear":
        y_axis = {}
    elif scale == "log":
        y_axis = dict(labelExpr=SCI_LABEL, tickCount=6)
    else:
        y_axis = dict(labelExpr=SCI_LABEL, values=list(ticks))
    width_channel = {}
    if any(width is not None for width in stroke_widths):
        width_channel["strokeWidth"] = alt.StrokeWidth(
            "series:N",
            title=series_title,
            sort=sort,
            legend=legend,
            scale=dict(**domain, range=stroke_widths),
        )
    chart = with_shown(alt.Chart(df), y)
    if isinstance(sort, dict):
        chart = chart.transform_window(**{FIRST_ROW: "row_number()"})
    return (
        chart.mark_line(point=points, clip=True, strokeWidth=2)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=dict(format="d", tickMinStep=1) if integer_x else alt.Undefined),
            y=alt.Y(f"{y}:Q", title=y_title, scale=dict(type=scale), axis=y_axis),
            color=alt.Color(
                "series:N",
                title=series_title,
                sort=sort,
                scale=dict(**domain, range=colors),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=series_title,
                sort=sort,
                legend=legend,
                scale=dict(**domain, range=[DASHES[dash] for dash in dashes]),
            ),
            **width_channel,
            tooltip=[
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip(f"{x}:Q", title=x_title),
                alt.Tooltip(f"{y}_shown:N", title=y_title),
            ],
        )
        .properties(height=height)
    )


def first_seen(column: pd.Series) -> list:
    """The column's distinct values in the order they first come, as ``list(dict.fromkeys(column))`` gives them,
    without a Python loop over the rows (a pandas string column iterates at ~1 us a row: 1 ms a chart of 800)."""
    return column.unique().tolist()  # pandas' unique keeps the order of first appearance


def series_rows(
    df: pd.DataFrame,
    y: str,
    scale: str = "log",
    colors: list[str] | None = None,
    widths: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, tuple]:
    """The rows :func:`series_lines` draws (non-finite y dropped, and y ≤ 0 on a log axis), and the styles of
    the series left, in order: (colour, dash, width or None when no series has its own width). ``colors`` are
    the series' colours in the order of those left; ``widths`` by series name, as :func:`series_lines` takes."""
    df = df[np.isfinite(df[y])]
    if scale == "log":
        df = df[df[y] > 0]
    order = first_seen(df["series"])
    dash_of = dict(zip(df["series"].tolist(), df["dash"].tolist(), strict=True))  # lists: no pandas row loop
    colors = colors or list(PALETTE[: len(order)])
    styles = tuple((colors[i], dash_of[s], widths.get(s, 2.0) if widths else None) for i, s in enumerate(order))
    return df, styles


def signed_bars(
    df,
    *,
    x_title: str,
    y_title: str,
    sign_title: str,
    height: int = 300,
    order: tuple[str, ...] | None = None,
    ticks: tuple[float, ...] | None = None,
) -> alt.Chart:
    """``value`` against ``m`` as bars on a symlog axis, coloured by the ``sign`` column (a label). ``df`` may be
    a template's slot: ``order`` (the signs' labels in the rows' order) and ``ticks`` then say what the rows
    would (:func:`sign_shape`)."""
    if isinstance(df, pd.DataFrame):
        order, ticks = list(dict.fromkeys(df["sign"])), _symlog_ticks(df["value"].to_numpy())
    order = list(order)
    return (
        with_shown(alt.Chart(df), "value")
        .mark_bar(clip=True)
        .encode(
            x=alt.X("m:O", title=x_title, axis=dict(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title=y_title,
                scale=dict(type="symlog"),
                axis=dict(labelExpr=SCI_LABEL, values=list(ticks)),
            ),
            color=alt.Color(
                "sign:N",
                title=sign_title,
                sort=order,
                scale=dict(domain=order, range=[PALETTE[0], PALETTE[3], PALETTE[7]][: len(order)]),
                legend=dict(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("m:O", title=x_title),
                alt.Tooltip("sign:N", title=sign_title),
                alt.Tooltip("value_shown:N", title=y_title),
            ],
        )
        .properties(height=height)
    )


# Square charts: "pad" makes width/height the plotting area, so axes and legends do not squash one side.
SQUARE = dict(type="pad", contains="padding")
EIGEN_MIN_EXTENT, EIGEN_MARGIN = 1.25, 1.15  # the complex plane reaches max(1.25, 1.15 ρ) either way


def eigen_plane(
    eigs,
    circles,
    *,
    extent: float | None,
    re_title: str,
    im_title: str,
    circle_title: str,
    size: int = 300,
) -> alt.Chart:
    """Eigenvalues (``re``, ``im``) as points over circles (``x``, ``y``, ``circle`` label, ``order``), on axes
    from -extent to extent.

    With ``extent`` None, ``eigs`` and ``circles`` are a template's slots and the axes reach as far as the rows
    ask (a template holds no moving value): ±max(:data:`EIGEN_MIN_EXTENT`, 1.15 × the largest circle), drawn by
    an invisible layer of the circles' points moved that far out; the legend's circles are those of the rows,
    in their order (their names carry ρ)."""
    if extent is None:  # the axes' reach comes from the rows (the invisible margin layer below)
        sort, names, domain = None, {}, alt.Undefined
    else:
        sort = list(dict.fromkeys(circles["circle"]))
        names, domain = dict(domain=sort), [-extent, extent]
    rings = (
        alt.Chart(circles)
        .mark_line(clip=True, strokeWidth=1.5)
        .encode(
            x=alt.X("x:Q", title=re_title, scale=dict(domain=domain, nice=False)),
            y=alt.Y("y:Q", title=im_title, scale=dict(domain=domain, nice=False)),
            order=alt.Order("order:Q"),
            color=alt.Color(
                "circle:N",
                title=circle_title,
                sort=sort,
                scale=dict(**names, range=[PALETTE[7], PALETTE[3]]),
                legend=dict(orient="bottom", columns=1),
            ),
            strokeDash=alt.StrokeDash(
                "circle:N",
                title=circle_title,
                sort=sort,
                legend=dict(orient="bottom", columns=1),
                scale=dict(**names, range=[DASHES["solid"], DASHES["dashed"]]),
            ),
        )
    )
    dots = (
        with_shown(alt.Chart(eigs), "re", "im", "modulus")
        .mark_point(filled=True, size=55, color=PALETTE[0], opacity=0.85, clip=True)
        .encode(
            x=alt.X("re:Q"),
            y=alt.Y("im:Q"),
            tooltip=[
                alt.Tooltip("re_shown:N", title=re_title),
                alt.Tooltip("im_shown:N", title=im_title),
                alt.Tooltip("modulus_shown:N", title="|λ|"),
            ],
        )
    )
    layers = [rings, dots]
    if extent is None:  # each circle's points drawn max(1.25, 1.15 |x|) out: the axes reach max(1.25, 1.15 ρ)
        far = "(datum.{0} < 0 ? -1 : 1) * max({1}, {2} * abs(datum.{0}))"
        margin = (
            alt.Chart(circles)
            .transform_calculate(
                x_far=far.format("x", EIGEN_MIN_EXTENT, EIGEN_MARGIN),
                y_far=far.format("y", EIGEN_MIN_EXTENT, EIGEN_MARGIN),
            )
            .mark_point(opacity=0, size=0)
            .encode(x=alt.X("x_far:Q"), y=alt.Y("y_far:Q"))
        )
        layers.append(margin)
    return alt.layer(*layers).properties(width=size, height=size, autosize=SQUARE)


def circle_points(radius: float, label: str, n: int = 121) -> pd.DataFrame:
    """A circle of the given radius as a closed polyline, for :func:`eigen_plane`."""
    angle = np.linspace(0.0, 2.0 * np.pi, n)
    return pd.DataFrame(
        {"x": radius * np.cos(angle), "y": radius * np.sin(angle), "circle": label, "order": np.arange(n)}
    )


def cliff_overlays(heat: alt.LayerChart, overlay, section_w, point_title: str, start=None) -> alt.LayerChart:
    """Over the cliff's error surface (``ui.surfaces.heatmap``, whose quantitative x is w and y is b): a white
    rule at the cross-section's w, and ``overlay`` rows (``w``, ``b``, ``step``, ``label``): the step drawn as a
    line, its first point labelled (``point_title`` heads the label in the tooltip). The layers have their own
    fields and share the heatmap's axes. In a template, ``overlay``, ``section_w`` (a row ``w``) and ``start``
    (the overlay's first row) are slots."""
    if isinstance(overlay, pd.DataFrame):
        section_w, start = pd.DataFrame({"w": [section_w]}), overlay.iloc[:1]
    rule = alt.Chart(section_w).mark_rule(color="white", strokeDash=[4, 3]).encode(x=alt.X("w:Q"))
    path = (
        with_shown(alt.Chart(overlay), "w", "b")
        .mark_line(color="white", strokeWidth=2.5, clip=True, point=dict(color="white", size=60, filled=True))
        .encode(
            x=alt.X("w:Q"),
            y=alt.Y("b:Q"),
            order=alt.Order("step:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=point_title),
                alt.Tooltip("w_shown:N", title="w"),
                alt.Tooltip("b_shown:N", title="b"),
            ],
        )
    )
    start = (
        alt.Chart(start)
        .mark_text(align="right", dx=-9, dy=10, color="white", fontWeight="bold", clip=True)
        .encode(x=alt.X("w:Q"), y=alt.Y("b:Q"), text=alt.Text("label:N"))
    )
    return (heat + rule + path + start).configure_legend(orient="bottom")  # beside it, it would not fit a column


def cross_section(
    df,
    wall_b,
    *,
    b_title: str,
    e_title: str,
    wall_title: str,
    height: int = 520,
) -> alt.Chart:
    """The error along b at a fixed w (``b``, ``error`` columns), with a dashed rule where the wall is (its
    tooltip names it; the chart's title says what the dashes mean). In a template ``df`` and ``wall_b`` (a row
    ``b``, or None for no wall) are slots."""
    line = (
        with_shown(alt.Chart(df), "b", "error")
        .mark_line(color=PALETTE[0], strokeWidth=2)
        .encode(
            x=alt.X("b:Q", title=b_title, scale=dict(nice=False)),
            y=alt.Y("error:Q", title=e_title, scale=dict(domain=[0.0, 0.5])),
            tooltip=[alt.Tooltip("b_shown:N", title=b_title), alt.Tooltip("error_shown:N", title=e_title)],
        )
    )
    if wall_b is None:
        return line.properties(height=height)
    wall = (
        with_shown(alt.Chart(pd.DataFrame({"b": [wall_b]}) if isinstance(wall_b, float | int) else wall_b), "b")
        .mark_rule(color=PALETTE[3], strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x=alt.X("b:Q"), tooltip=[alt.Tooltip("b_shown:N", title=wall_title)])
    )
    return alt.layer(line, wall).properties(height=height)


def memory_trace(
    lines,
    *,
    t_title: str,
    value_title: str,
    series_title: str,
    height: int = 320,
    styles: tuple | None = None,
    order: tuple[str, ...] | None = None,
) -> alt.Chart:
    """One sequence: lines (``t``, ``value``, ``series``, ``dash``), the first series (the noisy inputs) thin and
    grey, then the palette. In a template, ``lines`` is a slot, ``styles`` those :func:`memory_trace_rows` gives
    and ``order`` the series' names."""
    if not isinstance(lines, pd.DataFrame):
        return series_lines(
            lines,
            "t",
            "value",
            x_title=t_title,
            y_title=value_title,
            series_title=series_title,
            scale="linear",
            height=height,
            styles=styles,
            order=order,
        )
    order = first_seen(lines["series"])
    return series_lines(
        lines,
        "t",
        "value",
        x_title=t_title,
        y_title=value_title,
        series_title=series_title,
        scale="linear",
        height=height,
        colors=["#bbbbbb", *PALETTE[: len(order) - 1]],
        widths={order[0]: 1.0},
    )


def memory_trace_rows(lines: pd.DataFrame) -> tuple[pd.DataFrame, tuple]:
    """The rows :func:`memory_trace` draws and their styles (see :func:`series_rows`)."""
    order = first_seen(lines["series"])  # colours by the series given, drawn or not (as memory_trace)
    return series_rows(lines, "value", "linear", colors=["#bbbbbb", *PALETTE[: len(order) - 1]], widths={order[0]: 1.0})


# --- the specs each section shows (the language first: the titles are translated inside) -----------------------
# Each chart is a template (ui.charts.template): its shape, a function of the language and the few choices that
# decide its marks and scales, is built and validated once per process and shared by every session; its rows,
# plain pandas made from the cached studies, are put in on each draw (ui.charts.filled), so a student's move
# builds no Altair object. Whatever moves with a control travels in the rows: the series' names that carry the
# student's numbers, the rules at the cliff's w and the wall's b, the complex plane's reach. The filled specs are
# cached too (ui.charts.spec_cache, keyed on the small inputs): a new visitor's first view, at the defaults, and a
# value someone sent before cost a lookup, not the rows, their hashes and their text alternative again.


def _lines(x: str, y: str, curves: dict) -> pd.DataFrame:
    """Rows for ``series_lines``: ``curves`` maps a series name to (x values, y values, dash)."""
    return pd.concat(
        [pd.DataFrame({x: xs, y: ys, "series": name, "dash": dash}) for name, (xs, ys, dash) in curves.items()]
    )


@charts.template(max_entries=16)
def series_shape(lang: str, styles: tuple) -> alt.Chart:
    """|W|^m against m: the shape of :func:`series_chart` (``styles``: its rows' series, :func:`series_rows`)."""
    return series_lines(
        charts.slot("lines"),
        "m",
        "value",
        x_title=t("gradients.m_axis"),
        y_title=t("gradients.magnitude_axis"),
        series_title=t("gradients.series_legend"),
        height=400,
        styles=styles,
    )


@charts.spec_cache(max_entries=64)
def series_chart(lang: str, w: float) -> dict:
    """|W|^m against m for the student's W and the book's two."""
    (explode, _), (vanish, _) = params.BOOK["explode"], params.BOOK["vanish"]
    steps = params.SERIES_STEPS
    m = np.arange(steps + 1)
    curves = {
        name: (m, spectral.scalar_series(weight, steps)["magnitude"], dash)
        for name, weight, dash in (
            (t("gradients.series_yours", w=num(w)), w, "solid"),
            (t("gradients.series_book_explode", w=num(explode)), explode, "dashed"),
            (t("gradients.series_book_vanish", w=num(vanish)), vanish, "dotted"),
        )
    }
    rows, styles = series_rows(_lines("m", "value", curves), "value", widths={next(iter(curves)): 4.0})
    return charts.filled(series_shape(lang, styles), {"lines": rows})


@charts.template(max_entries=16)
def sign_shape(lang: str, signs: tuple[float, ...], ticks: tuple[float, ...]) -> alt.Chart:
    """W^m with its sign: the shape of :func:`sign_chart` (``signs``: the signs drawn, in order; ``ticks``: the
    symlog axis's)."""
    return signed_bars(
        charts.slot("bars"),
        x_title=t("gradients.m_axis"),
        y_title=t("gradients.signed_axis"),
        sign_title=t("gradients.sign_legend"),
        height=400,
        order=tuple(_sign_names()[s] for s in signs),
        ticks=ticks,
    )


def _sign_names() -> dict[float, str]:
    return {1.0: t("gradients.sign_positive"), -1.0: t("gradients.sign_negative"), 0.0: t("gradients.sign_zero")}


@charts.spec_cache(max_entries=64)
def sign_chart(lang: str, w: float) -> dict:
    """W^m with its sign, for the first steps."""
    series = spectral.scalar_series(w, params.SIGN_STEPS)
    names = _sign_names()
    df = pd.DataFrame({"m": series["m"], "value": series["value"], "sign": [names[s] for s in series["sign"]]})
    return charts.filled(sign_shape(lang, *_sign_shape_key(series)), {"bars": df})


def _sign_shape_key(series: dict) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The signs the signed bars draw, in order, and their symlog axis's ticks (what :func:`sign_shape` takes)."""
    return tuple(float(s) for s in dict.fromkeys(series["sign"])), tuple(_symlog_ticks(series["value"]))


@charts.template(max_entries=32)
def flow_shape(lang: str, styles: tuple, ticks: tuple[float, ...]) -> alt.Chart:
    """The gradient going back through the counting RNN: the shape of :func:`flow_chart`."""
    X, _ = counting.book_dataset()
    return series_lines(
        charts.slot("lines"),
        "k",
        "gradient",
        x_title=t("gradients.k_axis", T=X.shape[1]),
        y_title=t("gradients.flow_axis"),
        series_title=t("gradients.flow_legend"),
        scale="symlog",
        points=True,
        height=460,
        legend_columns=3,
        styles=styles,
        ticks=ticks,
    )


@charts.spec_cache(max_entries=64)
def flow_chart(lang: str, U: float, W: float) -> dict:
    """The gradient going back through the counting RNN at the blog's marked points and at the student's."""
    rows, styles = flow_rows(U, W)
    ticks = tuple(_symlog_ticks(rows["gradient"].to_numpy()))
    return charts.filled(flow_shape(lang, styles, ticks), {"lines": rows})


def flow_rows(U: float, W: float) -> tuple[pd.DataFrame, tuple]:
    """The flow's rows at the marked points and at the student's (U, W), and their styles (:func:`series_rows`)."""
    flows = lesson.counting_flows((*params.BOOK["marked_points"], (U, W)))
    names = [t("gradients.point_label", u=num(u), w=num(w)) for u, w in params.BOOK["marked_points"]]
    names.append(t("gradients.yours_label", u=num(U), w=num(W)))
    curves = {
        name: (flow["k"], flow["gradient"], "dashed" if name == names[-1] else "solid")
        for name, flow in zip(names, flows, strict=True)
    }
    return series_rows(
        _lines("k", "gradient", curves),
        "gradient",
        "symlog",
        colors=[*charts.PALETTE[:6], charts.PALETTE[7]],
        widths={names[-1]: 4.0},
    )


@charts.template(max_entries=8)
def eigen_shape(lang: str) -> alt.Chart:
    """The complex plane: the shape of :func:`eigen_chart` (its reach comes with the rows)."""
    return eigen_plane(
        charts.slot("eigenvalues"),
        charts.slot("circles"),
        extent=None,
        re_title=t("gradients.re_axis"),
        im_title=t("gradients.im_axis"),
        circle_title=t("gradients.circle_legend"),
        size=EIGEN_SIZE,
    )


def eigen_rows(kind: str, size: int, seed: int, rho: float, matrix: str) -> dict[str, pd.DataFrame]:
    """The matrix's eigenvalues, and the unit circle and the circle of radius ρ, as :func:`eigen_shape` draws
    them (also the frames the plane's old form, :func:`eigen_plane` with an extent, took)."""
    W = lesson.recurrent_matrix(kind, size, seed, rho, matrix)
    radius = spectral.spectral_radius(W)
    eig = spectral.eigenvalues(W)
    return {
        "eigenvalues": pd.DataFrame({"re": eig.real, "im": eig.imag, "modulus": np.abs(eig)}),
        "circles": pd.concat(
            [
                circle_points(1.0, t("gradients.unit_circle")),
                circle_points(radius, t("gradients.rho_circle", rho=num(radius))),
            ]
        ),
    }


@charts.spec_cache(max_entries=64)
def eigen_chart(lang: str, kind: str, size: int, seed: int, rho: float, matrix: str) -> dict:
    """The matrix's eigenvalues in the complex plane, with the unit circle and the circle of radius ρ."""
    return charts.filled(eigen_shape(lang), eigen_rows(kind, size, seed, rho, matrix))


@charts.template(max_entries=16)
def norm_shape(lang: str, styles: tuple) -> alt.Chart:
    """The gradient norms against m: the shape of :func:`norm_chart`."""
    return series_lines(
        charts.slot("lines"),
        "m",
        "norm",
        x_title=t("gradients.m_axis"),
        y_title=t("gradients.norm_axis"),
        series_title=t("gradients.norm_legend"),
        height=440,
        styles=styles,
    )


def norm_rows(kind: str, size: int, seed: int, rho: float, steps: int, xs: float, matrix: str) -> pd.DataFrame:
    """The norms' curves (every row, before :func:`series_rows` drops those a log axis cannot draw)."""
    study = lesson.recurrence(kind, size, seed, rho, steps, xs, matrix)
    linear, driven = study["linear"], study["tanh"]
    m = linear["m"]
    curves = {
        t("gradients.series_linear"): (m, linear["norm"], "solid"),
        t("gradients.series_tanh"): (m, driven["norm"], "solid"),
        t("gradients.series_predicted", rho=num(linear["rho"])): (m, linear["predicted"], "dashed"),
    }
    return _lines("m", "norm", curves)


@charts.spec_cache(max_entries=64)
def norm_chart(lang: str, kind: str, size: int, seed: int, rho: float, steps: int, xs: float, matrix: str) -> dict:
    """The gradient norms against m: linear, tanh, and the ρ^m that predicts the linear one."""
    rows, styles = series_rows(norm_rows(kind, size, seed, rho, steps, xs, matrix), "norm")
    return charts.filled(norm_shape(lang, styles), {"lines": rows})


@charts.spec_cache(max_entries=4)
def non_normal_chart(lang: str) -> dict:
    """The non-normal example's norms on a linear axis: the rise, then the decay ρ^m predicts (no control moves
    it: one spec per language)."""
    example = lesson.non_normal_peak()
    m = example["m"]
    curves = {
        t("gradients.series_linear"): (m, example["norm"], "solid"),
        t("gradients.series_predicted", rho=num(params.NON_NORMAL_RHO)): (m, example["predicted"], "dashed"),
    }
    return charts.vega_lite(
        series_lines(
            _lines("m", "norm", curves),
            "m",
            "norm",
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.norm_axis"),
            series_title=t("gradients.norm_legend"),
            scale="linear",
            height=280,
        )
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def cliff_surface(lang: str) -> surfaces.Heatmap:
    """The cliff's error surface (the same for every w, rate and threshold): its image and its layers."""
    return surfaces.heatmap(
        lesson.cliff_values(),
        params.CLIFF_W_RANGE,
        params.CLIFF_B_RANGE,
        slot=CLIFF_SLOT,
        x_title="w",
        y_title="b",
        value_title=t("gradients.error_axis"),
        size=380,
    )


@charts.template(max_entries=4)
def cliff_shape(lang: str) -> alt.LayerChart:
    """The error surface with the cross-section's rule and the clipped step over it: the shape of
    :func:`cliff_chart`."""
    return cliff_overlays(
        cliff_surface(lang).chart,
        charts.slot("step"),
        charts.slot("section_w"),
        point_title=t("gradients.point_title"),
        start=charts.slot("start"),
    )


def cliff_rows(w: float, lr: float, clip: float) -> dict[str, pd.DataFrame]:
    """The rule at ``w`` and the clipped step from the wall (no rows when there is no wall, or the plain step
    overflowed), as :func:`cliff_shape` draws them."""
    study = lesson.cliff_study(w, lr, clip)
    step = pd.DataFrame({"w": [], "b": [], "step": [], "label": []})
    if study["wall_b"] is not None and study["plain"]["finite"]:
        clipped = study["clipped"]
        step = pd.DataFrame(
            {
                "w": [clipped["start"][0], clipped["end"][0]],
                "b": [clipped["start"][1], clipped["end"][1]],
                "step": [0, 1],
                "label": [t("gradients.on_wall"), t("gradients.after_step")],
            }
        )
    return {"section_w": pd.DataFrame({"w": [w]}), "step": step, "start": step.iloc[:1]}


@charts.spec_cache(max_entries=64)
def cliff_chart(lang: str, w: float, lr: float, clip: float) -> dict:
    """The error surface (an image, see ui.surfaces) with the cross-section at ``w`` and one clipped step from the
    wall drawn over it."""
    spec = charts.filled(cliff_shape(lang), cliff_rows(w, lr, clip), images=(cliff_surface(lang).image,))
    # The surface is no picture of arrows: it may be wider than tall. Its width follows the column (a phone's
    # too); its height stays that of the plot, axes and legend added below it. (``filled`` gives this dict its
    # own top level: the template is not touched.)
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


@charts.template(max_entries=8)
def profile_shape(lang: str, wall: bool) -> alt.Chart:
    """The error along b, with the wall's rule when there is one: the shape of :func:`profile_chart`."""
    return cross_section(
        charts.slot("section"),
        charts.slot("wall") if wall else None,
        b_title="b",
        e_title=t("gradients.error_axis"),
        wall_title=t("gradients.wall_label"),
    )


def profile_rows(w: float) -> dict[str, pd.DataFrame]:
    """The error along b at ``w``, and the wall's b (no ``wall`` when there is none)."""
    study = lesson.cliff_section(w)
    rows = {"section": pd.DataFrame({"b": study["section"]["b"], "error": study["section"]["error"]})}
    if study["wall_b"] is not None:
        rows["wall"] = pd.DataFrame({"b": [study["wall_b"]]})
    return rows


@charts.spec_cache(max_entries=64)
def profile_chart(lang: str, w: float) -> dict:
    """The error along b at ``w``, with the wall marked."""
    rows = profile_rows(w)
    return charts.filled(profile_shape(lang, "wall" in rows), rows)


@charts.template(max_entries=8)
def trace_shape(lang: str, styles: tuple, names: tuple[str, ...]) -> alt.Chart:
    """One sequence with the network's output: the shape of the first of :func:`memory_charts` (``names``: its
    series drawn, fixed words)."""
    return memory_trace(
        charts.slot("lines"),
        t_title=t("gradients.t_axis"),
        value_title=t("gradients.value_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
        styles=styles,
        order=names,
    )


@charts.template(max_entries=8)
def reach_shape(lang: str, styles: tuple, names: tuple[str, ...]) -> alt.Chart:
    """The gradient that reaches each step: the shape of the second of :func:`memory_charts`."""
    return series_lines(
        charts.slot("lines"),
        "t",
        "value",
        x_title=t("gradients.t_axis"),
        y_title=t("gradients.reach_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
        styles=styles,
        order=names,
    )


def memory_rows(rho: float, length: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sequence's lines (inputs, level, target, output) and the gradient's (what reaches each step, what the
    task needs), every row."""
    probe = lesson.memory(rho, length, seed)
    steps = probe["t"]
    trace = _lines(
        "t",
        "value",
        {
            t("gradients.input_dots"): (steps, probe["inputs"], "solid"),
            t("gradients.series_level"): (steps, np.full(length, probe["level"]), "dotted"),
            t("gradients.series_target"): (steps, probe["target"], "solid"),
            t("gradients.series_output"): (steps, probe["output"], "solid"),
        },
    )
    reach = _lines(
        "t",
        "value",
        {
            t("gradients.series_sensitivity"): (steps, probe["sensitivity"], "solid"),
            t("gradients.series_needed"): (steps, probe["needed"], "dashed"),
        },
    )
    return trace, reach


@charts.spec_cache(max_entries=64)
def memory_charts(lang: str, rho: float, length: int, seed: int) -> tuple[dict, dict]:
    """One sequence with the network's output, and the gradient that reaches each step."""
    trace, reach = memory_rows(rho, length, seed)
    trace, trace_styles = memory_trace_rows(trace)
    reach, reach_styles = series_rows(reach, "value")
    return (
        charts.filled(trace_shape(lang, trace_styles, _series_of(trace)), {"lines": trace}),
        charts.filled(reach_shape(lang, reach_styles, _series_of(reach)), {"lines": reach}),
    )


def _series_of(rows: pd.DataFrame) -> tuple[str, ...]:
    return tuple(first_seen(rows["series"]))


@st.cache_resource(max_entries=4, show_spinner=False)
def warm_shapes(lang: str) -> int:
    """Build, at a language's first view in the process, every shape a move can call for beside the defaults'
    (returns how many): the signed bars at each W < 0 of the slider (their symlog ticks follow |W|^20; the page
    draws none while W ≥ 0), the counting flow at each power of ten its largest gradient can reach (from the
    marked points' own to the sliders' corners', the largest |U| and |W|), the cross-section with and without a
    wall. So a student's first move to any value builds no chart on the server, whoever moves first."""
    w = params.P["w"]
    weights = [float(x) for x in np.round(np.arange(w.lo, 0.0, w.step), 10) if x < 0]
    keys = {_sign_shape_key(spectral.scalar_series(x, params.SIGN_STEPS)) for x in weights}
    for key in keys:
        sign_shape(lang, *key)
    u, w = params.P["count_u"], params.P["count_w"]
    marked = lesson.counting_flows(params.BOOK["marked_points"])
    corners = lesson.counting_flows(tuple((a, b) for a in (u.lo, u.hi) for b in (w.lo, w.hi)))
    sizes = [float(np.max(np.abs(flow["gradient"]))) for flow in (*marked, *corners)]
    low, high = math.ceil(math.log10(max(sizes[: len(marked)]))), math.ceil(math.log10(max(sizes)))
    _, styles = flow_rows(u.default, w.default)
    ticks = {tuple(_symlog_ticks(np.array([-1.0, 10.0**power]))) for power in range(low, high + 1)}
    for key in ticks:  # the marked points alternate in sign: the ticks go below 0 too
        flow_shape(lang, styles, key)
    for wall in (False, True):
        profile_shape(lang, wall)
    return len(keys) + len(ticks) + 2
