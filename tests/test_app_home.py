"""The home page in both languages: the default page, typed input, extremes, the lesson map, the sentences that
read the nudge (checked against rnn_core at settings away from the defaults), the exercises and the code panel."""

import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import (
    assert_clean,
    by_key,
    open_app,
    set_clock,
    shown_under_the_hood,
    texts,
    type_and_check,
    url_of,
)
from streamlit_compat import chart_frames as chart_frames_of

from lessons.home.exercises import SHARE
from lessons.home.params import INPUT_LIMIT, MAX_STEPS, PARAMS, SCALE_STEP, START_SCALE, P
from rnn_core import intro, vanilla
from ui import registry
from ui.i18n import catalog
from ui.numbers import integer, num
from ui.urlstate import plain_label

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {p.name: p.default for p in PARAMS}


def nudge(v: dict) -> np.ndarray:
    """How far each state moves, recomputed from rnn_core at the page's settings ``v``."""
    params = intro.toy_rnn(int(v["hidden"]), int(v["seed"]), float(v["scale"]))
    x = intro.parse_numbers(v["x"], MAX_STEPS, INPUT_LIMIT)
    return intro.nudge_first_input(params, x, v["act"], float(v["delta"]))["difference"]


def settings(params: dict) -> dict:
    return {**DEFAULTS, **params}


def end(name: str, which: str) -> str:
    """One end of a widget's range (``"lo"`` or ``"hi"``), as its URL parameter writes it."""
    return P[name].format(getattr(P[name], which))


LARGEST_X = " ".join([f"{INPUT_LIMIT:g}"] * MAX_STEPS)  # the longest sequence of the largest numbers the page reads


def read_lines(lang: str, key: str, at) -> list[dict]:
    """Every Markdown line of the page that is ``key``'s text (list items included), its fields read back."""
    template = catalog(lang)[key]
    pattern = re.escape(template)
    for name in re.findall(r"\{(\w+)\}", template):
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)", 1)
    found = []
    for element in at.markdown:
        for line in str(element.value).splitlines():
            match = re.fullmatch(pattern, line.removeprefix("- "))
            if match:
                found.append(match.groupdict())
    return found


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_home_is_the_default_page_in_both_languages(lang):
    at = open_app(lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["home.title"]
    # The lesson map lists every other built lesson, and its links keep the language.
    links = at.get("page_link")
    assert len(links) == len(registry.lessons()) - 1
    for link in links:  # each carries the language as a query parameter
        assert f"lang={lang}" in link.proto.query_string, link.proto
    # The nudge reading is computed from the model, in the one number style.
    assert num(nudge(settings({}))[-1]) in texts(at)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "typed, key",
    [
        ("1, two, 3", "home.x_error_number"),
        ("", "home.x_error_empty"),
        ("5000", "home.x_error_too_large"),
        (" ".join(["1"] * (MAX_STEPS + 1)), "home.x_error_too_long"),
        ("<img src=x onerror=alert(1)>", "home.x_error_number"),
    ],
)
def test_bad_typed_input_gets_a_clear_message(lang, typed, key):
    at = open_app(lang=lang)
    by_key(at, "text_input", "home.x").input(typed).run()
    assert_clean(at)
    assert any(catalog(lang)[key].split("{")[0] in e.value for e in at.error)
    assert any(catalog(lang)["home.x_error_fallback"] in e.value for e in at.error)
    assert len(at.get("vega_lite_chart")) == 2  # the page keeps working on the default sequence


@pytest.mark.parametrize(
    "params",
    [
        {
            "x": LARGEST_X,
            "act": "linear",
            "hidden": end("hidden", "hi"),
            "scale": end("scale", "hi"),
            "delta": end("delta", "hi"),
        },
        {
            "x": " ".join([f"{-INPUT_LIMIT:g}"] * MAX_STEPS),
            "act": "relu",
            "hidden": end("hidden", "hi"),
            "scale": end("scale", "hi"),
        },
        {
            "x": "0",
            "act": "logistic",
            "hidden": end("hidden", "lo"),
            "scale": end("scale", "lo"),
            "delta": end("delta", "lo"),
        },
        {"x": "0 0 0 0", "act": "tanh", "seed": end("seed", "hi")},
    ],
)
def test_extremes_render_without_errors(params):
    at = open_app(params=params)
    assert_clean(at)
    assert at.warning.len == 0 or all("float64" in w.value for w in at.warning)


def test_activation_choice_survives_a_language_switch_and_the_url():
    at = open_app()
    by_key(at, "selectbox", "home.act").set_value("logistic").run()
    at.segmented_control(key="lang").set_value("ko").run()
    assert by_key(at, "selectbox", "home.act").value == "logistic"
    url = url_of(at)
    assert url["act"] == "logistic" and url["lang"] == "ko"
    again = open_app(lang="ko", params={k: v for k, v in url.items() if k != "lang"})
    assert by_key(again, "selectbox", "home.act").value == "logistic"
    assert np.isclose(by_key(again, "slider", "home.scale").value, P["scale"].default)


def test_a_deep_link_restores_every_widget_and_a_move_keeps_every_parameter():
    linked = {"x": "0.5 -1 2", "act": "relu", "hidden": "7", "scale": "1.5", "seed": "42", "delta": "0.25"}
    at = open_app(params=linked)
    assert_clean(at)
    assert by_key(at, "text_input", "home.x").value == "0.5 -1 2"
    assert by_key(at, "selectbox", "home.act").value == "relu"
    assert by_key(at, "number_input", "home.hidden").value == 7
    assert by_key(at, "slider", "home.scale").value == 1.5
    assert by_key(at, "number_input", "home.seed").value == 42
    assert by_key(at, "slider", "home.delta").value == 0.25
    assert num(nudge(linked)[-1]) in texts(at)  # section 3 reads section 2's network, as linked

    by_key(at, "slider", "home.delta").set_value(0.5).run()
    assert_clean(at)
    assert url_of(at) == {**linked, "delta": "0.5", "lang": "en"}
    by_key(at, "number_input", "home.hidden").set_value(3).run()
    assert url_of(at) == {**linked, "delta": "0.5", "hidden": "3", "lang": "en"}


# --- Section 3: every sentence chosen from the values computed at these settings ---------------------------

POINTS = [  # away from the defaults: shrinking, growing (to about 10⁶⁰), forgetting completely, the slider's ends
    {"act": "tanh", "scale": "1.35", "seed": "7", "hidden": "6", "x": "0.5 -1 2 0 0 1 0 0", "delta": "0.2"},
    {"act": "linear", "scale": "1.6", "seed": "3", "hidden": "3", "x": "1 0 0 0 0 0 0 0 0 0", "delta": "0.05"},
    {"act": "logistic", "scale": "0.7", "seed": "11", "hidden": "5", "x": "1 1 0 -1", "delta": "0.3"},
    {"act": "relu", **{name: P[name].format(value) for name, value in DEFAULTS.items() if name != "act"}},
    {
        "act": "linear",
        "scale": end("scale", "hi"),
        "seed": "0",
        "hidden": end("hidden", "hi"),
        "x": LARGEST_X,
        "delta": end("delta", "hi"),
    },
    {"act": "tanh", "scale": end("scale", "lo"), "seed": "5", "hidden": "2", "x": "2 0 0", "delta": end("delta", "lo")},
    {"act": "tanh", "scale": "1.85", "seed": "21", "hidden": "8", "x": "1 0 0 0 0 0", "delta": "0.5"},
]


def expected_reading(lang: str, v: dict) -> str:
    """The section 3 sentence that states what rnn_core computes at ``v``."""
    text, diff = catalog(lang), nudge(v)
    last, delta, steps = diff[-1], float(v["delta"]), integer(len(diff))
    if not np.isfinite(last):
        return text["home.memory_overflow"].format(steps=steps, step=integer(np.argmin(np.isfinite(diff)) + 1))
    if last == 0:
        return text["home.memory_gone"].format(steps=steps)
    assert num(last / delta) != "1", "pick a point that is not on the fence"
    verdict = text["home.verdict_shrunk"] if last < delta else text["home.verdict_grown"]
    return text["home.memory_reading"].format(
        delta=num(delta), steps=steps, last=num(last), ratio=num(last / delta), verdict=verdict
    )


def relation(lang: str, value: float, now: float) -> str:
    """How a computed change compares with the current one, in the page's words."""
    text = catalog(lang)
    if not np.isfinite(value):
        return text["home.cmp_overflow"]
    if value == 0:
        return text["home.cmp_zero"]
    if not np.isfinite(now):
        return text["home.cmp_finite"]
    if num(value) == num(now):
        return text["home.cmp_same"]
    return text["home.cmp_more"] if value > now else text["home.cmp_less"]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("point", POINTS)
def test_the_nudge_sentences_follow_the_computed_values(lang, point):
    at = open_app(lang=lang, params=point)
    assert_clean(at)
    v = settings(point)
    assert expected_reading(lang, v) in [m.value for m in at.markdown]
    now = nudge(v)[-1]
    # Each comparison states the change rnn_core computes at that setting, and how it compares with now.
    scales = read_lines(lang, "home.cmp_scale", at)
    assert scales and all(s["now"] == num(float(v["scale"])) for s in scales)
    for line in scales:
        there = nudge({**v, "scale": line["scale"]})[-1]
        assert (line["value"], line["relation"]) == (num(there), relation(lang, there, now)), line
    acts = read_lines(lang, "home.cmp_activation", at)
    names = {catalog(lang)[f"home.act_{name}"]: name for name in vanilla.ACTIVATIONS}
    assert sorted(names[a["act"]] for a in acts) == sorted(set(vanilla.ACTIVATIONS) - {v["act"]})
    for line in acts:
        there = nudge({**v, "act": names[line["act"]]})[-1]
        assert (line["value"], line["relation"]) == (num(there), relation(lang, there, now)), line


def saturation_notes(at, lang: str) -> list[str]:
    head = catalog(lang)["home.saturation"].split("{")[0]
    return [i.value for i in at.info if i.value.startswith(head)]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_at_the_defaults_a_larger_scale_is_not_offered_as_keeping_more(lang):
    """Issue 10 §9: with tanh, weight scale 1.5 (one comparison step up) keeps less of the nudge than 1 (0.0023
    against 0.0054): the page says so, and says why (tanh's average slope is smaller there), with the numbers
    rnn_core computes."""
    at = open_app(lang=lang)
    v = settings({})
    assert v["act"] == "tanh"
    up = {**v, "scale": v["scale"] + SCALE_STEP}
    assert nudge(up)[-1] < nudge(v)[-1]
    line = next(s for s in read_lines(lang, "home.cmp_scale", at) if s["scale"] == num(up["scale"]))
    assert line == {
        "scale": num(up["scale"]),
        "now": num(v["scale"]),
        "value": num(nudge(up)[-1]),
        "relation": catalog(lang)["home.cmp_less"],
    }
    x = intro.parse_numbers(v["x"], MAX_STEPS, INPUT_LIMIT)
    slope_now, slope_up = (
        intro.mean_slope(intro.toy_rnn(v["hidden"], v["seed"], s), x, "tanh") for s in (v["scale"], up["scale"])
    )
    assert slope_up < slope_now
    (note,) = saturation_notes(at, lang)
    assert num(slope_up) in note and num(slope_now) in note
    # names both matrices (as plain text: the label's LaTeX is drawn above the slider, ui.urlstate._labelled)
    assert plain_label(catalog(lang)["home.scale_label"]) == by_key(at, "slider", "home.scale").label


@pytest.mark.parametrize("point", [POINTS[1], POINTS[3], {"act": "tanh", "scale": "0.5", "x": "1 0 0 0 0 0"}])
def test_no_saturation_note_where_the_larger_scale_keeps_more_or_nothing(point):
    at = open_app(params=point)
    v = settings(point)
    up = min(P["scale"].hi, float(v["scale"]) + SCALE_STEP)
    keeps_less = np.isfinite(nudge({**v, "scale": up})[-1]) and nudge({**v, "scale": up})[-1] < nudge(v)[-1]
    assert not keeps_less or v["act"] not in ("tanh", "logistic")
    assert saturation_notes(at, "en") == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_what_the_log_axis_leaves_out_is_said(lang):
    at = open_app(lang=lang, params=POINTS[3])  # ReLU: from some step on the nudge leaves no trace at all
    diff = nudge(settings(POINTS[3]))
    zeros = int(np.sum(diff == 0))
    assert zeros > 0
    assert catalog(lang)["home.cut_zero"].format(count=integer(zeros)) in texts(at)
    frame = chart_frame(at, 1)
    assert len(frame) == len(diff) - zeros and (frame["difference"] > 0).all()  # what a log axis can draw


# --- The figures: one number style, titled tooltips, no emoji ----------------------------------------------


def chart_frame(at, index: int):
    return chart_frames_of(at.get("vega_lite_chart")[index])[0]


def tooltips(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node["tooltip"]] if isinstance(node.get("tooltip"), dict) else list(node.get("tooltip") or [])
        return found + [tip for value in node.values() for tip in tooltips(value)]
    if isinstance(node, list):
        return [tip for value in node for tip in tooltips(value)]
    return []


def test_korean_charts_title_every_tooltip_and_alerts_use_material_icons():
    at = open_app(lang="ko", params={"x": "5000"})  # an error, and the saturation note of the default network
    for chart in at.get("vega_lite_chart"):
        tips = tooltips(json.loads(chart.proto.spec))
        assert tips and all(tip.get("title") for tip in tips), tips
        assert all(tip.get("format", ".3~g") == ".3~g" for tip in tips if tip.get("type") == "quantitative")
    alerts = [*at.error, *at.warning, *at.info, *at.success]
    assert alerts and all(a.icon.startswith(":material/") for a in alerts)
    assert not any("\\text" in text for key, text in catalog("ko").items() if key.startswith("home."))


# --- Exercises, through the page itself ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_exercise_answered_wrong_then_right_on_the_page(lang, no_class):
    at = open_app(lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("home_state_count", at.session_state["exercise.home_state_count"]["seed"])
    type_and_check(at, lang, "home_state_count", str(ex.answer + 1))
    assert_clean(at)
    assert catalog(lang)["exercise_box.wrong"].format(response=f"`{ex.answer + 1}`") in [e.value for e in at.error]
    set_clock(at, 102.0)
    type_and_check(at, lang, "home_state_count", str(ex.answer))
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    assert at.session_state["exercise.home_state_count"]["solved"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_setting_exercise_reads_the_pages_own_widgets(lang, no_class):
    at = open_app(lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("home_fading_scale", at.session_state["exercise.home_fading_scale"]["seed"])
    goal = ex.answer  # the exercise's network, and a scale at which less than 1 % of the nudge is left
    by_key(at, "text_input", "home.x").input(goal["x"]).run()
    by_key(at, "selectbox", "home.act").set_value(goal["act"]).run()
    by_key(at, "number_input", "home.hidden").set_value(goal["hidden"]).run()
    by_key(at, "number_input", "home.seed").set_value(goal["seed"]).run()
    by_key(at, "slider", "home.scale").set_value(START_SCALE).run()  # the link's start: too much is left there
    at.button(key="exercise.home_fading_scale.check").click().run()
    assert catalog(lang)["exercises.home_fading_scale_hint"] in [i.value for i in at.info]
    set_clock(at, 102.0)
    by_key(at, "slider", "home.scale").set_value(goal["scale"]).run()
    at.button(key="exercise.home_fading_scale.check").click().run()
    assert_clean(at)
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    # The page agrees: at that scale the sentence under the chart reports less than 1 % of the nudge.
    delta = P["delta"].default  # the link's nudge
    moved = nudge({**goal, "delta": delta})[-1]
    assert moved / delta < SHARE and num(moved) in texts(at)


# --- Under the hood ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_under_the_hood_shows_readable_public_functions_with_a_line_each(lang):
    at = open_app(lang=lang, open_code=True)
    sources = [c.value.strip() for c in at.code]
    shown = "\n".join(m.value for m in at.markdown)
    modules = {"intro": intro, "vanilla": vanilla}
    for name, key in shown_under_the_hood("home"):
        module, attribute = name.split(".")
        function = getattr(modules[module], attribute)
        assert not attribute.startswith("_"), name
        assert len(inspect.getsource(function).splitlines()) <= 60, name
        assert inspect.getsource(function).strip() in sources
        assert f"**`{function.__module__}.{function.__qualname__}`** · {catalog(lang)[key]}" in shown
    assert not re.search(r"`[\w.]*\._\w+`", shown)  # no private name anywhere in the panel
