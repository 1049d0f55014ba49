"""The app frame and the counting lesson, driven through AppTest in both languages."""

import json

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, open_app, texts, url_of

from rnn_core import counting, optim
from ui.divergence import fmt
from ui.i18n import catalog


def metric(at, label_key: str, lang: str = "en") -> str:
    label = catalog(lang)[label_key]
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_counting_page_renders_in_both_languages(lang):
    at = open_app("counting", lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["counting.title"]
    assert metric(at, "counting.output_y", lang) == "3"  # the note's example: (0,0,0,0,1,0,1,0,1,0) -> 3
    # The book's run is computed, and the page says at which iteration it diverged.
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (-2.0, 0.0), optim.sgd(0.0005), 500)
    assert run.diverged_at is not None
    headline = catalog(lang)["divergence.headline"].format(iteration=run.diverged_at)
    assert headline in at.error[0].value
    assert "1.8·10³⁰⁸" in at.error[0].value  # float64's largest number, written out by code
    X0 = "".join(str(int(b)) for b in X[0])
    assert X0 in texts(at) and X0 == "0100000001"  # the book's first row, read from the data
    # Every language's chart titles come from its catalogue.
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["y"]["title"] == catalog(lang)["counting.cost_axis"]


def test_language_follows_browser_locale_then_the_switch():
    at = open_app("counting", lang=None, locale="ko-KR")
    assert at.session_state["lang"] == "ko"
    assert at.title[0].value == catalog("ko")["counting.title"]
    at.segmented_control(key="lang").set_value("en").run()
    assert at.title[0].value == catalog("en")["counting.title"]
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_unknown_language_in_link_gets_a_notice():
    at = open_app("counting", lang="fr")
    assert_clean(at)
    assert "fr" in texts(at) and at.session_state["lang"] == "en"


def test_settings_survive_a_language_switch():
    at = open_app("counting")
    by_key(at, "slider", "counting.w").set_value(0.5).run()
    at.segmented_control(key="lang").set_value("ko").run()
    assert by_key(at, "slider", "counting.w").value == 0.5
    y = counting.forward(np.array([[0, 0, 0, 0, 1, 0, 1, 0, 1, 0.0]]), 1.0, 0.5)[0, -1]
    assert metric(at, "counting.output_y", "ko") == fmt(y)


def test_url_round_trip_restores_the_same_view():
    at = open_app("counting")
    by_key(at, "text_input", "counting.seq").input("1,1,0,1").run()
    by_key(at, "slider", "counting.u").set_value(0.8).run()
    by_key(at, "radio", "counting.data").set_value("generated").run()
    by_key(at, "number_input", "counting.n").set_value(40).run()
    by_key(at, "number_input", "counting.seed").set_value(123).run()
    by_key(at, "number_input", "counting.lr").set_value(0.0001).run()
    assert_clean(at)
    url = url_of(at)
    assert url["seq"] == "1,1,0,1" and url["seed"] == "123" and url["data"] == "generated"

    again = open_app("counting", lang=url.pop("lang"), params=url)
    assert_clean(again)
    for kind, key in [("text_input", "counting.seq"), ("slider", "counting.u"), ("radio", "counting.data"),
                      ("number_input", "counting.n"), ("number_input", "counting.seed"),
                      ("number_input", "counting.lr")]:
        assert by_key(again, kind, key).value == by_key(at, kind, key).value, key
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert url_of(again) == {**url, "lang": "en"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_parameters_fall_back_with_a_notice(lang):
    at = open_app("counting", lang=lang, params={"u": "abc", "n": "100000", "data": "zzz", "lr": "nan", "iters": "-5",
                                     "w": "0.5"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`u`", "`n`", "`data`", "`lr`", "`iters`"):
        assert name in warnings
    assert by_key(at, "slider", "counting.u").value == 1.0  # the default
    assert by_key(at, "slider", "counting.w").value == 0.5  # the valid one is kept


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("typed, key", [
    ("0,1,2", "counting.seq_error_symbol"), ("", "counting.seq_error_empty"),
    ("1" * 201, "counting.seq_error_too_long"), ("<script>alert(1)</script>", "counting.seq_error_symbol"),
])
def test_bad_typed_sequence_gets_a_clear_message(lang, typed, key):
    at = open_app("counting", lang=lang)
    by_key(at, "text_input", "counting.seq").input(typed).run()
    assert_clean(at)
    first_words = catalog(lang)[key].split("{")[0]
    assert any(first_words in e.value for e in at.error)
    assert metric(at, "counting.output_y", lang) == "3"  # the page keeps working on the default sequence


@pytest.mark.parametrize("params", [
    {"lr": "1.0", "iters": "5000", "u0": "3.0", "w0": "3.0"},
    {"lr": "1e-06", "iters": "5000", "u0": "-3.0", "w0": "-3.0"},
    {"data": "generated", "n": "500", "len": "50", "seed": "999999", "iters": "5000"},
    {"data": "generated", "n": "1", "len": "1", "seed": "0", "iters": "1", "it": "0"},
    {"seq": ",".join(["1"] * 200), "u": "3.0", "w": "3.0"},
    {"seq": "1", "u": "-3.0", "w": "-3.0"},
])
def test_widget_extremes_render_without_errors(params):
    at = open_app("counting", params=params)
    assert_clean(at)
    assert at.warning.len == 0  # every value above is in range
    X, targets = (counting.book_dataset() if params.get("data", "book") == "book"
                  else counting.make_dataset(int(params["n"]), int(params["len"]), int(params["seed"])))
    run = counting.fit(X, targets, (float(params.get("u0", -2)), float(params.get("w0", 0))),
                       optim.sgd(float(params.get("lr", 0.0005))), int(params.get("iters", 500)))
    if run.diverged_at is not None:
        assert catalog("en")["divergence.headline"].format(iteration=run.diverged_at) in at.error[-1].value
    else:
        assert all("diverged" not in e.value for e in at.error)


def test_clicking_the_surface_moves_the_start():
    at = open_app("counting")
    at.session_state["counting_surface"] = {"selection": {"cell": [{"i": 80, "j": 60}]}}
    at.run()
    assert_clean(at)
    centres = np.linspace(-3 + 0.03, 3 - 0.03, 100)
    assert by_key(at, "number_input", "counting.u0").value == round(centres[80], 2)
    assert by_key(at, "number_input", "counting.w0").value == round(centres[60], 2)
    # The same selection on the next rerun must not undo a later edit.
    by_key(at, "number_input", "counting.u0").set_value(0.5).run()
    assert by_key(at, "number_input", "counting.u0").value == 0.5


def test_preset_buttons_set_u_and_w():
    at = open_app("counting")
    by_key(at, "button", "counting_btn_forget").click().run()
    assert by_key(at, "slider", "counting.w").value == 0.5
    by_key(at, "button", "counting_btn_explode").click().run()
    assert by_key(at, "slider", "counting.w").value == 1.5


def test_under_the_hood_shows_the_running_source():
    import inspect

    at = open_app("counting")
    sources = [c.value.strip() for c in at.code]
    for function in (counting.forward, counting.bptt, counting.cost_surface, counting.fit, optim.sgd):
        assert inspect.getsource(function).strip() in sources


def test_backward_table_agrees_with_finite_differences_on_screen():
    at = open_app("counting", params={"w": "0.7"})
    rel = metric(at, "counting.rel_error")
    assert float(rel) < 1e-6


def test_gradient_along_time_defaults_to_the_last_point_on_the_plot():
    at = open_app("counting")
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (-2.0, 0.0), optim.sgd(0.0005), 500)
    evaluated = run.params[: len(run.costs)]
    on_plot = np.flatnonzero(np.all(np.abs(evaluated) <= 3.0, axis=1))
    assert by_key(at, "slider", "counting.it").value == on_plot[-1]
    U, W = run.params[on_plot[-1]]
    assert f"|W| = {fmt(abs(W))}" in texts(at)  # the reading names the factor applied per step back


def test_gradient_along_time_at_section_ones_weights():
    at = open_app("counting", params={"at": "hand", "u": "0.5", "w": "1.5"})
    assert_clean(at)
    assert not [s for s in at.slider if s.key == "counting.it"]  # no iteration to pick
    assert f"|W| = {fmt(1.5)}" in texts(at)


def test_a_typed_symbol_is_quoted_not_rendered():
    at = open_app("counting")
    by_key(at, "text_input", "counting.seq").input("1, [x](http://e.co)").run()
    assert "`[x](http://e`" in at.error[0].value  # a code span: shown as typed, not a link


def test_a_link_with_markup_for_language_is_quoted():
    at = open_app("counting", lang="[a](http://e.co)")
    assert_clean(at)
    assert "`[a](http://e.co)`" in at.warning[0].value
