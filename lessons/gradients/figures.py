"""The exploding/vanishing-gradients lesson's charts: Altair builders, then the specs each section shows.

The builders take data frames and translated titles. The specs (the language first: titles are translated inside)
draw the cached studies of :mod:`lessons.gradients.readings` and go through the one spec cache
(:func:`ui.charts.spec_cache`), keyed on the language and the small inputs that decide them, so a rerun that
changes nothing in a chart ships it from the cache (and the browser, which already holds it, gets a reference
instead of the chart).

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

from lessons.gradients import params
from lessons.gradients import readings as lesson
from rnn_core import spectral
from ui import charts, surfaces
from ui.charts import PALETTE
from ui.i18n import t
from ui.numbers import num, number_expr

EIGEN_SIZE = 260  # section 3: the complex plane, a square whose axes and legend fit a phone and a column
CLIFF_SLOT = "gradients_cliff"  # the cliff surface's place on the page (ui.surfaces.image_url)
DASHES = {"solid": [1, 0], "dashed": [6, 4], "dotted": [2, 3]}


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
    df: pd.DataFrame,
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
        width_channel["strokeWidth"] = alt.StrokeWidth(
            "series:N",
            title=series_title,
            sort=order,
            legend=legend,
            scale=dict(domain=order, range=[widths.get(s, 2.0) for s in order]),
        )
    return (
        with_shown(alt.Chart(df), y)
        .mark_line(point=points, clip=True, strokeWidth=2)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=dict(format="d", tickMinStep=1) if integer_x else alt.Undefined),
            y=alt.Y(f"{y}:Q", title=y_title, scale=dict(type=scale), axis=y_axis),
            color=alt.Color(
                "series:N",
                title=series_title,
                sort=order,
                scale=dict(domain=order, range=colors or list(PALETTE[: len(order)])),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=series_title,
                sort=order,
                legend=legend,
                scale=dict(domain=order, range=[DASHES[dash_of[s]] for s in order]),
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


def signed_bars(df: pd.DataFrame, *, x_title: str, y_title: str, sign_title: str, height: int = 300) -> alt.Chart:
    """``value`` against ``m`` as bars on a symlog axis, coloured by the ``sign`` column (a label)."""
    order = list(dict.fromkeys(df["sign"]))
    return (
        with_shown(alt.Chart(df), "value")
        .mark_bar(clip=True)
        .encode(
            x=alt.X("m:O", title=x_title, axis=dict(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title=y_title,
                scale=dict(type="symlog"),
                axis=dict(labelExpr=SCI_LABEL, values=_symlog_ticks(df["value"].to_numpy())),
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


def eigen_plane(
    eigs: pd.DataFrame,
    circles: pd.DataFrame,
    *,
    extent: float,
    re_title: str,
    im_title: str,
    circle_title: str,
    size: int = 300,
) -> alt.Chart:
    """Eigenvalues (``re``, ``im``) as points over circles (``x``, ``y``, ``circle`` label, ``order``)."""
    domain = [-extent, extent]
    order = list(dict.fromkeys(circles["circle"]))
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
                sort=order,
                scale=dict(domain=order, range=[PALETTE[7], PALETTE[3]]),
                legend=dict(orient="bottom", columns=1),
            ),
            strokeDash=alt.StrokeDash(
                "circle:N",
                title=circle_title,
                sort=order,
                legend=dict(orient="bottom", columns=1),
                scale=dict(domain=order, range=[DASHES["solid"], DASHES["dashed"]]),
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
    return alt.layer(rings, dots).properties(width=size, height=size, autosize=SQUARE)


def circle_points(radius: float, label: str, n: int = 121) -> pd.DataFrame:
    """A circle of the given radius as a closed polyline, for :func:`eigen_plane`."""
    angle = np.linspace(0.0, 2.0 * np.pi, n)
    return pd.DataFrame(
        {"x": radius * np.cos(angle), "y": radius * np.sin(angle), "circle": label, "order": np.arange(n)}
    )


def cliff_overlays(heat: alt.LayerChart, overlay: pd.DataFrame, section_w: float, point_title: str) -> alt.LayerChart:
    """Over the cliff's error surface (``ui.surfaces.heatmap``, whose quantitative x is w and y is b): a white
    rule at the cross-section's w, and ``overlay`` rows (``w``, ``b``, ``step``, ``label``): the step drawn as a
    line, its first point labelled (``point_title`` heads the label in the tooltip). The layers have their own
    fields and share the heatmap's axes."""
    rule = (
        alt.Chart(pd.DataFrame({"w": [section_w]})).mark_rule(color="white", strokeDash=[4, 3]).encode(x=alt.X("w:Q"))
    )
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
        alt.Chart(overlay.iloc[:1])
        .mark_text(align="right", dx=-9, dy=10, color="white", fontWeight="bold", clip=True)
        .encode(x=alt.X("w:Q"), y=alt.Y("b:Q"), text=alt.Text("label:N"))
    )
    return (heat + rule + path + start).configure_legend(orient="bottom")  # beside it, it would not fit a column


def cross_section(
    df: pd.DataFrame,
    wall_b: float | None,
    *,
    b_title: str,
    e_title: str,
    wall_title: str,
    height: int = 520,
) -> alt.Chart:
    """The error along b at a fixed w (``b``, ``error`` columns), with a dashed rule where the wall is (its
    tooltip names it; the chart's title says what the dashes mean)."""
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
        with_shown(alt.Chart(pd.DataFrame({"b": [wall_b]})), "b")
        .mark_rule(color=PALETTE[3], strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x=alt.X("b:Q"), tooltip=[alt.Tooltip("b_shown:N", title=wall_title)])
    )
    return alt.layer(line, wall).properties(height=height)


def memory_trace(
    lines: pd.DataFrame, *, t_title: str, value_title: str, series_title: str, height: int = 320
) -> alt.Chart:
    """One sequence: lines (``t``, ``value``, ``series``, ``dash``), the first series (the noisy inputs) thin and
    grey, then the palette."""
    order = list(dict.fromkeys(lines["series"]))
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


# --- the specs each section shows (the language first: the titles are translated inside) -----------------------


def _lines(x: str, y: str, curves: dict) -> pd.DataFrame:
    """Rows for ``series_lines``: ``curves`` maps a series name to (x values, y values, dash)."""
    return pd.concat(
        [pd.DataFrame({x: xs, y: ys, "series": name, "dash": dash}) for name, (xs, ys, dash) in curves.items()]
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
    return charts.vega_lite(
        series_lines(
            _lines("m", "value", curves),
            "m",
            "value",
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.magnitude_axis"),
            series_title=t("gradients.series_legend"),
            height=400,
            widths={next(iter(curves)): 4.0},
        )
    )


@charts.spec_cache(max_entries=64)
def sign_chart(lang: str, w: float) -> dict:
    """W^m with its sign, for the first steps."""
    series = spectral.scalar_series(w, params.SIGN_STEPS)
    names = {1.0: t("gradients.sign_positive"), -1.0: t("gradients.sign_negative"), 0.0: t("gradients.sign_zero")}
    df = pd.DataFrame({"m": series["m"], "value": series["value"], "sign": [names[s] for s in series["sign"]]})
    return charts.vega_lite(
        signed_bars(
            df,
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.signed_axis"),
            sign_title=t("gradients.sign_legend"),
            height=400,
        )
    )


@charts.spec_cache(max_entries=64)
def flow_chart(lang: str, U: float, W: float) -> dict:
    """The gradient going back through the counting RNN at the blog's marked points and at the student's."""
    flows = lesson.counting_flows((*params.BOOK["marked_points"], (U, W)))
    names = [t("gradients.point_label", u=num(u), w=num(w)) for u, w in params.BOOK["marked_points"]]
    names.append(t("gradients.yours_label", u=num(U), w=num(W)))
    curves = {
        name: (flow["k"], flow["gradient"], "dashed" if name == names[-1] else "solid")
        for name, flow in zip(names, flows, strict=True)
    }
    T = len(flows[-1]["k"]) - 1
    return charts.vega_lite(
        series_lines(
            _lines("k", "gradient", curves),
            "k",
            "gradient",
            x_title=t("gradients.k_axis", T=T),
            y_title=t("gradients.flow_axis"),
            series_title=t("gradients.flow_legend"),
            scale="symlog",
            points=True,
            height=460,
            legend_columns=3,
            colors=[*charts.PALETTE[:6], charts.PALETTE[7]],
            widths={names[-1]: 4.0},
        )
    )


@charts.spec_cache(max_entries=32)
def eigen_chart(lang: str, kind: str, size: int, seed: int, rho: float, matrix: str) -> dict:
    """The matrix's eigenvalues in the complex plane, with the unit circle and the circle of radius ρ."""
    W = lesson.recurrent_matrix(kind, size, seed, rho, matrix)
    radius = spectral.spectral_radius(W)
    eig = spectral.eigenvalues(W)
    eig_df = pd.DataFrame({"re": eig.real, "im": eig.imag, "modulus": np.abs(eig)})
    circles = pd.concat(
        [
            circle_points(1.0, t("gradients.unit_circle")),
            circle_points(radius, t("gradients.rho_circle", rho=num(radius))),
        ]
    )
    return charts.vega_lite(
        eigen_plane(
            eig_df,
            circles,
            extent=max(1.25, 1.15 * radius),
            re_title=t("gradients.re_axis"),
            im_title=t("gradients.im_axis"),
            circle_title=t("gradients.circle_legend"),
            size=EIGEN_SIZE,
        )
    )


@charts.spec_cache(max_entries=32)
def norm_chart(lang: str, kind: str, size: int, seed: int, rho: float, steps: int, xs: float, matrix: str) -> dict:
    """The gradient norms against m: linear, tanh, and the ρ^m that predicts the linear one."""
    study = lesson.recurrence(kind, size, seed, rho, steps, xs, matrix)
    linear, driven = study["linear"], study["tanh"]
    m = linear["m"]
    curves = {
        t("gradients.series_linear"): (m, linear["norm"], "solid"),
        t("gradients.series_tanh"): (m, driven["norm"], "solid"),
        t("gradients.series_predicted", rho=num(linear["rho"])): (m, linear["predicted"], "dashed"),
    }
    return charts.vega_lite(
        series_lines(
            _lines("m", "norm", curves),
            "m",
            "norm",
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.norm_axis"),
            series_title=t("gradients.norm_legend"),
            height=440,
        )
    )


@charts.spec_cache(max_entries=4)
def non_normal_chart(lang: str) -> dict:
    """The non-normal example's norms on a linear axis: the rise, then the decay ρ^m predicts."""
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


@charts.spec_cache(max_entries=64)
def cliff_chart(lang: str, w: float, lr: float, clip: float) -> dict:
    """The error surface (an image, see ui.surfaces) with the cross-section at ``w`` and one clipped step from the
    wall drawn over it."""
    study = lesson.cliff_study(w, lr, clip)
    overlay = pd.DataFrame({"w": [], "b": [], "step": [], "label": []})
    if study["wall_b"] is not None and study["plain"]["finite"]:
        step = study["clipped"]
        overlay = pd.DataFrame(
            {
                "w": [step["start"][0], step["end"][0]],
                "b": [step["start"][1], step["end"][1]],
                "step": [0, 1],
                "label": [t("gradients.on_wall"), t("gradients.after_step")],
            }
        )
    heat = surfaces.heatmap(
        lesson.cliff_values(),
        params.CLIFF_W_RANGE,
        params.CLIFF_B_RANGE,
        slot=CLIFF_SLOT,
        x_title="w",
        y_title="b",
        value_title=t("gradients.error_axis"),
        size=380,
    )
    spec = charts.vega_lite(
        cliff_overlays(heat.chart, overlay, w, point_title=t("gradients.point_title")), images=(heat.image,)
    )
    # The surface is no picture of arrows: it may be wider than tall. Its width follows the column (a phone's
    # too); its height stays that of the plot, axes and legend added below it.
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


@charts.spec_cache(max_entries=64)
def profile_chart(lang: str, w: float) -> dict:
    """The error along b at ``w``, with the wall marked."""
    study = lesson.cliff_section(w)
    section = pd.DataFrame({"b": study["section"]["b"], "error": study["section"]["error"]})
    return charts.vega_lite(
        cross_section(
            section,
            study["wall_b"],
            b_title="b",
            e_title=t("gradients.error_axis"),
            wall_title=t("gradients.wall_label"),
        )
    )


@charts.spec_cache(max_entries=32)
def memory_charts(lang: str, rho: float, length: int, seed: int) -> tuple[dict, dict]:
    """One sequence with the network's output, and the gradient that reaches each step."""
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
    output = memory_trace(
        trace,
        t_title=t("gradients.t_axis"),
        value_title=t("gradients.value_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
    )
    gradient = series_lines(
        reach,
        "t",
        "value",
        x_title=t("gradients.t_axis"),
        y_title=t("gradients.reach_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
    )
    return charts.vega_lite(output), charts.vega_lite(gradient)
