"""The home page in both languages: the default page, typed input, extremes, the lesson map."""

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, open_app, texts, url_of

from rnn_core import intro
from ui.i18n import catalog
from ui.nav import LESSONS


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_home_is_the_default_page_in_both_languages(lang):
    at = open_app(lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["home.title"]
    # The lesson map lists every other built lesson, and its links keep the language.
    links = at.get("page_link")
    assert len(links) == len(LESSONS) - 1
    for link in links:  # each carries the language as a query parameter
        assert f"lang={lang}" in link.proto.query_string, link.proto
    # The nudge reading is computed from the model.
    params = intro.toy_rnn(4, 0, 1.0)
    diff = intro.nudge_first_input(params, intro.parse_numbers("1,0,0,0,0,0,0,0,0,0,0,0"), "tanh", 0.1)["difference"]
    assert f"{diff[-1]:.3g}" in texts(at)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("typed, key", [
    ("1, two, 3", "home.x_error_number"), ("", "home.x_error_empty"), ("5000", "home.x_error_too_large"),
    (" ".join(["1"] * 201), "home.x_error_too_long"), ("<img src=x onerror=alert(1)>", "home.x_error_number"),
])
def test_bad_typed_input_gets_a_clear_message(lang, typed, key):
    at = open_app(lang=lang)
    by_key(at, "text_input", "home.x").input(typed).run()
    assert_clean(at)
    assert any(catalog(lang)[key].split("{")[0] in e.value for e in at.error)
    assert len(at.get("vega_lite_chart")) == 2  # the page keeps working on the default sequence


@pytest.mark.parametrize("params", [
    {"x": " ".join(["1000"] * 200), "act": "linear", "hidden": "16", "scale": "2.0", "delta": "1.0"},
    {"x": " ".join(["-1000"] * 200), "act": "relu", "hidden": "16", "scale": "2.0"},
    {"x": "0", "act": "logistic", "hidden": "1", "scale": "0.1", "delta": "0.001"},
    {"x": "0 0 0 0", "act": "tanh", "seed": "999999"},
])
def test_extremes_render_without_errors(params):
    at = open_app(params=params)
    assert_clean(at)
    assert at.warning.len == 0 or all("float64" in w.value for w in at.warning)


def test_activation_choice_survives_a_language_switch_and_the_url():
    at = open_app()
    by_key(at, "selectbox", "home.act").set_value("logistic").run()
    at.segmented_control(key="lang").set_value("ko").run()
    assert by_key(at, "selectbox", "home.act").value == "logistic"
    url = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert url["act"] == "logistic" and url["lang"] == "ko"
    again = open_app(lang="ko", params={k: v for k, v in url.items() if k != "lang"})
    assert by_key(again, "selectbox", "home.act").value == "logistic"
    assert np.isclose(by_key(again, "slider", "home.scale").value, 1.0)


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
    # Section 3 reads section 2's network, as linked.
    params = intro.toy_rnn(7, 42, 1.5)
    diff = intro.nudge_first_input(params, np.array([0.5, -1, 2]), "relu", 0.25)["difference"]
    assert f"{diff[-1]:.3g}" in texts(at)

    by_key(at, "slider", "home.delta").set_value(0.5).run()
    assert_clean(at)
    assert url_of(at) == {**linked, "delta": "0.5", "lang": "en"}
    by_key(at, "number_input", "home.hidden").set_value(3).run()
    assert url_of(at) == {**linked, "delta": "0.5", "hidden": "3", "lang": "en"}
