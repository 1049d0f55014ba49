"""The sequence-mappings lesson, driven through AppTest in both languages: every mapping, typed inputs good and
bad, the longest inputs, links. Expected values come from rnn_core, never from the screen."""

import inspect
import json
import re

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, open_app, texts, url_of

from rnn_core import mappings
from ui import urlstate
from ui.i18n import catalog

TASKS = list(mappings.TASKS)
INPUT = {"one_to_one": "picture", "one_to_many": "picture", "many_to_one": "review", "seq2seq": "word",
         "many_to_many": "presses"}
DEFAULTS = {"picture": "110 203 010", "review": "++-+-++", "word": "cabd", "presses": "0110100"}
WORDS = {"=": "out_tie", "neg": "out_neg", "even": "out_even", "pos": "out_pos", "off": "out_off", "on": "out_on",
         ".": "out_end"}


def metric(at, key: str, lang: str = "en") -> str:
    label = catalog(lang)[f"mappings.{key}"]
    return next(m.value for m in at.metric if m.label == label)


def shown(task: str, classes, lang: str) -> str:
    outputs = mappings.TASKS[task].outputs
    return " ".join(catalog(lang)[f"mappings.{WORDS[outputs[k]]}"] if outputs[k] in WORDS else outputs[k]
                    for k in classes)


def expected_run(task: str, typed: str):
    trained = mappings.load(task)
    return mappings.run(task, trained.params, mappings.parse(task, typed))


def unrolled_dot(at) -> str:
    return at.get("graphviz_chart")[-1].proto.spec


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", TASKS)
def test_every_mapping_renders_in_both_languages_with_its_computed_answer(task, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task})
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["mappings.title"]
    assert at.warning.len == 0 and at.error.len == 0
    # The answer the page writes is the one rnn_core computes for the default input.
    result = expected_run(task, DEFAULTS[INPUT[task]])
    assert np.array_equal(result.outputs, result.right)
    answer = catalog(lang)["mappings.answer_line"].format(output=shown(task, result.outputs, lang),
                                                          right=shown(task, result.right, lang))
    assert answer in texts(at)
    assert metric(at, "verdict", lang) == catalog(lang)["mappings.verdict_right"]
    # The held-out accuracy on screen is computed from the shipped weights, and reaches the lesson's 95%.
    trained = mappings.load(task)
    held, n_held = mappings.held_out_accuracy(task, trained.params, trained.seed)
    assert metric(at, "held_out_accuracy", lang) == f"{held:.1%}" and held >= 0.95
    assert metric(at, "held_out_count", lang) == str(n_held)
    # Five sketches, then the unrolled network with one state node per step.
    assert len(at.get("graphviz_chart")) == 6
    assert len(re.findall(r'^[ned]h\d+ \[label="[hs]', unrolled_dot(at), re.MULTILINE)) == len(result.states)
    # Charts: the states heatmap has a column per step and a row per unit; titles from the language's catalogue.
    heatmap = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    first = heatmap["vconcat"][0]
    assert len(first["encoding"]["x"]["scale"]["domain"]) == result.states.shape[0]
    assert len(first["encoding"]["y"]["sort"]) == result.states.shape[1] == mappings.TASKS[task].hidden
    assert first["encoding"]["y"]["title"] == catalog(lang)["mappings.unit_axis"]
    if task != "one_to_one":
        accuracy = json.loads(at.get("vega_lite_chart")[1].proto.spec)
        assert accuracy["layer"][1]["encoding"]["y"]["title"] == catalog(lang)["mappings.accuracy_axis"]


@pytest.mark.parametrize("task, typed", [
    ("one_to_one", "3 3 0, 2 2 0, 1 0 0"), ("one_to_many", "1 2 3 0 0 0 0 0 0"), ("many_to_one", "--+-+"),
    ("seq2seq", "D C A"), ("many_to_many", "1,1,0,1"),
])
def test_a_typed_input_gets_the_models_answer(task, typed):
    at = open_app(page="mappings", params={"m": task})
    by_key(at, "text_input", f"mappings.{INPUT[task]}").input(typed).run()
    assert_clean(at)
    result = expected_run(task, typed)
    assert shown(task, result.outputs, "en") in texts(at)
    right = np.array_equal(result.outputs, result.right)
    assert metric(at, "verdict") == catalog("en")["mappings.verdict_right" if right else "mappings.verdict_wrong"]
    x = mappings.parse(task, typed)
    label = "shapes_metric" if task in mappings.PICTURES else "length_metric"
    assert metric(at, label) == str(mappings.length_of(task, x))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task, typed, key", [
    ("many_to_one", "", "mappings.error_empty"), ("many_to_one", "++x", "mappings.error_symbol"),
    ("seq2seq", "abz", "mappings.error_symbol"), ("one_to_one", "1234", "mappings.error_symbol"),
    ("one_to_many", "12", "mappings.error_size"), ("many_to_many", "1" * 61, "mappings.error_too_long"),
    ("seq2seq", "<b>a</b>", "mappings.error_symbol"),
])
def test_bad_typed_input_gets_a_clear_message_and_the_page_keeps_working(task, typed, key, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task})
    by_key(at, "text_input", f"mappings.{INPUT[task]}").input(typed).run()
    assert_clean(at)
    first_words = catalog(lang)[key].split("{")[0]
    assert any(first_words in e.value for e in at.error)
    assert catalog(lang)["mappings.error_fallback"] in at.error[0].value
    # The page carries on with the default input.
    default = mappings.parse(task, DEFAULTS[INPUT[task]])
    label = "shapes_metric" if task in mappings.PICTURES else "length_metric"
    assert metric(at, label, lang) == str(mappings.length_of(task, default))
    assert "<b>" not in unrolled_dot(at)


@pytest.mark.parametrize("task, typed", [
    ("many_to_one", "+" * 60), ("many_to_one", "-"), ("many_to_many", "1" * 60), ("many_to_many", "0"),
    ("seq2seq", "abcd" * 5), ("seq2seq", "a"), ("one_to_one", "000000000"), ("one_to_one", "333333333"),
    ("one_to_many", "000000000"), ("one_to_many", "123123123"),
])
def test_widget_extremes_render_and_say_when_they_are_beyond_training(task, typed):
    at = open_app(page="mappings", params={"m": task, INPUT[task]: typed})
    assert_clean(at)
    assert at.warning.len == 0 and at.error.len == 0
    spec = mappings.TASKS[task]
    length = mappings.length_of(task, mappings.parse(task, typed))
    notice = catalog("en")["mappings.beyond_notice_shapes" if task in mappings.PICTURES
                           else "mappings.beyond_notice"].format(hi=spec.lengths[1])
    assert (notice in texts(at)) == (length > spec.lengths[1])
    result = expected_run(task, typed)
    wrong = not np.array_equal(result.outputs, result.right)
    assert metric(at, "verdict") == catalog("en")["mappings.verdict_wrong" if wrong else "mappings.verdict_right"]
    assert ("#D55E00" in unrolled_dot(at)) == wrong  # wrong outputs are drawn in vermillion, and only those


def test_url_round_trip_restores_the_same_view():
    at = open_app(page="mappings")
    by_key(at, "radio", "mappings.m").set_value("seq2seq").run()
    by_key(at, "text_input", "mappings.word").input("dcbaab").run()
    assert_clean(at)
    url = url_of(at)
    assert url["m"] == "seq2seq" and url["word"] == "dcbaab"

    again = open_app(page="mappings", lang=url.pop("lang"), params=url)
    assert_clean(again)
    assert by_key(again, "radio", "mappings.m").value == "seq2seq"
    assert by_key(again, "text_input", "mappings.word").value == "dcbaab"
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert unrolled_dot(again) == unrolled_dot(at)
    assert url_of(again) == {**url, "lang": "en"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_parameters_fall_back_with_a_notice(lang):
    too_long = "a" * (urlstate.MAX_TEXT + 1)
    at = open_app(page="mappings", lang=lang, params={"m": "two_to_two", "word": too_long, "review": "+-"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "`m`" in warnings and "`word`" in warnings and "`review`" not in warnings
    assert by_key(at, "radio", "mappings.m").value == "many_to_one"  # the default
    assert by_key(at, "text_input", "mappings.review").value == "+-"  # the valid one is kept


def test_each_mapping_keeps_its_own_input_when_switching():
    at = open_app(page="mappings")
    by_key(at, "text_input", "mappings.review").input("+++").run()
    by_key(at, "radio", "mappings.m").set_value("many_to_many").run()
    by_key(at, "text_input", "mappings.presses").input("111").run()
    by_key(at, "radio", "mappings.m").set_value("many_to_one").run()
    assert_clean(at)
    assert by_key(at, "text_input", "mappings.review").value == "+++"
    assert url_of(at)["presses"] == "111"


def test_language_switch_keeps_the_mapping_and_translates_the_outputs():
    at = open_app(page="mappings", params={"m": "many_to_many", "presses": "101"})
    at.segmented_control(key="lang").set_value("ko").run()
    assert_clean(at)
    assert by_key(at, "radio", "mappings.m").value == "many_to_many"
    result = expected_run("many_to_many", "101")
    assert shown("many_to_many", result.outputs, "ko") in texts(at)
    assert catalog("ko")["mappings.out_on"] in unrolled_dot(at)


@pytest.mark.parametrize("task, functions", [
    ("many_to_one", (mappings.run, mappings.rnn_loss, mappings.train, mappings.accuracy_by_length)),
    ("seq2seq", (mappings.seq2seq_forward, mappings.seq2seq_backward, mappings.decode)),
])
def test_under_the_hood_shows_the_running_source(task, functions):
    at = open_app(page="mappings", params={"m": task})
    sources = [c.value.strip() for c in at.code]
    for function in functions:
        assert inspect.getsource(function).strip() in sources


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", ["one_to_many", "many_to_one", "seq2seq", "many_to_many"])
def test_the_reading_quotes_the_training_lengths_from_the_task(task, lang):
    """The sentence under the accuracy chart names the longest training length the model really had."""
    at = open_app("mappings", lang=lang, params={"m": task})
    assert_clean(at)
    spec = mappings.TASKS[task]
    key = {"one_to_many": "mappings.reading_one_to_many", "many_to_one": "mappings.reading_many_to_one",
           "seq2seq": "mappings.reading_seq2seq", "many_to_many": "mappings.reading_many_to_many"}[task]
    assert catalog(lang)[key].format(hidden=spec.hidden, hi=spec.lengths[1]) in texts(at)
    n_text = catalog(lang)["mappings.beyond_text"].format(n=mappings.N_BEYOND)
    assert n_text in texts(at)


def test_a_deep_link_restores_every_input_and_a_move_keeps_every_parameter():
    linked = {"m": "seq2seq", "picture": "123 000 321", "review": "--+", "word": "dcba", "presses": "1011"}
    at = open_app(page="mappings", params=linked)
    assert_clean(at)
    assert by_key(at, "radio", "mappings.m").value == "seq2seq"
    assert url_of(at) == {**linked, "lang": "en"}
    for task in ("seq2seq", "one_to_one", "many_to_one", "many_to_many"):  # each mapping shows its linked input
        by_key(at, "radio", "mappings.m").set_value(task).run()
        assert by_key(at, "text_input", f"mappings.{INPUT[task]}").value == linked[INPUT[task]]
    result = expected_run("many_to_many", "1011")
    assert shown("many_to_many", result.outputs, "en") in texts(at)

    by_key(at, "text_input", "mappings.presses").input("111").run()
    assert_clean(at)
    assert url_of(at) == {**linked, "m": "many_to_many", "presses": "111", "lang": "en"}
