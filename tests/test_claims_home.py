"""The home lesson's claims and exercises, checked against a forward pass written here (issue 22): section 3's
verdict and comparisons at settings drawn from the lesson's own Param specs, and each exercise's answer against
the number the page shows at the exercise's own setting.
"""

from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import assert_clean, open_app, texts
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.home import exercises, params, readings
from rnn_core import intro
from rnn_core.exercise import numbers_text
from ui.i18n import catalog
from ui.numbers import num

SLOPES = {
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "logistic": lambda a: 0.5 * (1.0 + np.tanh(a / 2.0)),  # 1/(1+e^-a), without overflow
    "linear": lambda a: a,
}


def last_change(x: list[float], act: str, hidden: int, seed: int, scale: float, delta: float) -> float:
    """‖h'_T − h_T‖ for the page's network, h'_t run on x with x_1 + delta: a forward pass of this file's."""
    return runs(x, act, hidden, seed, scale, delta)[0]


def runs(x: list[float], act: str, hidden: int, seed: int, scale: float, delta: float) -> tuple[float, float]:
    """:func:`last_change`, and ‖h_T‖ (the size its rounding is relative to)."""
    net = intro.toy_rnn(hidden, seed, scale)
    f = SLOPES[act]
    with np.errstate(over="ignore", invalid="ignore"):
        h, g = np.zeros(hidden), np.zeros(hidden)
        for t, value in enumerate(x):
            h = f(h @ net["W_hh"] + value * net["W_xh"][0] + net["b"])
            g = f(g @ net["W_hh"] + (value + (delta if t == 0 else 0.0)) * net["W_xh"][0] + net["b"])
        return float(np.linalg.norm(g - h)), float(np.linalg.norm(h))


INPUTS = st.lists(
    st.sampled_from((-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 10.0, -10.0, 1e3)), min_size=1, max_size=params.MAX_STEPS
)
SETTINGS = settings_of(params.PARAMS)


# --- section 3 at random settings -------------------------------------------------------------------------------


@settings(max_examples=60)
@given(SETTINGS, INPUTS)
def test_section_3_verdict_and_comparisons_follow_the_change_computed_here(setting, x):
    act, hidden, seed, scale, delta = (setting[k] for k in ("act", "hidden", "seed", "scale", "delta"))
    key = tuple(x)
    now, size = runs(x, act, hidden, seed, scale, delta)
    shown = readings.nudged(key, act, hidden, seed, scale, delta)["difference"][-1]
    if np.isfinite(now) and np.isfinite(shown):  # a difference of two states: rounding is relative to their size
        assert shown == pytest.approx(now, rel=1e-6, abs=1e-13 * (1.0 + size))
    text = readings.memory_reading(key, act, hidden, seed, scale, delta)
    en = catalog("en")
    if np.isfinite(shown) and shown != 0:
        ratio = now / delta
        if en["home.verdict_grown"] in text:
            assert ratio > 1
        elif en["home.verdict_shrunk"] in text:
            assert ratio < 1
        else:
            assert en["home.verdict_same"] in text and abs(ratio - 1) <= 0.005
    others = readings.other_scales(scale)
    lines = readings.comparisons(key, act, hidden, seed, scale, delta)[: len(others)]  # the scales come first
    for other, line in zip(others, lines, strict=True):
        value = last_change(x, act, hidden, seed, other, delta)
        if en["home.cmp_more"] in line:
            assert value > now
        elif en["home.cmp_less"] in line:
            assert value < now
        elif en["home.cmp_same"] in line:
            assert abs(value - now) <= 0.005 * max(abs(value), abs(now))
        elif en["home.cmp_zero"] in line:
            assert value == 0
        elif en["home.cmp_overflow"] in line:
            assert not np.isfinite(value)


@pytest.mark.parametrize("lang", ["en", "ko"])
@given(data=st.data())
@settings(max_examples=2)
def test_section_3_sentence_on_the_page_is_the_chosen_one(lang, data):
    setting = data.draw(settings_of(params.PARAMS))
    x = data.draw(st.lists(st.sampled_from((-1.0, 0.0, 0.5, 1.0)), min_size=1, max_size=30))
    at = open_app(page="home", lang=lang, params={**setting, "x": numbers_text(x)})
    assert_clean(at)
    act, hidden, seed, scale, delta = (setting[k] for k in ("act", "hidden", "seed", "scale", "delta"))
    diff = readings.nudged(tuple(x), act, hidden, seed, scale, delta)["difference"][-1]
    if np.isfinite(diff) and diff != 0:
        verdict = readings.chosen(readings.VERDICT_CLAIMS, diff / delta)
        assert catalog(lang)[verdict] in texts(at)


# --- exercises: the answer is what the page shows ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(0, 300, 11))
def test_each_exercise_answer_is_what_the_page_shows_at_its_setting(seed):
    def page_x(ex) -> tuple:
        return readings.read_sequence(ex.page_params["x"])[0]

    ex = exercises.tanh_state(np.random.default_rng(seed))
    p = ex.page_params
    H, _ = readings.states(page_x(ex), p["act"], p["hidden"], p["seed"], p["scale"])
    assert ex.check(num(H[-1, 0])).correct  # section 2's last state of the one unit
    ex = exercises.state_count(np.random.default_rng(seed))
    p = ex.page_params
    H, _ = readings.states(page_x(ex), p["act"], p["hidden"], p["seed"], p["scale"])
    assert ex.check(str(H.size)).correct  # the heatmap's cells
    ex = exercises.nudge(np.random.default_rng(seed))
    p = ex.page_params
    change = last_change(list(page_x(ex)), p["act"], p["hidden"], p["seed"], p["scale"], p["delta"])
    shown = readings.memory_reading(page_x(ex), p["act"], p["hidden"], p["seed"], p["scale"], p["delta"])
    assert f"by {num(change)}:" in shown and ex.check(num(change)).correct  # "… moves the state … by {last}"
    ex = exercises.bounded(np.random.default_rng(seed))
    p = ex.page_params
    H, _ = readings.states(page_x(ex), p["act"], params.P["hidden"].default, params.P["seed"].default, p["scale"])
    with np.errstate(invalid="ignore"):
        within = bool(np.all(np.abs(H[np.isfinite(H)]) <= 1.0) and np.all(np.isfinite(H)))
    # the heatmap at the link's largest inputs: every state within [-1, 1] exactly when the answer is "bounded"
    assert ex.check("bounded" if within else "unbounded").correct
    ex = exercises.fading_scale(np.random.default_rng(seed))
    a = ex.answer
    assert ex.check(a).correct
    left = last_change(list(readings.read_sequence(a["x"])[0]), a["act"], a["hidden"], a["seed"], a["scale"], 0.1)
    assert left / params.P["delta"].default < exercises.SHARE  # what section 3 then shows: under 1 % of δ left


# --- the claims tables of the four lessons ----------------------------------------------------------------------


@pytest.mark.parametrize("lesson", ["home", "mappings", "counting", "gradients"])
def test_every_claims_table_pairs_a_sentence_in_both_languages_with_a_documented_predicate(lesson):
    """A ``*_CLAIMS`` table of a lesson's readings maps each sentence's key (in both locales) to the predicate that
    chooses it, whose docstring says what the sentence means."""
    import importlib

    module = importlib.import_module(f"lessons.{lesson}.readings")
    tables = {name: table for name, table in vars(module).items() if name.endswith("_CLAIMS")}
    assert tables, f"{lesson} keeps no claims table"
    for name, table in tables.items():
        for key, predicate in table.items():
            assert key in catalog("en") and key in catalog("ko"), (name, key)
            assert callable(predicate) and predicate.__doc__ and predicate.__name__ != "<lambda>", (name, key)
