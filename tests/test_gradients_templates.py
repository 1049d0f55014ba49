"""The gradients lesson's charts as templates (ui.charts.template): at settings no one chose, each draws what the
chart built whole from its data frames draws, and a student's move builds no Altair object.

The reference is the same builder given data frames (``figures.series_lines(df, ...)`` and the others), which
decides the series' order, styles and symlog ticks from the rows and puts them in the spec as constants, the way
the page drew its charts before templates. Where nothing moving sits in the shape (the signed bars, the cliff,
the cross-section, the memory probe's two charts), the filled template must EQUAL that spec. Where the series'
names carry the student's numbers (|W|^m, the counting RNN's flow, the norms) or the axes' reach moves with ρ
(the complex plane), the template orders the legend by the rows and reaches as far as the rows ask: the CSV,
the text alternative and every encoding must be the same, and the legend's order, colours, dashes and widths
must match series by series.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import assert_clean, open_app
from hypothesis import given, settings
from hypothesis import strategies as hst
from strategies import settings_of

from lessons.gradients import figures, params
from lessons.gradients import readings as lesson
from rnn_core import spectral
from ui import charts, export, i18n
from ui.i18n import t
from ui.numbers import num

P = params.P
# Section 3 draws either kind of random matrix, or the typed one (the page's default text: the non-normal example).
SETTINGS = settings_of(params.PARAMS)
LANGS = hst.sampled_from(("en", "ko"))


@pytest.fixture
def speak(monkeypatch):
    """Switch the language ``t`` writes in (outside a session it reads no session state)."""

    def use(lang: str) -> str:
        monkeypatch.setattr(i18n, "current_language", lambda: lang)
        return lang

    return use


def same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def encodings_without_order(spec: dict) -> list[dict]:
    """Each layer's encoding, with what a template decides from the rows instead (the legend's sort and domain)
    left out, and the layers that draw nothing (opacity 0) dropped."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("sort", "domain")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return [strip(layer.get("encoding", {})) for layer in layers(spec) if layer.get("mark", {}).get("opacity") != 0]


def legend_styles(spec: dict, rows: pd.DataFrame, field: str) -> list[tuple]:
    """(series, colour, dash, width) in legend order as the browser would read them from the spec: an explicit
    domain, else the series in the order of their first row."""
    encoding = layers(spec)[0]["encoding"]
    order = encoding["color"]["scale"].get("domain") or list(dict.fromkeys(rows[field]))
    width = encoding.get("strokeWidth", {}).get("scale", {}).get("range")
    return [
        (name, encoding["color"]["scale"]["range"][i], encoding["strokeDash"]["scale"]["range"][i], width and width[i])
        for i, name in enumerate(order)
    ]


def assert_draws_the_same(filled: dict, reference: dict, field: str = "series") -> None:
    """The filled template draws what the reference spec draws (see the module's docstring)."""
    assert export.csv(filled) == export.csv(reference)
    assert filled["description"] == reference["description"]
    assert encodings_without_order(filled) == encodings_without_order(reference)
    rows = next(df for df in filled["datasets"].values() if isinstance(df, pd.DataFrame) and field in df)
    assert legend_styles(filled, rows, field) == legend_styles(reference, rows, field)
    # every colour, dash and width is given: one per series the rows hold, none short
    encoding = layers(filled)[0]["encoding"]
    for channel in ("color", "strokeDash", "strokeWidth"):
        if channel in encoding:
            assert len(encoding[channel]["scale"]["range"]) == rows[field].nunique(), channel


@settings(max_examples=15)
@given(values=SETTINGS, lang=LANGS)
def test_the_scalar_series_draws_what_its_data_frames_drew(values, lang, speak):
    speak(lang)
    w = values["w"]
    spec = figures.series_chart(lang, w)
    m = np.arange(params.SERIES_STEPS + 1)
    (explode, _), (vanish, _) = params.BOOK["explode"], params.BOOK["vanish"]
    with np.errstate(over="ignore", under="ignore"):  # |W|^m as float64 holds it: beyond its range it is not drawn
        curves = {
            t("gradients.series_yours", w=num(w)): (m, np.abs(w) ** m, "solid"),
            t("gradients.series_book_explode", w=num(explode)): (m, np.abs(explode) ** m, "dashed"),
            t("gradients.series_book_vanish", w=num(vanish)): (m, np.abs(vanish) ** m, "dotted"),
        }
    reference = charts.vega_lite(
        figures.series_lines(
            figures._lines("m", "value", curves),
            "m",
            "value",
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.magnitude_axis"),
            series_title=t("gradients.series_legend"),
            height=400,
            widths={next(iter(curves)): 4.0},
        )
    )
    assert_draws_the_same(spec, reference)
    # the student's series is drawn 4 px wide whatever its name
    assert legend_styles(spec, spec["datasets"][layers(spec)[0]["data"]["name"]], "series")[0][3] == 4.0


@settings(max_examples=15)
@given(w=hst.integers(-40, -1).map(lambda k: round(k * P["w"].step, 10)), lang=LANGS)
def test_the_signed_series_equals_its_old_spec(w, lang, speak):
    speak(lang)
    series = spectral.scalar_series(w, params.SIGN_STEPS)
    names = {1.0: t("gradients.sign_positive"), -1.0: t("gradients.sign_negative"), 0.0: t("gradients.sign_zero")}
    df = pd.DataFrame({"m": series["m"], "value": series["value"], "sign": [names[s] for s in series["sign"]]})
    reference = charts.vega_lite(
        figures.signed_bars(
            df,
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.signed_axis"),
            sign_title=t("gradients.sign_legend"),
            height=400,
        )
    )
    assert same(figures.sign_chart(lang, w), reference)


@settings(max_examples=15)
@given(values=SETTINGS, lang=LANGS)
def test_the_counting_flow_draws_what_its_data_frames_drew(values, lang, speak):
    speak(lang)
    U, W = values["count_u"], values["count_w"]
    spec = figures.flow_chart(lang, U, W)
    points = (*params.BOOK["marked_points"], (U, W))
    names = [t("gradients.point_label", u=num(u), w=num(w)) for u, w in params.BOOK["marked_points"]]
    names.append(t("gradients.yours_label", u=num(U), w=num(W)))
    flows = lesson.counting_flows(points)
    curves = {
        name: (flow["k"], flow["gradient"], "dashed" if i == len(names) - 1 else "solid")
        for i, (name, flow) in enumerate(zip(names, flows, strict=True))
    }
    reference = charts.vega_lite(
        figures.series_lines(
            figures._lines("k", "gradient", curves),
            "k",
            "gradient",
            x_title=t("gradients.k_axis", T=len(flows[-1]["k"]) - 1),
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
    assert_draws_the_same(spec, reference)
    # the symlog axis's ticks are those the rows call for
    assert layers(spec)[0]["encoding"]["y"]["axis"]["values"] == layers(reference)[0]["encoding"]["y"]["axis"]["values"]


@settings(max_examples=15)
@given(values=SETTINGS, lang=LANGS)
def test_the_complex_plane_draws_what_its_data_frames_drew_and_reaches_as_far(values, lang, speak):
    speak(lang)
    kind, size, seed, rho, matrix = (values[k] for k in ("kind", "size", "seed", "rho", "matrix"))
    spec = figures.eigen_chart(lang, kind, size, seed, rho, matrix)
    rows = figures.eigen_rows(kind, size, seed, rho, matrix)
    radius = spectral.spectral_radius(lesson.recurrent_matrix(kind, size, seed, rho, matrix))
    extent = max(1.25, 1.15 * radius)
    reference = charts.vega_lite(
        figures.eigen_plane(
            rows["eigenvalues"],
            rows["circles"],
            extent=extent,
            re_title=t("gradients.re_axis"),
            im_title=t("gradients.im_axis"),
            circle_title=t("gradients.circle_legend"),
            size=figures.EIGEN_SIZE,
        )
    )
    assert_draws_the_same(spec, reference, field="circle")
    # The axes reach ±extent: the data Vega-Lite takes the shared x and y scales from (no fixed domain), with the
    # invisible layer's expression evaluated here as the browser does, span exactly [-extent, extent].
    drawn = layers(spec)
    assert all("domain" not in layer["encoding"][c].get("scale", {}) for layer in drawn for c in ("x", "y"))
    margin = next(layer for layer in drawn if layer["mark"].get("opacity") == 0)
    circles = spec["datasets"][margin["data"]["name"]]
    far = {
        axis: np.sign(circles[axis]).where(circles[axis] != 0, 1.0) * np.maximum(1.25, 1.15 * circles[axis].abs())
        for axis in ("x", "y")
    }
    for axis, column in (("x", "re"), ("y", "im")):
        eigenvalues = spec["datasets"][drawn[1]["data"]["name"]][column]
        values = np.concatenate([far[axis], circles[axis], eigenvalues])
        assert values.min() == pytest.approx(-extent, rel=1e-12) and values.max() == pytest.approx(extent, rel=1e-12)
    calculated = " ".join(step.get("calculate", "") for step in margin["transform"])
    assert "max(1.25, 1.15 * abs(datum.x))" in calculated and "max(1.25, 1.15 * abs(datum.y))" in calculated


@settings(max_examples=10)
@given(values=SETTINGS, lang=LANGS)
def test_the_norms_draw_what_their_data_frames_drew(values, lang, speak):
    speak(lang)
    args = tuple(values[k] for k in ("kind", "size", "seed", "rho", "steps", "xs", "matrix"))
    reference = charts.vega_lite(
        figures.series_lines(
            figures.norm_rows(*args),
            "m",
            "norm",
            x_title=t("gradients.m_axis"),
            y_title=t("gradients.norm_axis"),
            series_title=t("gradients.norm_legend"),
            height=440,
        )
    )
    assert_draws_the_same(figures.norm_chart(lang, *args), reference)


@settings(max_examples=15)
@given(values=SETTINGS, lang=LANGS)
def test_the_cliff_and_its_cross_section_equal_their_old_specs(values, lang, speak):
    speak(lang)
    w, lr, clip = values["cliff_w"], values["lr"], values["clip"]
    heat = figures.cliff_surface(lang)
    rows = figures.cliff_rows(w, lr, clip)
    reference = charts.vega_lite(
        figures.cliff_overlays(heat.chart, rows["step"], w, point_title=t("gradients.point_title")),
        images=(heat.image,),
    )
    reference["autosize"] = {"type": "fit-x", "contains": "padding"}
    assert same(figures.cliff_chart(lang, w, lr, clip), reference)
    study = lesson.cliff_section(w)
    section = pd.DataFrame({"b": study["section"]["b"], "error": study["section"]["error"]})
    reference = charts.vega_lite(
        figures.cross_section(
            section,
            study["wall_b"],
            b_title="b",
            e_title=t("gradients.error_axis"),
            wall_title=t("gradients.wall_label"),
        )
    )
    assert same(figures.profile_chart(lang, w), reference)


@settings(max_examples=8)
@given(values=SETTINGS, lang=LANGS)
def test_the_memory_probe_charts_equal_their_old_specs(values, lang, speak):
    speak(lang)
    rho, length, seed = values["mem_rho"], values["mem_len"], values["mem_seed"]
    trace, reach = figures.memory_rows(rho, length, seed)
    output = figures.memory_trace(
        trace,
        t_title=t("gradients.t_axis"),
        value_title=t("gradients.value_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
    )
    gradient = figures.series_lines(
        reach,
        "t",
        "value",
        x_title=t("gradients.t_axis"),
        y_title=t("gradients.reach_axis"),
        series_title=t("gradients.trace_legend"),
        height=420,
    )
    drawn = figures.memory_charts(lang, rho, length, seed)
    assert same(drawn[0], charts.vega_lite(output)) and same(drawn[1], charts.vega_lite(gradient))


# --- a move builds no Altair object -------------------------------------------------------------------------------


def _widget(at, key: str):
    return next(w for kind in ("slider", "number_input", "radio") for w in getattr(at, kind) if w.key == key)


def _new_value(param, rng: random.Random, current):
    while True:
        if param.kind == "choice":
            value = rng.choice([o for o in param.options if o != "typed"])
        elif param.kind == "int":
            value = rng.randint(int(param.lo), int(param.hi))
        else:
            value = min(
                param.hi, round(param.lo + rng.randint(0, round((param.hi - param.lo) / param.step)) * param.step, 10)
            )
        if value != current:
            return value


def test_a_move_of_any_control_to_a_new_value_builds_no_altair_object(monkeypatch):
    import altair.utils.schemapi as schemapi
    import streamlit as st

    st.cache_resource.clear()  # no shape left by another test: the page's own first view must build them
    at = open_app("gradients")  # W > 0: the signed chart is not drawn until W goes below 0
    rng = random.Random(23)
    built = []
    init = schemapi.SchemaBase.__init__

    def counted(self, *args, **kwargs):
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    for param in params.PARAMS:
        if param.kind not in ("float", "int", "choice"):
            continue
        key = f"gradients.{param.name}"
        values = [None, None]
        if param.name == "w":  # warmed up above 0, then the first W below 0: the signed chart's first drawing
            values = [round(sign * rng.choice(range(1, 41)) * P["w"].step, 10) for sign in (1, -1)]
        for warm_up, value in zip((True, False), values, strict=True):
            widget = _widget(at, key)
            widget.set_value(value if value is not None else _new_value(param, rng, widget.value))
            if not warm_up:
                monkeypatch.setattr(schemapi.SchemaBase, "__init__", counted)
            at.run()
            monkeypatch.setattr(schemapi.SchemaBase, "__init__", init)
            assert_clean(at)
        assert not built, f"moving {param.name} built {sorted(set(built))}"
    assert len(at.get("vega_lite_chart")) == 10
