"""The exploding/vanishing-gradients lesson, driven through AppTest in both languages."""

import inspect
import json
import re
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import assert_clean, by_key, open_app, texts, url_of

from rnn_core import cliff, counting, spectral
from ui import gradients_charts as gc
from ui.i18n import catalog

DEFAULT_MATRIX = "0.9, 4; 0, 0.9"


def metric(at, label_key: str, lang: str = "en", **fields) -> str:
    label = catalog(lang)[label_key].format(**fields) if fields else catalog(lang)[label_key]
    return next(m.value for m in at.metric if m.label == label)


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def chart_rows(at, index: int) -> pd.DataFrame:
    """The data of the index-th chart (its first dataset), decoded from the Arrow bytes Streamlit sends."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    return convert_arrow_bytes_to_pandas_df(at.get("vega_lite_chart")[index].proto.datasets[0].data.data)


def chart_index(at, needle: str) -> int:
    """The position of the first chart whose spec mentions ``needle`` (a title, a mark type)."""
    return next(i for i, s in enumerate(specs(at)) if needle in json.dumps(s, ensure_ascii=False))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_renders_in_both_languages_with_the_books_numbers_computed(lang):
    at = open_app(page="gradients", lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["gradients.title"]
    # The book's two numbers, computed by rnn_core (1.5^50 ≈ 6.38e8, 0.6^20 ≈ 3.66e-5), not typed.
    assert spectral.BOOK_EXPLODE == (1.5, 50) and spectral.BOOK_VANISH == (0.6, 20)
    explode = spectral.scalar_series(1.5, 50)["log10_magnitude"][50]
    vanish = spectral.scalar_series(0.6, 20)["log10_magnitude"][20]
    assert metric(at, "gradients.book_explode", lang, power="1.5⁵⁰") == gc.power_of_ten(explode)
    assert metric(at, "gradients.book_vanish", lang, power="0.6²⁰") == gc.power_of_ten(vanish)
    assert 10**explode == pytest.approx(1.5**50) and 10**vanish == pytest.approx(0.6**20)
    # Every section's prose and every chart title come from this language's catalogue.
    page_text = texts(at)
    for key in ("gradients.series_header", "gradients.flow_header", "gradients.matrix_header",
                "gradients.cliff_header", "gradients.memory_header"):
        assert catalog(lang)[key] in page_text
    titles = {json.dumps(spec, ensure_ascii=False) for spec in specs(at)}
    assert any(catalog(lang)["gradients.norm_axis"] in s for s in titles)
    assert any(catalog(lang)["gradients.flow_axis"] in s for s in titles)
    assert len(specs(at)) == 9  # the signed chart appears only for W < 0 ...
    assert catalog(lang)["gradients.sign_positive_only"] in page_text  # ... and says so meanwhile


def test_scalar_regimes_are_explained_from_the_current_value():
    at = open_app(page="gradients")
    slider = by_key(at, "slider", "gradients.w")
    cases = {0.6: "gradients.scalar_vanishing", 1.0: "gradients.scalar_steady", 2.0: "gradients.scalar_exploding",
             0.0: "gradients.scalar_zero", -0.5: "gradients.scalar_vanishing"}
    for w, key in cases.items():
        slider.set_value(w).run()
        assert_clean(at)
        first_words = catalog("en")[key].split("{")[0]
        assert first_words in texts(at), w
        series = spectral.scalar_series(w, 100)
        assert metric(at, "gradients.yours_end", w=gc.number(w), exponent="¹⁰⁰") == gc.power_of_ten(
            series["log10_magnitude"][100])
    # W < 0: the sign flips, and the signed chart shows both signs
    assert catalog("en")["gradients.scalar_alternates"] in texts(at)
    bars = chart_rows(at, chart_index(at, '"type": "bar"'))
    np.testing.assert_allclose(bars["value"], spectral.scalar_series(-0.5, 20)["value"])
    assert set(bars["sign"]) == {catalog("en")["gradients.sign_positive"], catalog("en")["gradients.sign_negative"]}
    # the decade count in the sentence is the one rnn_core computes
    slider.set_value(0.6).run()
    decade = f"{spectral.scalar_regime(0.6)['steps_per_decade']:.3g}"
    assert f"every {decade} steps" in texts(at)


def test_counting_flow_matches_rnn_core_and_links_to_the_counting_lesson_with_the_same_values():
    at = open_app(page="gradients", lang="ko")
    by_key(at, "slider", "gradients.count_u").set_value(0.5).run()
    by_key(at, "slider", "gradients.count_w").set_value(-2.0).run()
    assert_clean(at)
    X, targets = counting.book_dataset()
    flow = spectral.counting_gradient_flow(X, targets, 0.5, -2.0)
    reading = catalog("ko")["gradients.flow_exploding"].format(
        w=gc.number(-2.0), absw=gc.number(2.0), steps=10, end=gc.number(flow["gradient"][-1]),
        start=gc.number(flow["gradient"][0]))
    assert reading in texts(at)
    assert catalog("ko")["gradients.flow_alternates"] in texts(at)
    # all seven curves are drawn, the student's from the same numbers
    rows = chart_rows(at, chart_index(at, catalog("ko")["gradients.flow_axis"]))
    assert rows["series"].nunique() == 7
    mine = rows[rows["series"] == catalog("ko")["gradients.yours_label"].format(u="0.5", w="−2")]
    np.testing.assert_allclose(mine["gradient"], flow["gradient"])

    link = at.get("page_link")[0].proto
    assert link.page == "counting"
    query = {k: v[0] for k, v in parse_qs(link.query_string).items()}
    assert query == {"lang": "ko", "u": "0.5", "w": "-2.0"}
    # Following the link: the counting page reads u and w from the URL when it is entered.
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("views/counting.py").run()
    assert_clean(at)
    assert by_key(at, "slider", "counting.u").value == 0.5
    assert by_key(at, "slider", "counting.w").value == -2.0
    assert at.warning.len == 0


@pytest.mark.parametrize("kind", ["gaussian", "orthogonal"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_matrix_extremes_render_and_the_conditions_name_the_regime(kind, lang):
    at = open_app(page="gradients", lang=lang,
                  params={"kind": kind, "size": "64", "rho": "1.5", "steps": "200", "xs": "3.0", "seed": "999999"})
    assert_clean(at)
    assert at.warning.len == 0
    W = spectral.random_recurrent(64, kind, 1.5, np.random.default_rng(999999))
    assert metric(at, "gradients.rho_metric", lang) == gc.number(spectral.spectral_radius(W), 4)
    assert metric(at, "gradients.lambda1_metric", lang) == gc.number(spectral.largest_singular_value(W), 4)
    linear = spectral.jacobian_norms(W, 200, "linear")
    rate = gc.number(spectral.norm_summary(linear["log10_norm"])["rate"], 4)
    expected = catalog(lang)["gradients.cond_linear_explode"].format(
        rho=gc.number(spectral.spectral_radius(W), 4), rate=rate, steps=200)
    assert expected in texts(at)
    rows = chart_rows(at, chart_index(at, catalog(lang)["gradients.norm_axis"]))
    linear_rows = rows[rows["series"] == catalog(lang)["gradients.series_linear"]]
    np.testing.assert_allclose(linear_rows["norm"], linear["norm"], rtol=1e-12)
    assert linear_rows["m"].max() == 200


@pytest.mark.parametrize(("kind", "rho", "linear_key", "tanh_key"), [
    ("orthogonal", "1.0", "gradients.cond_linear_boundary", "gradients.cond_tanh_boundary"),
    ("orthogonal", "0.5", "gradients.cond_linear_vanishing", "gradients.cond_tanh_vanishing"),
    ("gaussian", "0.9", "gradients.cond_linear_vanishing", "gradients.cond_tanh_may_explode"),
    ("gaussian", "1.2", "gradients.cond_linear_explode", "gradients.cond_tanh_may_explode"),
])
def test_pascanu_conditions_are_said_in_words(kind, rho, linear_key, tanh_key):
    at = open_app(page="gradients", params={"kind": kind, "rho": rho, "size": "16"})
    assert_clean(at)
    W = spectral.random_recurrent(16, kind, float(rho), np.random.default_rng(0))
    words = {"vanishing_guaranteed": "vanishing", "may_explode": "may_explode", "boundary": "boundary"}
    linear_words = {**words, "may_explode": "explode"}
    assert linear_key.endswith(linear_words[spectral.pascanu_conditions(W, "linear")["regime"]])
    assert tanh_key.endswith(words[spectral.pascanu_conditions(W, "tanh")["regime"]])
    page_text = texts(at)
    for key in (linear_key, tanh_key):
        assert catalog("en")[key].split("{")[0] in page_text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_non_normal_example_rises_before_it_decays(lang):
    at = open_app(page="gradients", lang=lang, params={"kind": "orthogonal"})
    by_key(at, "button", "gradients_btn_nonnormal").click().run()
    assert_clean(at)
    assert by_key(at, "radio", "gradients.kind").value == "typed"
    assert by_key(at, "text_input", "gradients.matrix").value == DEFAULT_MATRIX
    W = spectral.non_normal_example(0.9)
    summary = spectral.norm_summary(spectral.jacobian_norms(W, 100, "linear")["log10_norm"])
    notes = " ".join(i.value for i in at.info)
    assert catalog(lang)["gradients.transient"].format(
        rho=gc.number(0.9, 4), lambda1=gc.number(spectral.largest_singular_value(W), 4),
        peak=gc.power_of_ten(summary["log10_peak"]), peak_m=summary["peak_m"]) in notes
    assert metric(at, "gradients.rho_metric", lang) == gc.number(spectral.spectral_radius(W), 4)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(("typed", "key"), [
    ("", "gradients.matrix_error_empty"),
    ("0.9, x; 0, 1", "gradients.matrix_error_number"),
    ("1 nan; 0 1", "gradients.matrix_error_non_finite"),
    ("1e400 0; 0 1", "gradients.matrix_error_non_finite"),
    ("1 2 3; 4 5 6", "gradients.matrix_error_shape"),
    ("1 0; 0 -1e3", "gradients.matrix_error_too_large"),
    ("**bold** 0; 0 1", "gradients.matrix_error_number"),
    ("`x` 1; 0 1", "gradients.matrix_error_number"),
])
def test_bad_typed_matrix_gets_a_clear_message_and_the_page_keeps_working(lang, typed, key):
    at = open_app(page="gradients", lang=lang, params={"kind": "typed"})
    by_key(at, "text_input", "gradients.matrix").input(typed).run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert catalog(lang)[key].split("{")[0] in errors
    assert catalog(lang)["gradients.matrix_error_fallback"].format(matrix="[[0.9, 4], [0, 0.9]]") in errors
    assert metric(at, "gradients.rho_metric", lang) == gc.number(0.9, 4)  # the default matrix is shown


def test_large_typed_matrix_overflow_is_explained():
    at = open_app(page="gradients", params={"kind": "typed", "matrix": "100 0; 0 1", "steps": "200"})
    assert_clean(at)
    result = spectral.jacobian_norms(np.diag([100.0, 1.0]), 200, "linear")
    assert result["overflow_at"] is not None
    curve = catalog("en")["gradients.series_linear"]
    assert catalog("en")["gradients.norm_overflow"].format(
        curve=curve, m=result["overflow_at"], steps=200, end=gc.power_of_ten(result["log10_norm"][200]),
        fmax="1.8·10³⁰⁸") in texts(at)
    assert 1.75e308 < np.finfo(np.float64).max < 1.85e308  # the number the message rounds


def test_zero_typed_matrix_underflow_is_explained():
    at = open_app(page="gradients", params={"kind": "typed", "matrix": "0 1; 0 0"})
    assert_clean(at)
    assert catalog("en")["gradients.norm_underflow"].split("{")[0] in texts(at)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cliff_w", ["4.5", "6.0", "9.0"])
def test_cliff_step_from_the_wall_is_computed_and_clipped(lang, cliff_w):
    w = float(cliff_w)
    at = open_app(page="gradients", lang=lang, params={"cliff_w": cliff_w, "lr": "1.0", "clip": "0.1"})
    assert_clean(at)
    wall = cliff.wall_point(w, *cliff.B_RANGE)
    plain = cliff.gradient_step(w, wall, 1.0)
    clipped = cliff.gradient_step(w, wall, 1.0, clip=0.1)
    assert metric(at, "gradients.wall_b_metric", lang) == gc.number(wall, 6)
    assert metric(at, "gradients.grad_metric", lang) == gc.number(plain["grad_norm"])
    assert metric(at, "gradients.plain_step_metric", lang) == gc.number(plain["step_norm"])
    assert metric(at, "gradients.clipped_step_metric", lang) == gc.number(clipped["step_norm"])
    assert clipped["step_norm"] == pytest.approx(0.1)
    assert catalog(lang)["gradients.cliff_clipped"].split("{")[0] in texts(at)


def test_cliff_default_step_lands_far_away_and_stalls():
    at = open_app(page="gradients")
    wall = cliff.wall_point(6.0, *cliff.B_RANGE)
    plain = cliff.gradient_step(6.0, wall, 0.1)
    assert plain["step_norm"] > 1e3
    page_text = texts(at)
    assert catalog("en")["gradients.cliff_outside"] in page_text
    assert catalog("en")["gradients.cliff_stuck"] in page_text


@pytest.mark.parametrize("params", [
    {"mem_rho": "0.5", "mem_len": "200", "mem_seed": "999999"},
    {"mem_rho": "1.5", "mem_len": "10", "mem_seed": "0"},
    {"w": "-2.0", "count_u": "-3.0", "count_w": "3.0"},
    {"w": "2.0", "count_u": "3.0", "count_w": "-3.0"},
    {"kind": "typed", "matrix": "-100, 100; 100, -100", "steps": "10", "xs": "0.0"},
])
def test_other_widget_extremes_render_without_errors(params):
    at = open_app(page="gradients", params=params)
    assert_clean(at)
    assert at.warning.len == 0  # every value above is in range
    assert at.error.len == 0


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_vanishing_section_shows_a_reasonable_output_and_a_vanishing_gradient(lang):
    at = open_app(page="gradients", lang=lang)
    probe = spectral.running_mean_probe(0.9, 60, 0, hidden=32, n=100)
    assert metric(at, "gradients.error_metric", lang) == gc.number(probe["rms_error"][-1])
    assert metric(at, "gradients.constant_metric", lang) == gc.number(probe["constant_error"][-1])
    assert metric(at, "gradients.first_metric", lang) == gc.number(probe["sensitivity"][0])
    assert probe["rms_error"][-1] < probe["constant_error"][-1]  # the output looks reasonable ...
    assert probe["sensitivity"][0] < 1e-6 * probe["needed"][0]  # ... while step 1 gets almost nothing
    assert gc.power_of_ten(probe["log10_fade"]) in texts(at)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_numbers_in_the_prose_come_from_the_code(lang):
    at = open_app(page="gradients", lang=lang, params={"kind": "typed"})
    assert_clean(at)
    page = texts(at)
    c = catalog(lang)
    # no {field} left unfilled (LaTeX groups such as h_{{t−1}} keep doubled braces in unformatted text)
    assert re.search(r"(?<!\{)\{[a-z_0-9]+\}(?!\})", page) is None
    # section 2: the blog figure's points, each with what going back does to it
    assert "(1, −2): " + c["gradients.point_alternating"].format(
        what=c["gradients.point_scaled"].format(factor="2")) in page
    assert "(2, 1): " + c["gradients.point_steady"] in page and "(1, 0): " + c["gradients.point_zero"] in page
    assert "(1, 0.5): " + c["gradients.point_scaled"].format(factor="0.5") in page
    # section 3: gammas, the typed matrix's help and the non-normal example, all from rnn_core's constants
    assert c["gradients.matrix_text"].format(gamma_tanh="1", gamma_logistic="0.25") in page
    help_text = by_key(at, "text_input", "gradients.matrix").help
    assert help_text == c["gradients.matrix_help"].format(example=DEFAULT_MATRIX, limit="100")
    W = spectral.non_normal_example(0.9)
    summary = spectral.norm_summary(spectral.jacobian_norms(W, 60, "linear")["log10_norm"])
    assert c["gradients.nonnormal_text"].format(
        matrix="[[0.9, 4], [0, 0.9]]", rho="0.9", a="4", lambda1=gc.number(spectral.largest_singular_value(W), 4),
        peak=gc.power_of_ten(summary["log10_peak"]), peak_m=summary["peak_m"]) in page
    # section 4: the model's constants, and the two plateaus either side of the wall
    assert c["gradients.cliff_text"].format(x0="0.5", steps=50, target="0.7", cusp="4") in page
    model = r"x_0 = 0.5,\qquad x_t = w\,\sigma(x_{t-1}) + b,\qquad E(w, b) = \big(\sigma(x_{50}) - 0.7\big)^2"
    assert any(model in x.value for x in at.latex)
    wall = cliff.wall_point(6.0, *cliff.B_RANGE)
    below, above = cliff.wall_sides(6.0, wall)
    assert f"{gc.number(cliff.WALL_SIDE)} below it the error is {gc.number(below)}" in page or lang == "ko"
    assert gc.number(below) in page and gc.number(above) in page
    # section 5: at the default (ρ 0.9, T 60) the gradient has faded; the sentence says how far back it reaches
    probe = spectral.running_mean_probe(0.9, 60, 0, hidden=32, n=100)
    assert c["gradients.memory_faded"].format(
        first=gc.number(probe["sensitivity"][0]), last=gc.number(probe["sensitivity"][-1]),
        needed=gc.number(probe["needed"][0]), steps=60, ratio=gc.power_of_ten(probe["log10_fade"]),
        reach=probe["reach"], share=f"{probe['share']:.0%}") in page
    assert c["gradients.memory_output_fine"].split("{")[0] in page


def test_a_gradient_that_still_reaches_step_one_is_not_called_vanished():
    at = open_app(page="gradients", params={"mem_rho": "1.5", "mem_len": "10"})
    assert_clean(at)
    probe = spectral.running_mean_probe(1.5, 10, 0, hidden=32, n=100)
    assert not probe["faded"]
    page = texts(at)
    assert catalog("en")["gradients.memory_reaches"].format(
        first=gc.number(probe["sensitivity"][0]), last=gc.number(probe["sensitivity"][-1]),
        needed=gc.number(probe["needed"][0]), share=f"{probe['share']:.0%}") in page
    assert catalog("en")["gradients.memory_faded"].split("{")[0] not in page


def test_url_round_trip_restores_the_same_view():
    at = open_app(page="gradients")
    by_key(at, "slider", "gradients.w").set_value(-0.75).run()
    by_key(at, "radio", "gradients.kind").set_value("orthogonal").run()
    by_key(at, "slider", "gradients.rho").set_value(1.1).run()
    by_key(at, "number_input", "gradients.seed").set_value(7).run()
    by_key(at, "slider", "gradients.cliff_w").set_value(7.5).run()
    by_key(at, "number_input", "gradients.clip").set_value(2.5).run()
    by_key(at, "slider", "gradients.mem_len").set_value(90).run()
    assert_clean(at)
    url = url_of(at)
    assert url["w"] == "-0.75" and url["kind"] == "orthogonal" and url["seed"] == "7"

    again = open_app(page="gradients", lang=url.pop("lang"), params=url)
    assert_clean(again)
    for kind, key in [("slider", "gradients.w"), ("radio", "gradients.kind"), ("slider", "gradients.rho"),
                      ("number_input", "gradients.seed"), ("slider", "gradients.cliff_w"),
                      ("number_input", "gradients.clip"), ("slider", "gradients.mem_len")]:
        assert by_key(again, kind, key).value == by_key(at, kind, key).value, key
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert url_of(again) == {**url, "lang": "en"}


# Every parameter of the page at a legal value other than its default, with the widget that shows it.
DEEP_LINK = {
    "w": ("-0.75", "slider", -0.75), "count_u": ("0.5", "slider", 0.5), "count_w": ("-2.0", "slider", -2.0),
    "kind": ("typed", "radio", "typed"), "size": ("16", "slider", 16), "seed": ("7", "number_input", 7),
    "rho": ("1.1", "slider", 1.1), "steps": ("50", "slider", 50), "xs": ("2.0", "slider", 2.0),
    "matrix": ("1, 2; 0, 0.5", "text_input", "1, 2; 0, 0.5"), "cliff_w": ("7.5", "slider", 7.5),
    "lr": ("0.5", "number_input", 0.5), "clip": ("2.5", "number_input", 2.5), "mem_rho": ("1.2", "slider", 1.2),
    "mem_len": ("90", "slider", 90), "mem_seed": ("3", "number_input", 3),
}


def test_a_deep_link_restores_every_section_and_a_move_keeps_every_parameter_in_the_url():
    defaults = url_of(open_app(page="gradients"))
    assert set(DEEP_LINK) == set(defaults) - {"lang"}  # the table above names every parameter ...
    assert all(raw != defaults[name] for name, (raw, _, _) in DEEP_LINK.items())  # ... each moved off its default
    at = open_app(page="gradients", lang="ko", params={name: raw for name, (raw, _, _) in DEEP_LINK.items()})
    assert_clean(at)
    assert at.warning.len == 0 and at.error.len == 0
    for name, (_, kind, value) in DEEP_LINK.items():
        assert by_key(at, kind, f"gradients.{name}").value == value, name
    # the sections drew from those values: the typed matrix's ρ, the cliff's wall, the memory probe
    typed = np.array([[1.0, 2.0], [0.0, 0.5]])
    assert metric(at, "gradients.rho_metric", "ko") == gc.number(spectral.spectral_radius(typed), 4)
    assert metric(at, "gradients.wall_b_metric", "ko") == gc.number(cliff.wall_point(7.5, *cliff.B_RANGE), 6)
    probe = spectral.running_mean_probe(1.2, 90, 3, hidden=32, n=100)
    assert metric(at, "gradients.first_metric", "ko") == gc.number(probe["sensitivity"][0])

    by_key(at, "slider", "gradients.mem_len").set_value(120).run()
    assert_clean(at)
    expected = {name: raw for name, (raw, _, _) in DEEP_LINK.items()}
    assert url_of(at) == {**expected, "mem_len": "120", "lang": "ko"}


def test_the_cliff_surface_is_an_image_under_the_cross_section_and_the_clipped_step():
    at = open_app(page="gradients", params={"cliff_w": "6.0", "lr": "1.0", "clip": "0.1"})
    assert_clean(at)
    chart = at.get("vega_lite_chart")[chart_index(at, '"image"')].proto
    spec = json.loads(chart.spec)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks[0] == "image" and {"rule", "line", "text"} <= set(marks)
    # 100 × 100 cells as a PNG (inline here: AppTest has no media server) and a few overlay rows, not 10,000 rows
    assert len(chart.spec) + sum(len(d.data.data) for d in chart.datasets) < 100_000
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.datasets]
    step = next(f for f in frames if "step" in f and len(f) == 2)
    clipped = cliff.gradient_step(6.0, cliff.wall_point(6.0, *cliff.B_RANGE), 1.0, clip=0.1)
    np.testing.assert_allclose(step[["w", "b"]].to_numpy(), [clipped["start"], clipped["end"]])
    rule = next(f for f in frames if list(f.columns) == ["w"])
    assert rule["w"].tolist() == [6.0]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_parameters_fall_back_with_a_notice(lang):
    at = open_app(page="gradients", lang=lang, params={"rho": "2.5", "size": "65", "kind": "random", "steps": "x",
                                                       "w": "nan", "cliff_w": "4.6"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`rho`", "`size`", "`kind`", "`steps`", "`w`"):
        assert name in warnings
    assert by_key(at, "slider", "gradients.rho").value == 0.9
    assert by_key(at, "slider", "gradients.size").value == 32
    assert by_key(at, "radio", "gradients.kind").value == "gaussian"
    assert by_key(at, "slider", "gradients.cliff_w").value == 4.6  # the valid one is kept


def test_under_the_hood_shows_the_running_source():
    at = open_app(page="gradients")
    sources = [c.value.strip() for c in at.code]
    for function in (spectral.scalar_series, spectral.jacobian_norms, spectral.pascanu_conditions,
                     cliff.error_surface, cliff.gradient_step, spectral.running_mean_probe):
        assert inspect.getsource(function).strip() in sources


@pytest.mark.parametrize(("value", "shown"), [
    (6.3766e8, "6.38·10⁸"), (-3.656e-5, "−3.66·10⁻⁵"), (5123.0, "5120"), (0.9, "0.9"), (1.0, "1"),
    (0.00366, "0.00366"), (0.0, "0"), (float("inf"), "∞"), (float("nan"), "—"), (9.9999e9, "1.00·10¹⁰"),
])
def test_numbers_are_written_for_prose(value, shown):
    assert gc.number(value) == shown


def test_powers_of_ten_past_float64():
    assert gc.power_of_ten(400 * np.log10(1.5)) == "2.73·10⁷⁰"  # 1.5^400 still fits ...
    assert gc.power_of_ten(1000.5) == "3.16·10¹⁰⁰⁰"  # ... this does not, and is still written
    assert gc.power_of_ten(-np.inf) == "0"


# In a real browser: the link carries the student's (U, W) and the language to the counting lesson.
# The Chromium and server fixtures are the browser test's own.
from test_browser import browser, load, server  # noqa: E402, F401


@pytest.mark.browser
def test_counting_link_opens_the_counting_lesson_with_the_same_values_in_a_browser(browser, server):  # noqa: F811
    expect = pytest.importorskip("playwright.sync_api").expect
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)  # every wait below: a CI machine running the whole suite on 2 cores is slow
    load(page, f"{server}/gradients?lang=ko&count_u=0.5&count_w=-2.0")  # returns once the first run has finished
    label = catalog("ko")["gradients.counting_link"].format(u="0.5", w="−2")
    link = page.get_by_test_id("stPageLink").filter(has_text=label).first
    link.scroll_into_view_if_needed()
    expect(link).to_be_visible(timeout=60_000)
    link.click()
    # The same session switches page (no reload), so there is no navigation event to wait for: poll the address
    # and the new page's heading instead (a poll cannot miss a change that happened before it started).
    expect(page).to_have_url(re.compile(r"/counting\?"), timeout=60_000)
    heading = page.locator("h1").filter(has_text=catalog("ko")["counting.title"]).first
    expect(heading).to_be_visible(timeout=60_000)
    # The heading comes from the counting page's run; wait for that run to finish before reading its widgets.
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                           timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    expect(page.get_by_test_id("stSlider").nth(1)).to_be_visible(timeout=60_000)
    assert "u=0.5" in page.url and "w=-2.0" in page.url and "lang=ko" in page.url
    sliders = page.get_by_test_id("stSlider").all_inner_texts()
    assert sliders[0].split()[-3] == "0.50" and sliders[1].split()[-3] == "-2.00"
    assert page.get_by_test_id("stException").count() == 0
    page.close()
