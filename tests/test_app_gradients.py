"""The exploding/vanishing-gradients lesson, driven through AppTest in both languages.

Every verdict the page states is checked at settings other than the presets, against an expectation computed
here from the maths (numpy, or rnn_core's measured values), not by calling the page's sentence builders.
"""

import inspect
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, check_button, open_app, set_clock, texts, type_and_check, url_of
from browser_helpers import load, wait_until_drawn, wait_until_run, watch_console
from streamlit_compat import chart_frames as chart_frames_of

from lessons.gradients import params, readings
from rnn_core import cliff, counting, matrix_input, memory_probe, spectral
from ui import registry
from ui.code_panel import shown_functions
from ui.i18n import catalog
from ui.numbers import num, percent

P = params.P


def metric(at, label_key: str, lang: str = "en", **fields) -> str:
    label = catalog(lang)[label_key].format(**fields) if fields else catalog(lang)[label_key]
    return next(m.value for m in at.metric if m.label == label)


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def chart_rows(at, index: int):
    """The data of the index-th chart (its first dataset), decoded from the Arrow bytes Streamlit sends."""
    return chart_frames_of(at.get("vega_lite_chart")[index])[0]


def chart_index(at, needle: str) -> int:
    """The position of the first chart whose spec mentions ``needle`` (a title, a mark type)."""
    return next(i for i, s in enumerate(specs(at)) if needle in json.dumps(s, ensure_ascii=False))


def opening(lang: str, key: str) -> str:
    """The words of a sentence before its first field: enough to tell which sentence the page chose."""
    return catalog(lang)[key].split("{")[0]


def shown(at, lang: str, key: str) -> bool:
    return opening(lang, key) in texts(at)


# --- the page as a whole -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_renders_in_both_languages_with_the_books_numbers_computed(lang):
    at = open_app(page="gradients", lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["gradients.title"]
    # The book's two numbers, computed by rnn_core (1.5^50 ≈ 6.38e8, 0.6^20 ≈ 3.66e-5), not typed.
    assert params.BOOK["explode"] == (1.5, 50) and params.BOOK["vanish"] == (0.6, 20)
    assert metric(at, "gradients.book_explode", lang, power="1.5⁵⁰") == num(1.5**50) == "6.38·10⁸"
    assert metric(at, "gradients.book_vanish", lang, power="0.6²⁰") == num(0.6**20) == "3.66·10⁻⁵"
    page_text = texts(at)
    for key in (
        "gradients.series_header",
        "gradients.flow_header",
        "gradients.matrix_header",
        "gradients.cliff_header",
        "gradients.memory_header",
    ):
        assert catalog(lang)[key] in page_text
    assert len(specs(at)) == 9  # the signed chart appears only for W < 0 ...
    assert catalog(lang)["gradients.sign_positive_only"] in page_text  # ... and says so meanwhile
    source = (Path(__file__).resolve().parent.parent / "lessons" / "gradients" / "page.py").read_text(encoding="utf-8")
    names = re.findall(r'name="([^"]+)"', source)  # every chart's saved files have their own name
    assert len(names) == 10 and len(set(names)) == len(names)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_note_s_advice_is_shown_to_trade_explosion_for_vanishing(lang):
    at = open_app(page="gradients", lang=lang)
    advice = catalog(lang)["gradients.note_advice"].format(
        explode_w="1.5", explode_m=50, explode=num(1.5**50), inverse_w=num(1 / 1.5), inverse_end=num((1 / 1.5) ** 50)
    )
    assert advice in " ".join(w.value for w in at.warning)
    assert (1 / 1.5) ** 50 < 1e-8 < 1e8 < 1.5**50  # the explosion became a vanishing, as the sentence says


# --- every verdict follows the computed values, at settings other than the presets ---------------------------


@pytest.mark.parametrize("w", [-1.95, -0.35, 0.0, 0.97, 1.0, 1.05, 1.8])
def test_section_1_names_the_regime_of_the_students_w(w):
    at = open_app(page="gradients", params={"w": str(w)})
    assert_clean(at)
    size = abs(w) ** 100  # the factor after 100 steps, computed here
    expected = (
        "gradients.scalar_zero"
        if w == 0
        else "gradients.scalar_steady"
        if abs(w) == 1
        else "gradients.scalar_exploding"
        if size > 1
        else "gradients.scalar_vanishing"
    )
    for key in (
        "gradients.scalar_zero",
        "gradients.scalar_steady",
        "gradients.scalar_exploding",
        "gradients.scalar_vanishing",
    ):
        assert shown(at, "en", key) == (key == expected), (w, key)
    if expected == "gradients.scalar_vanishing":
        fields = {"steps": 100, "absw": num(abs(w))}  # the whole sentence: the exercise box also says "After"
        negligible = size < params.NEGLIGIBLE  # 1 %
        assert (catalog("en")["gradients.scalar_negligible"].format(**fields) in texts(at)) == negligible
        assert (catalog("en")["gradients.scalar_still_counts"].format(**fields) in texts(at)) == (not negligible)
        assert f"ten-fold every {num(1 / abs(np.log10(abs(w))))} steps" in texts(at)
    assert (catalog("en")["gradients.scalar_alternates"] in texts(at)) == (w < 0)
    assert metric(at, "gradients.yours_end", w=num(w), exponent="¹⁰⁰") == num(size)
    if w < 0:  # the signed chart shows both signs, from the same W^m
        bars = chart_rows(at, chart_index(at, '"type": "bar"'))
        np.testing.assert_allclose(bars["value"], w ** np.arange(21), rtol=1e-12)
        assert set(bars["sign"]) == {catalog("en")["gradients.sign_positive"], catalog("en")["gradients.sign_negative"]}


@pytest.mark.parametrize(("u", "w"), [(0.35, 1.15), (-2.4, 0.8), (0.5, -2.0), (1.0, 1.0), (1.6, 1.0), (0.7, 0.0)])
def test_section_2_says_whether_the_gradient_grows_or_fades_going_back(u, w):
    at = open_app(page="gradients", lang="ko", params={"count_u": str(u), "count_w": str(w)})
    assert_clean(at)
    X, targets = counting.book_dataset()
    S = counting.forward(X, u, w)
    gradient = counting.bptt(X, S, targets, w)["gS"].sum(axis=0)  # the page's curve, from the counting RNN
    end, start = abs(gradient[-1]), abs(gradient[0])
    expected = (
        "gradients.flow_exact"
        if end == 0
        else "gradients.flow_zero"
        if w == 0
        else "gradients.flow_exploding"
        if start > end * (1 + 1e-9)
        else "gradients.flow_vanishing"
        if start < end * (1 - 1e-9)
        else "gradients.flow_steady"
    )
    fields = dict(w=num(w), absw=num(abs(w)), steps=10, end=num(gradient[-1]), start=num(gradient[0]))
    for key in (
        "gradients.flow_exact",
        "gradients.flow_zero",
        "gradients.flow_exploding",
        "gradients.flow_vanishing",
        "gradients.flow_steady",
    ):
        assert (catalog("ko")[key].format(**fields) in texts(at)) == (key == expected), (u, w, key)
    rows = chart_rows(at, chart_index(at, catalog("ko")["gradients.flow_axis"]))
    assert rows["series"].nunique() == 7  # the six marked points and the student's
    mine = rows[rows["series"] == catalog("ko")["gradients.yours_label"].format(u=num(u), w=num(w))]
    np.testing.assert_allclose(mine["gradient"], gradient, rtol=1e-12)


def _peak_of_powers(W: np.ndarray, steps: int) -> int:
    """The m of the largest ‖W^m‖₂ for m = 0..steps, by plain matrix powers."""
    return int(np.argmax([np.linalg.norm(np.linalg.matrix_power(W, m), 2) for m in range(steps + 1)]))


@pytest.mark.parametrize(
    ("kind", "rho", "size", "seed", "steps"),
    [
        ("gaussian", 0.83, 12, 5, 40),
        ("gaussian", 1.07, 20, 11, 60),
        ("orthogonal", 0.95, 8, 3, 30),
        ("orthogonal", 1.0, 16, 0, 100),
        ("gaussian", 0.62, 2, 42, 25),
    ],
)
def test_section_3_conditions_follow_rho_and_lambda1(kind, rho, size, seed, steps):
    at = open_app(
        page="gradients",
        params={"kind": kind, "rho": str(rho), "size": str(size), "seed": str(seed), "steps": str(steps)},
    )
    assert_clean(at)
    W = spectral.random_recurrent(size, kind, rho, np.random.default_rng(seed))
    radius = max(abs(np.linalg.eigvals(W)))
    stretch = np.linalg.norm(W, 2)
    linear = (
        "gradients.cond_linear_boundary"
        if abs(radius - 1) < 1e-12
        else "gradients.cond_linear_vanishing"
        if radius < 1
        else "gradients.cond_linear_explode"
    )
    tanh = (
        "gradients.cond_tanh_boundary"
        if abs(stretch - 1) < 1e-12
        else "gradients.cond_tanh_vanishing"
        if stretch < 1
        else "gradients.cond_tanh_may_explode"
    )
    for key in ("gradients.cond_linear_boundary", "gradients.cond_linear_vanishing", "gradients.cond_linear_explode"):
        assert shown(at, "en", key) == (key == linear), key
    for key in ("gradients.cond_tanh_boundary", "gradients.cond_tanh_vanishing", "gradients.cond_tanh_may_explode"):
        assert shown(at, "en", key) == (key == tanh), key
    assert metric(at, "gradients.rho_metric") == num(radius, 4)
    assert metric(at, "gradients.lambda1_metric") == num(stretch, 4)
    # the transient note: only when ρ < 1 < λ₁ and the norm does rise; "then decays" only if the peak is inside
    peak = _peak_of_powers(W, steps)
    notes = " ".join(i.value for i in at.info)
    rises = radius < 1 < stretch and peak > 0
    assert (opening("en", "gradients.transient") in notes) == rises
    if rises:
        assert (catalog("en")["gradients.transient_rising"].split("):")[0] in notes) == (peak == steps)
        assert f"$m$ = {peak}" in notes or peak == steps


def test_the_non_normal_matrix_still_rising_at_the_last_step_is_not_said_to_decay():
    at = open_app(page="gradients", params={"kind": "typed", "matrix": "0.95, 4; 0, 0.95", "steps": "10"})
    assert_clean(at)
    notes = " ".join(i.value for i in at.info)
    W = np.array([[0.95, 4.0], [0.0, 0.95]])
    assert _peak_of_powers(W, 10) == 10
    assert "only **rises**" in notes and "and only then decays" not in notes


@pytest.mark.parametrize(("w", "lr", "clip"), [(4.7, 0.02, 5.0), (5.3, 0.7, 0.15), (7.9, 0.004, 2.0), (8.6, 1.0, 9.0)])
def test_section_4_reads_the_step_from_the_wall(w, lr, clip):
    at = open_app(page="gradients", params={"cliff_w": str(w), "lr": str(lr), "clip": str(clip)})
    assert_clean(at)
    wall = cliff.wall_point(w, *params.CLIFF_B_RANGE)
    plain = cliff.gradient_step(w, wall, lr)
    clipped = cliff.gradient_step(w, wall, lr, clip=clip)
    after = cliff.gradient_step(*plain["end"], lr)
    assert metric(at, "gradients.wall_b_metric") == num(wall, 6)
    assert metric(at, "gradients.plain_step_metric") == num(plain["step_norm"])
    assert metric(at, "gradients.clipped_step_metric") == num(clipped["step_norm"])
    (w_low, w_high), (b_low, b_high) = params.CLIFF_W_RANGE, params.CLIFF_B_RANGE  # the chart's view
    inside = w_low <= plain["end"][0] <= w_high and b_low <= plain["end"][1] <= b_high
    assert shown(at, "en", "gradients.cliff_inside") == inside
    assert shown(at, "en", "gradients.cliff_outside") == (not inside)
    assert shown(at, "en", "gradients.cliff_stuck") == (after["grad_norm"] < params.STUCK_SLOPE)
    assert shown(at, "en", "gradients.cliff_clipped") == (plain["grad_norm"] >= clip)
    assert shown(at, "en", "gradients.cliff_not_clipped") == (plain["grad_norm"] < clip)
    # two stable states only in a band of b, and the sentence names this w's band
    b_low, b_high = cliff.bistable_band(w)
    assert f"two stable states for $b$ between {num(b_low)} and {num(b_high)}" in texts(at)


@pytest.mark.parametrize(
    ("rho", "T", "seed"), [(0.9, 60, 0), (0.74, 35, 8), (1.3, 12, 2), (1.05, 150, 5), (0.55, 10, 1)]
)
def test_section_5_says_what_the_readout_and_the_gradient_did(rho, T, seed):
    at = open_app(page="gradients", params={"mem_rho": str(rho), "mem_len": str(T), "mem_seed": str(seed)})
    assert_clean(at)
    probe = memory_probe.running_mean_probe(
        rho, T, seed, hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE
    )
    beats = probe["rms_error"][-1] < probe["constant_error"][-1]
    faded = probe["sensitivity"][0] * T < params.FADED_SHARE  # step 1 gets less than 1 % of the 1/T it is due
    assert shown(at, "en", "gradients.memory_output_fine") == beats
    assert shown(at, "en", "gradients.memory_output_poor") == (not beats)
    assert shown(at, "en", "gradients.memory_faded") == faded
    assert shown(at, "en", "gradients.memory_reaches") == (not faded)
    if faded:
        due = np.flatnonzero(probe["sensitivity"] >= 1 / T)
        reach = T - due[0] if len(due) else 0
        if reach == 0:
            assert catalog("en")["gradients.memory_reach_none"].format(steps=T) in texts(at)
        elif len(due) == reach:  # exactly the last `reach` inputs get 1/T
            assert catalog("en")["gradients.memory_reach_some"].format(reach=reach, steps=T) in texts(at)
        else:
            assert f"Only {len(due)} of the {T} inputs reach the output" in texts(at)
    else:
        assert f"({percent(probe['sensitivity'][0] * T)} of the weight" in texts(at)
    assert metric(at, "gradients.error_metric") == num(probe["rms_error"][-1])
    assert metric(at, "gradients.first_metric") == num(probe["sensitivity"][0])
    # the chart title claims nothing: it names what is drawn
    assert catalog("en")["gradients.output_chart"] in texts(at) or any(
        catalog("en")["gradients.output_chart"] in m.value for m in at.markdown
    )


# --- exercises: answered through the page itself ----------------------------------------------------------------


def this_variant(at, exercise_id: str):
    """The Exercise this session's box shows (its seed is drawn per session)."""
    return registry.make(exercise_id, at.session_state[f"exercise.{exercise_id}"]["seed"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_exercise_answered_one_step_off_then_right_on_the_page(lang, no_class):
    at = open_app(page="gradients", lang=lang)
    set_clock(at, 100.0)
    ex = this_variant(at, "gradients_steps_below")
    m = ex.answer  # recomputed here: the first m with |w|^m below 1 %
    assert abs(ex.params["w"]) ** m < params.NEGLIGIBLE <= abs(ex.params["w"]) ** (m - 1)
    type_and_check(at, lang, "gradients_steps_below", str(m + 1))
    assert_clean(at)
    assert catalog(lang)["exercise_box.wrong"].format(response=f"`{m + 1}`") in [e.value for e in at.error]
    assert catalog(lang)["exercises.gradients_steps_below_hint_off"] in [i.value for i in at.info]
    set_clock(at, 102.0)
    type_and_check(at, lang, "gradients_steps_below", str(m))
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    assert at.session_state["exercise.gradients_steps_below"]["solved"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_matrix_exercises_are_answered_from_the_pages_own_widgets(lang, no_class):
    """A student types the exercise's matrix into section 3's own box, reads ρ and the regime off the page, and
    answers with what the page says: both are judged right at the first try."""
    at = open_app(page="gradients", lang=lang)
    set_clock(at, 100.0)
    radius = this_variant(at, "gradients_spectral_radius")
    by_key(at, "radio", "gradients.kind").set_value("typed").run()
    by_key(at, "text_input", "gradients.matrix").input(radius.page_params["matrix"]).run()
    assert_clean(at)
    assert not at.error
    shown_rho = metric(at, "gradients.rho_metric", lang)
    assert shown_rho == num(spectral.spectral_radius(np.array(radius.params["W"])), 4)
    type_and_check(at, lang, "gradients_spectral_radius", shown_rho)
    assert catalog(lang)["exercise_box.right"].format(tries=1) in [s.value for s in at.success]

    set_clock(at, 102.0)
    regime = this_variant(at, "gradients_matrix_regime")
    by_key(at, "text_input", "gradients.matrix").input(regime.page_params["matrix"]).run()
    said = [
        key
        for key in ("cond_linear_vanishing", "cond_linear_explode", "cond_linear_boundary")
        if opening(lang, f"gradients.{key}") in texts(at)
    ]
    assert len(said) == 1  # the page names one regime for the linear network ...
    choice = {
        "cond_linear_vanishing": "vanishing",
        "cond_linear_explode": "exploding",
        "cond_linear_boundary": "neither",
    }[said[0]]
    at.radio(key="exercise.gradients_matrix_regime.chosen").set_value(choice)
    check_button(at, lang, "gradients_matrix_regime").click().run()
    assert_clean(at)
    assert catalog(lang)["exercise_box.right"].format(tries=1) in [s.value for s in at.success]  # ... the right one


def test_sections_in_the_link_show_only_those_sections():
    at = open_app(page="gradients", params={"sections": "2,4"})
    assert_clean(at)
    c = catalog("en")
    # Numbered by their places in the lesson, whichever are shown.
    assert [h.value for h in at.header] == [f"2 · {c['gradients.flow_header']}", f"4 · {c['gradients.cliff_header']}"]
    wall = cliff.wall_point(P["cliff_w"].default, *params.CLIFF_B_RANGE)
    assert metric(at, "gradients.wall_b_metric") == num(wall, 6)


# --- typed input, float64's limits ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    ("typed", "key", "token"),
    [
        ("", "gradients.matrix_error_empty", None),
        ("0.9, x; 0, 1", "gradients.matrix_error_number", "x"),
        ("1 nan; 0 1", "gradients.matrix_error_non_finite", "nan"),
        ("1e400 0; 0 1", "gradients.matrix_error_non_finite", "1e400"),
        ("1 2 3; 4 5 6", "gradients.matrix_error_shape", None),
        ("1 0; 0 -1e3", "gradients.matrix_error_too_large", "-1e3"),
        ("**bold** 0; 0 1", "gradients.matrix_error_number", "**bold**"),
        ("`x` 1; 0 1", "gradients.matrix_error_number", "'x'"),
    ],
)
def test_bad_typed_matrix_gets_a_clear_message_and_the_page_keeps_working(lang, typed, key, token):
    at = open_app(page="gradients", lang=lang, params={"kind": "typed"})
    by_key(at, "text_input", "gradients.matrix").input(typed).run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert opening(lang, key) in errors
    assert catalog(lang)["gradients.matrix_error_fallback"] in errors
    if token is not None:
        assert f"`{token}`" in errors  # the typed text quoted as code, never rendered
    default = matrix_input.parse_matrix(params.DEFAULT_MATRIX)
    assert metric(at, "gradients.rho_metric", lang) == num(max(abs(np.linalg.eigvals(default))), 4)  # it is shown


def test_large_typed_matrix_overflow_is_explained():
    at = open_app(page="gradients", params={"kind": "typed", "matrix": "100 0; 0 1", "steps": "200"})
    assert_clean(at)
    overflow_at = int(np.ceil(np.log10(np.finfo(np.float64).max) / 2))  # 100^m passes 1.8e308 at m = 155
    curve = catalog("en")["gradients.series_linear"]
    assert catalog("en")["gradients.norm_overflow"].format(
        curve=curve, m=overflow_at, steps=200, end="1·10⁴⁰⁰", fmax="1.8·10³⁰⁸"
    ) in texts(at)


def test_zero_typed_matrix_underflow_is_explained():
    at = open_app(page="gradients", params={"kind": "typed", "matrix": "0 1; 0 0"})
    assert_clean(at)
    assert shown(at, "en", "gradients.norm_underflow")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_non_normal_button_types_the_example(lang):
    at = open_app(page="gradients", lang=lang, params={"kind": "orthogonal"})
    by_key(at, "button", "gradients_btn_nonnormal").click().run()
    assert_clean(at)
    assert by_key(at, "radio", "gradients.kind").value == "typed"
    assert by_key(at, "text_input", "gradients.matrix").value == params.DEFAULT_MATRIX
    rho, a = params.NON_NORMAL_RHO, params.NON_NORMAL_A  # [[rho, a], [0, rho]]: both eigenvalues are rho
    assert params.DEFAULT_MATRIX == f"{rho:g}, {a:g}; 0, {rho:g}"
    assert metric(at, "gradients.rho_metric", lang) == num(rho, 4)
    assert metric(at, "gradients.lambda1_metric", lang) == num(np.linalg.norm([[rho, a], [0, rho]], 2), 4)


def ends(**which: str) -> dict[str, str]:
    """URL values at the ends of the widgets' ranges: ``ends(size="hi")`` is ``{"size": "64"}``."""
    return {name: str(getattr(P[name], end)) for name, end in which.items()}


LARGEST = f"{params.MAX_ENTRY:g}"  # the largest entry a typed matrix may have


@pytest.mark.parametrize(
    "query",
    [
        ends(mem_rho="lo", mem_len="hi", mem_seed="hi"),
        ends(w="lo", count_u="lo", count_w="hi"),
        {"kind": "typed", "matrix": f"-{LARGEST}, {LARGEST}; {LARGEST}, -{LARGEST}", **ends(steps="lo", xs="lo")},
        {"kind": "gaussian", **ends(size="hi", rho="hi", steps="hi", xs="hi", seed="hi")},
        ends(cliff_w="hi", lr="hi", clip="lo"),
    ],
)
def test_widget_extremes_render_without_errors(query):
    at = open_app(page="gradients", params=query)
    assert_clean(at)
    assert at.warning.len == 1  # only the note's advice: every value above is in range
    assert at.error.len == 0


# --- one number style, maths typeset, no English on the Korean page ------------------------------------------


def _tooltips(node):
    """Every tooltip entry in a Vega-Lite spec, in every layer."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "tooltip":
                yield from (value if isinstance(value, list) else [value])
            else:
                yield from _tooltips(value)
    elif isinstance(node, list):
        for item in node:
            yield from _tooltips(item)


@pytest.mark.parametrize("query", [{}, {"w": "-0.4", "kind": "typed"}])
def test_the_korean_page_shows_no_english(query):
    at = open_app(page="gradients", lang="ko", params=query)
    assert_clean(at)
    everything = texts(at) + " ".join(x.value for x in at.latex)
    assert r"\text" not in everything  # no English words inside the maths
    # lists are lists, not English-style "a; b" (a matrix typed as code, `0.9, 4; 0, 0.9`, is no list)
    assert "; " not in re.sub(r"`[^`]*`", "", re.sub(r"\$[^$]*\$", "", texts(at)))
    for spec in specs(at):
        for tip in _tooltips(spec):
            assert isinstance(tip, dict) and tip.get("title"), tip  # a field name would show otherwise
            assert not re.search(r"[A-Za-z]{3,}", tip["title"]) or tip["title"] in ("tanh",), tip["title"]
    # numbers in the prose: a true minus sign and no "e+05"
    # without maths, link targets and code (an exercise's variant code such as `08E6`)
    prose = re.sub(r"`[^`]*`", "", re.sub(r"\]\([^)]*\)", "", re.sub(r"\$[^$]*\$", "", texts(at))))
    assert not re.search(r"\d[eE][+-]?\d", prose) and not re.search(r"(?<![\w])-\d", prose)


def test_numbers_in_the_prose_come_from_the_code():
    at = open_app(page="gradients", params={"kind": "typed"})
    page = texts(at)
    c = catalog("en")
    assert re.search(r"(?<!\{)\{[a-z_0-9]+\}(?!\})", re.sub(r"\$[^$]*\$", "", page)) is None  # no field unfilled
    assert (
        "- (1, −2): " + c["gradients.point_alternating"].format(what=c["gradients.point_scaled"].format(factor="2"))
        in page
    )
    assert c["gradients.matrix_text"].format(gamma_tanh="1", gamma_logistic="0.25") in page
    help_text = by_key(at, "text_input", "gradients.matrix").help
    assert help_text == c["gradients.matrix_help"].format(example=params.DEFAULT_MATRIX, limit=num(params.MAX_ENTRY))
    assert c["gradients.cliff_text"].format(x0="0.5", steps=50, cusp="4") in page
    # the model on one line and its error on the next (on one line it was wider than a phone)
    model = (
        r"x_0 = 0.5,\qquad x_t = w\,\sigma(x_{t-1}) + b, \\ E(w, b) = \big(\sigma(x_{50}) - 0.7\big)^2"
        r" \end{gathered}"
    )
    assert any(model in x.value and r"\begin{gathered}" in x.value for x in at.latex)
    w, side = P["cliff_w"].default, params.WALL_SIDE
    below, above = cliff.wall_sides(w, cliff.wall_point(w, *params.CLIFF_B_RANGE), side)
    assert f"{num(side)} below it the error is {num(below)}, {num(side)} above it {num(above)}" in page
    # the formula of section 3 is broken over lines (it was cut at the page's edge on one line)
    assert any(r"\begin{aligned}" in x.value and r"J_{M-m+1}" in x.value for x in at.latex)


@pytest.mark.parametrize(
    ("log10_value", "written"),
    [
        (np.log10(6.3766e8), "6.38·10⁸"),
        (np.log10(3.656e-5), "3.66·10⁻⁵"),
        (np.log10(5123.0), "5123"),
        (400 * np.log10(1.5), "2.73·10⁷⁰"),
        (1000.5, "3.16·10¹⁰⁰⁰"),
        (-400.2, "6.31·10⁻⁴⁰¹"),
        (-np.inf, "0"),
        (np.nan, "—"),
        (np.log10(9.9999e9), "1·10¹⁰"),
        (np.log10(0.9), "0.9"),
    ],
)
def test_powers_of_ten_are_written_as_every_other_number(log10_value, written):
    assert readings.power_of_ten(log10_value) == written
    if abs(log10_value) < 300:
        assert written == num(10**log10_value)  # inside float64, exactly what the one formatter writes


# --- links, URLs, the code panel -----------------------------------------------------------------------------


def test_counting_link_carries_u_and_w_and_the_language():
    at = open_app(page="gradients", lang="ko", params={"count_u": "0.5", "count_w": "-2.0"})
    link = at.get("page_link")[0].proto
    assert link.page == "counting"
    query = {k: v[0] for k, v in parse_qs(link.query_string).items()}
    assert query == {"lang": "ko", "u": "0.5", "w": "-2.0"}
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("lessons/counting/page.py").run()
    assert_clean(at)
    assert by_key(at, "slider", "counting.u").value == 0.5
    assert by_key(at, "slider", "counting.w").value == -2.0


# Every parameter of the page at a legal value other than its default, with the widget that shows it.
DEEP_LINK = {
    "w": ("-0.75", "slider", -0.75),
    "count_u": ("0.5", "slider", 0.5),
    "count_w": ("-2.0", "slider", -2.0),
    "kind": ("typed", "radio", "typed"),
    "size": ("16", "slider", 16),
    "seed": ("7", "number_input", 7),
    "rho": ("1.1", "slider", 1.1),
    "steps": ("50", "slider", 50),
    "xs": ("2.0", "slider", 2.0),
    "matrix": ("1, 2; 0, 0.5", "text_input", "1, 2; 0, 0.5"),
    "cliff_w": ("7.5", "slider", 7.5),
    "lr": ("0.5", "number_input", 0.5),
    "clip": ("2.5", "number_input", 2.5),
    "mem_rho": ("1.2", "slider", 1.2),
    "mem_len": ("90", "slider", 90),
    "mem_seed": ("3", "number_input", 3),
}


def test_a_deep_link_restores_every_section_and_a_move_keeps_every_parameter_in_the_url():
    defaults = url_of(open_app(page="gradients"))
    assert set(DEEP_LINK) == set(defaults) - {"lang"}  # the table above names every parameter ...
    assert all(raw != defaults[name] for name, (raw, _, _) in DEEP_LINK.items())  # ... each moved off its default
    at = open_app(page="gradients", lang="ko", params={name: raw for name, (raw, _, _) in DEEP_LINK.items()})
    assert_clean(at)
    assert at.error.len == 0
    for name, (_, kind, value) in DEEP_LINK.items():
        assert by_key(at, kind, f"gradients.{name}").value == value, name
    typed = np.array([[1.0, 2.0], [0.0, 0.5]])
    assert metric(at, "gradients.rho_metric", "ko") == num(max(abs(np.linalg.eigvals(typed))), 4)
    assert metric(at, "gradients.wall_b_metric", "ko") == num(cliff.wall_point(7.5, *params.CLIFF_B_RANGE), 6)
    probe = memory_probe.running_mean_probe(
        1.2, 90, 3, hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE
    )
    assert metric(at, "gradients.first_metric", "ko") == num(probe["sensitivity"][0])

    by_key(at, "slider", "gradients.mem_len").set_value(120).run()
    assert_clean(at)
    expected = {name: raw for name, (raw, _, _) in DEEP_LINK.items()}
    assert url_of(at) == {**expected, "mem_len": "120", "lang": "ko"}
    again = open_app(page="gradients", lang="ko", params={k: v for k, v in url_of(at).items() if k != "lang"})
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_the_cliff_surface_is_an_image_under_the_cross_section_and_the_clipped_step():
    at = open_app(page="gradients", params={"cliff_w": "6.0", "lr": "1.0", "clip": "0.1"})
    assert_clean(at)
    chart = at.get("vega_lite_chart")[chart_index(at, '"image"')].proto
    spec = json.loads(chart.spec)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks[0] == "image" and {"rule", "line", "text"} <= set(marks)
    assert len(chart.spec) + sum(len(d.data.data) for d in chart.datasets) < 100_000  # an image, not 10,000 rows
    frames = chart_frames_of(chart)
    step = next(f for f in frames if "step" in f and len(f) == 2)
    clipped = cliff.gradient_step(6.0, cliff.wall_point(6.0, *params.CLIFF_B_RANGE), 1.0, clip=0.1)
    np.testing.assert_allclose(step[["w", "b"]].to_numpy(), [clipped["start"], clipped["end"]])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_parameters_fall_back_with_a_notice(lang):
    at = open_app(
        page="gradients",
        lang=lang,
        params={"rho": "2.5", "size": "65", "kind": "random", "steps": "x", "w": "nan", "cliff_w": "4.6"},
    )
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`rho`", "`size`", "`kind`", "`steps`", "`w`"):
        assert name in warnings
    assert by_key(at, "slider", "gradients.rho").value == P["rho"].default
    assert by_key(at, "radio", "gradients.kind").value == P["kind"].default
    assert by_key(at, "slider", "gradients.cliff_w").value == 4.6  # the valid one is kept


def _panel_items():
    """The (function, key) pairs the view passes to under_the_hood, read from its source."""
    import ast

    import rnn_core

    tree = ast.parse((Path(__file__).resolve().parent.parent / "lessons" / "gradients" / "page.py").read_text())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "under_the_hood")
    items = []
    for arg in call.args:
        module, name = arg.elts[0].value.id, arg.elts[0].attr
        items.append(
            (getattr(getattr(rnn_core, module) if hasattr(rnn_core, module) else None, name), arg.elts[1].value)
        )
    return items


def test_under_the_hood_shows_the_running_source_short_public_and_described():
    at = open_app(page="gradients", lang="ko", open_code=True)
    sources = [c.value.strip() for c in at.code if c.language == "python"]
    items = shown_functions(*_panel_items())
    assert len(sources) == len(items)
    for function, key in items:
        source = inspect.getsource(function)
        assert source.strip() in sources
        assert len(source.splitlines()) <= 60, function.__qualname__
        assert not function.__name__.startswith("_")
        assert not re.search(r"(?<![\w.])_[a-z]\w*\(|\._[a-z]\w*\(", source), function.__qualname__  # calls no private
        assert key and catalog("ko")[key] in " ".join(m.value for m in at.markdown)


# --- in a real browser: the link carries the student's (U, W) and the language to the counting lesson --------


# Every chart, formula and metric inside its column (a chart may fit the page and still cover its neighbour), and
# no formula that scrolls (KaTeX's 2-px overhang made a scrolling box that a keyboard cannot reach).
_FITS_JS = r"""() => {
  const bad = [];
  const content = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  for (const e of document.querySelectorAll(
      '[data-testid="stVegaLiteChart"], .katex-display, [data-testid="stMetric"]')) {
    if (!e.offsetParent) continue;
    const column = e.closest('[data-testid="stColumn"]');
    const box = column ? column.getBoundingClientRect() : content;
    const r = (e.querySelector('canvas, svg.marks') || e).getBoundingClientRect();
    if (r.right > box.right + 2 || r.left < box.left - 2 || e.scrollWidth > e.clientWidth) {
      bad.push((e.getAttribute('data-testid') || e.className) + ': ' + (e.textContent || '').slice(0, 40));
    }
  }
  if (document.querySelector('[data-testid="stMain"]').scrollWidth > innerWidth) bad.push('the page scrolls sideways');
  return bad;
}"""


# A typed matrix with ρ = 1.5 (1.2 ± 0.9i: the eigenvalues and the ρ circle reach past the unit circle, the
# gradient norms grow to the longest numbers), W < 0 (the signed chart), the steepest cliff: settings the
# all-pages test does not load. One load checks the fit at three widths, then follows the link to counting.
FAR_SETTINGS = {
    "lang": "ko",
    "kind": "typed",
    "matrix": "1.2 -0.9; 0.9 1.2",
    "w": "-1.3",
    "count_u": "0.5",
    "count_w": "-2.0",
    "cliff_w": "9.0",
    "mem_rho": "1.4",
    "steps": "200",
}


@pytest.mark.browser
def test_in_a_browser_every_chart_fits_its_column_and_the_link_opens_counting_with_a_clean_console(
    chromium, app_server
):
    expect = pytest.importorskip("playwright.sync_api").expect
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(60_000)
    problems = watch_console(page)
    load(page, f"{app_server}/gradients?{urlencode(FAR_SETTINGS)}")
    assert page.get_by_test_id("stException").count() == 0
    assert "kind=typed" in page.url and "matrix=1.2+-0.9%3B+0.9+1.2" in page.url  # taken, not reset to defaults
    misfits = {}
    for width in (1280, 390, 1920):  # a laptop (where it opened), a phone, a projector
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(500)  # Vega lays a chart out again once it knows its container's width
        wait_until_drawn(page)
        misfits[width] = page.evaluate(_FITS_JS)
    assert misfits == {1280: [], 390: [], 1920: []}

    page.set_viewport_size({"width": 1400, "height": 1000})
    label = catalog("ko")["gradients.counting_link"].format(u="0.5", w="−2")
    link = page.get_by_test_id("stPageLink").filter(has_text=label).first
    link.scroll_into_view_if_needed()
    link.click()
    expect(page).to_have_url(re.compile(r"/counting\?"), timeout=60_000)  # the same session switches page
    expect(page.locator("h1").filter(has_text=catalog("ko")["counting.title"]).first).to_be_visible()
    wait_until_run(page)
    expect(page.get_by_test_id("stSlider").nth(1)).to_be_visible()
    assert "u=0.5" in page.url and "w=-2.0" in page.url and "lang=ko" in page.url
    sliders = page.get_by_test_id("stSlider").all_inner_texts()
    assert sliders[0].split()[-3] == "0.50" and sliders[1].split()[-3] == "-2.00"
    assert problems == []
    page.close()
