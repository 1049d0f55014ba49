"""The sequence-mappings lesson, driven through AppTest in both languages: every mapping, typed inputs good and
bad, the longest inputs, links. Expected values come from rnn_core, never from the screen."""

import inspect
import json
import re

import numpy as np
import pytest
from apptest_helpers import ROOT, assert_clean, by_key, check_button, open_app, set_clock, texts, url_of

from lessons.mappings import LESSON
from lessons.mappings.params import INPUT_PARAM, P
from lessons.mappings.readings import EXAMPLES, NAMES
from rnn_core import mappings
from ui import registry, urlstate
from ui.i18n import catalog
from ui.numbers import integer, percent

TASKS = list(mappings.TASKS)
WORDS = {
    "=": "out_tie",
    "neg": "out_neg",
    "even": "out_even",
    "pos": "out_pos",
    "off": "out_off",
    "on": "out_on",
    ".": "out_end",
}


def metric(at, key: str, lang: str = "en") -> str:
    label = catalog(lang)[f"mappings.{key}"]
    return next(m.value for m in at.metric if m.label == label)


def shown(task: str, classes, lang: str) -> str:
    outputs = mappings.TASKS[task].outputs
    return " ".join(
        catalog(lang)[f"mappings.{WORDS[outputs[k]]}"] if outputs[k] in WORDS else outputs[k] for k in classes
    )


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
    result = expected_run(task, P[INPUT_PARAM[task]].default)
    assert np.array_equal(result.outputs, result.right)
    answer = catalog(lang)["mappings.answer_line"].format(
        output=shown(task, result.outputs, lang), right=shown(task, result.right, lang)
    )
    assert answer in texts(at)
    assert metric(at, "verdict", lang) == catalog(lang)["mappings.verdict_right"]
    # The held-out accuracy on screen is computed from the shipped weights, and reaches the lesson's 95%.
    trained = mappings.load(task)
    held, n_held = mappings.held_out_accuracy(task, trained.params, trained.seed)
    assert metric(at, "held_out_accuracy", lang) == percent(held, lang=lang) and held >= 0.95
    assert metric(at, "held_out_count", lang) == integer(n_held)
    # Five sketches, then the unrolled network with one state node per step.
    assert len(at.get("graphviz_chart")) == 6
    assert len(re.findall(r'^[ned]h\d+ \[label="[hs]', unrolled_dot(at), re.MULTILINE)) == len(result.states)
    # Charts: the states heatmap has a column per step and a row per unit, the probabilities under it the same
    # columns and a row per class; titles from the language's catalogue.
    states, probabilities = (json.loads(c.proto.spec) for c in at.get("vega_lite_chart")[:2])
    assert len(states["encoding"]["x"]["scale"]["domain"]) == result.states.shape[0]
    assert len(states["encoding"]["y"]["sort"]) == result.states.shape[1] == mappings.TASKS[task].hidden
    assert states["encoding"]["y"]["title"] == catalog(lang)["mappings.unit_axis"]
    assert probabilities["encoding"]["x"]["scale"]["domain"] == states["encoding"]["x"]["scale"]["domain"]
    assert len(probabilities["encoding"]["y"]["sort"]) == len(mappings.TASKS[task].outputs)
    if task != "one_to_one":
        accuracy = json.loads(at.get("vega_lite_chart")[2].proto.spec)
        assert accuracy["layer"][1]["encoding"]["y"]["title"] == catalog(lang)["mappings.accuracy_axis"]


@pytest.mark.parametrize(
    "task, typed",
    [
        ("one_to_one", "3 3 0, 2 2 0, 1 0 0"),
        ("one_to_many", "1 2 3 0 0 0 0 0 0"),
        ("many_to_one", "--+-+"),
        ("seq2seq", "D C A"),
        ("many_to_many", "1,1,0,1"),
    ],
)
def test_a_typed_input_gets_the_models_answer(task, typed):
    at = open_app(page="mappings", params={"m": task})
    by_key(at, "text_input", f"mappings.{INPUT_PARAM[task]}").input(typed).run()
    assert_clean(at)
    result = expected_run(task, typed)
    assert shown(task, result.outputs, "en") in texts(at)
    right = np.array_equal(result.outputs, result.right)
    assert metric(at, "verdict") == catalog("en")["mappings.verdict_right" if right else "mappings.verdict_wrong"]
    x = mappings.parse(task, typed)
    label = "shapes_metric" if task in mappings.PICTURES else "length_metric"
    assert metric(at, label) == integer(mappings.length_of(task, x))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "task, typed, key",
    [
        ("many_to_one", "", "mappings.error_empty"),
        ("many_to_one", "++x", "mappings.error_symbol"),
        ("seq2seq", "abz", "mappings.error_symbol"),
        ("one_to_one", "1234", "mappings.error_symbol"),
        ("one_to_many", "12", "mappings.error_size"),
        ("many_to_many", "1" * 61, "mappings.error_too_long"),
        ("seq2seq", "<b>a</b>", "mappings.error_symbol"),
    ],
)
def test_bad_typed_input_gets_a_clear_message_and_the_page_keeps_working(task, typed, key, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task})
    by_key(at, "text_input", f"mappings.{INPUT_PARAM[task]}").input(typed).run()
    assert_clean(at)
    first_words = catalog(lang)[key].split("{")[0]
    assert any(first_words in e.value for e in at.error)
    assert catalog(lang)["mappings.error_fallback"] in at.error[0].value
    # The page carries on with the default input.
    default = mappings.parse(task, P[INPUT_PARAM[task]].default)
    label = "shapes_metric" if task in mappings.PICTURES else "length_metric"
    assert metric(at, label, lang) == integer(mappings.length_of(task, default))
    assert "<b>" not in unrolled_dot(at)


@pytest.mark.parametrize(
    "task, typed",
    [
        ("many_to_one", "+" * 60),
        ("many_to_one", "-"),
        ("many_to_many", "1" * 60),
        ("many_to_many", "0"),
        ("seq2seq", "abcd" * 5),
        ("seq2seq", "a"),
        ("one_to_one", "000000000"),
        ("one_to_one", "333333333"),
        ("one_to_many", "000000000"),
        ("one_to_many", "123123123"),
    ],
)
def test_widget_extremes_render_and_say_when_they_are_beyond_training(task, typed):
    at = open_app(page="mappings", params={"m": task, INPUT_PARAM[task]: typed})
    assert_clean(at)
    assert at.warning.len == 0 and at.error.len == 0
    spec = mappings.TASKS[task]
    length = mappings.length_of(task, mappings.parse(task, typed))
    notice = catalog("en")[
        "mappings.beyond_notice_shapes" if task in mappings.PICTURES else "mappings.beyond_notice"
    ].format(hi=spec.lengths[1])
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
    assert by_key(at, "radio", "mappings.m").value == P["m"].default  # the default
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


@pytest.mark.parametrize(
    "task, functions",
    [
        ("many_to_one", (mappings.run, mappings.rnn_loss, mappings.train, mappings.accuracy_by_length, mappings.split)),
        ("seq2seq", (mappings.seq2seq_forward, mappings.seq2seq_backward, mappings.decode, mappings.generate)),
        ("one_to_many", (mappings.run, mappings.generate, mappings.rnn_loss)),
    ],
)
def test_under_the_hood_shows_the_running_source(task, functions):
    at = open_app(page="mappings", params={"m": task}, open_code=True)
    sources = [c.value.strip() for c in at.code]
    for function in functions:
        assert inspect.getsource(function).strip() in sources


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", ["many_to_one", "seq2seq"])
def test_under_the_hood_names_public_functions_each_with_its_line_and_none_too_long(task, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task}, open_code=True)
    shown = [m.value for m in at.markdown if m.value.startswith("**`")]
    sources = [c for c in at.code if c.language == "python"]  # (the share box's link is code too)
    assert len(shown) == len(sources) >= 10
    for line, code in zip(shown, sources, strict=True):
        name = line.split("`")[1]
        assert not any(part.startswith("_") for part in name.split(".")), name
        assert " · " in line and line.split(" · ", 1)[1].strip()  # a one-line description in the language
        assert len(code.value.strip().splitlines()) <= 60, name
    view = (ROOT / "lessons" / "mappings" / "page.py").read_text(encoding="utf-8")
    keys = re.findall(r'"(mappings\.hood_\w+)"', view)
    assert keys and all(k in catalog(lang) for k in keys)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", ["one_to_many", "many_to_one", "seq2seq", "many_to_many"])
def test_the_reading_quotes_the_training_lengths_from_the_task(task, lang):
    """The sentence under the accuracy chart names the longest training length the model really had."""
    at = open_app("mappings", lang=lang, params={"m": task})
    assert_clean(at)
    spec = mappings.TASKS[task]
    key = {
        "one_to_many": "mappings.reading_one_to_many",
        "many_to_one": "mappings.reading_many_to_one",
        "seq2seq": "mappings.reading_seq2seq",
        "many_to_many": "mappings.reading_many_to_many",
    }[task]
    if task == "many_to_one":  # its reading counts the sampled mistakes instead
        trained = mappings.load(task)
        margins = mappings.verdict_mistakes(trained.params, trained.seed)
        fields = {"mistakes": integer(len(margins)), "share": percent(np.mean(margins <= 2), lang=lang), "margin": "2"}
        assert catalog(lang)[key].format(**fields) in texts(at)
    else:
        assert catalog(lang)[key].format(hidden=integer(spec.hidden), hi=integer(spec.lengths[1])) in texts(at)
    n_text = catalog(lang)["mappings.beyond_text"].format(n=integer(mappings.N_BEYOND))
    assert n_text in texts(at)


def test_a_deep_link_restores_every_input_and_a_move_keeps_every_parameter():
    linked = {"m": "seq2seq", "picture": "123 000 321", "review": "--+", "word": "dcba", "presses": "1011"}
    at = open_app(page="mappings", params=linked)
    assert_clean(at)
    assert by_key(at, "radio", "mappings.m").value == "seq2seq"
    assert url_of(at) == {**linked, "lang": "en"}
    for task in ("seq2seq", "one_to_one", "many_to_one", "many_to_many"):  # each mapping shows its linked input
        by_key(at, "radio", "mappings.m").set_value(task).run()
        assert by_key(at, "text_input", f"mappings.{INPUT_PARAM[task]}").value == linked[INPUT_PARAM[task]]
    result = expected_run("many_to_many", "1011")
    assert shown("many_to_many", result.outputs, "en") in texts(at)

    by_key(at, "text_input", "mappings.presses").input("111").run()
    assert_clean(at)
    assert url_of(at) == {**linked, "m": "many_to_many", "presses": "111", "lang": "en"}


# --- Sentences chosen from what was computed ---------------------------------------------------------------------


def curve_of(task: str) -> dict:
    trained = mappings.load(task)
    return mappings.accuracy_by_length(task, trained.params, trained.seed)


def where(task: str, length: int, lang: str) -> str:
    key = "mappings.at_shapes" if task in mappings.PICTURES else "mappings.at_length"
    return catalog(lang)[key].format(n=integer(length))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", ["one_to_many", "many_to_one", "seq2seq", "many_to_many"])
def test_what_you_see_follows_the_accuracy_beyond_training(task, lang):
    """The summary under the accuracy chart is the one the curve calls for, with the curve's own numbers."""
    at = open_app(page="mappings", lang=lang, params={"m": task})
    page = texts(at)
    curve = curve_of(task)
    beyond = ~curve["trained"]
    lengths, accuracy = curve["length"][beyond], curve["accuracy"][beyond]
    n = curve["n"][beyond]
    last = where(task, lengths[-1], lang)

    def within(share, size):  # the 95 % interval of a sampled share, recomputed here (Wilson's score interval)
        z, p = 1.96, share
        centre, half = (
            (p + z * z / (2 * size)) / (1 + z * z / size),
            z / (1 + z * z / size) * np.sqrt(p * (1 - p) / size + z * z / (4 * size * size)),
        )
        return f"{percent(max(0.0, centre - half), lang=lang)}–{percent(min(1.0, centre + half), lang=lang)}"

    assert f"{n.min()}" in page  # every summary says how many random inputs each share was measured on
    if np.all(accuracy == 1):  # every sampled output right at every longer length
        assert catalog(lang)["mappings.summary_perfect"].split("{")[0] in page
        assert last in page and within(1.0, n[-1]) in page
    elif accuracy[0] < 0.5:  # falls apart at the first length past training
        assert catalog(lang)["mappings.summary_collapses"].split("{")[0] in page
        assert percent(accuracy[0], lang=lang) in page and within(accuracy[0], n[0]) in page
        assert percent(accuracy[-1], lang=lang) in page and within(accuracy[-1], n[-1]) in page
    else:  # worse slowly: at least 90 % of each sample up to the length named, not at the next
        template = catalog(lang)["mappings.summary_fades"]
        head, tail = template.split("{reach_at}")[0].split("}")[-1], template.split("{reach_at}")[1].split("{")[0]
        named = page.split(head, 1)[1].split(tail, 1)[0]
        reach = next(int(k) for k in lengths if where(task, k, lang) == named)
        assert np.all(accuracy[lengths <= reach] >= 0.9) and accuracy[lengths == reach + 1][0] < 0.9
        assert percent(accuracy[-1], lang=lang) in page and accuracy[-1] < 0.95
        lowest = np.min(accuracy[lengths <= reach])  # the sample behind "at least 90 %", with its interval
        assert within(lowest, n[0]) in page
    for other in ("summary_perfect", "summary_holds", "summary_collapses", "summary_fades", "summary_worse"):
        head = catalog(lang)[f"mappings.{other}"].split("{")[0]
        assert page.count(head) <= 1


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", TASKS)
def test_the_split_sentence_explains_the_two_counts_on_screen(task, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task})
    trained = mappings.load(task)
    train_set, held = mappings.split(task, trained.seed)
    n_train, n_held = sum(map(len, train_set.values())), sum(map(len, held.values()))
    assert metric(at, "train_count", lang) == integer(n_train)
    assert metric(at, "held_out_count", lang) == integer(n_held)
    page = texts(at)
    equal = catalog(lang)["mappings.split_equal"].format(n=integer(n_held))
    assert (equal in page) == (n_train == n_held)
    if n_train != n_held:  # the pictures: the empty one is the only picture with 0 shapes
        assert (
            catalog(lang)["mappings.split_single"].format(extra=integer(n_train - n_held), where=where(task, 0, lang))
            in page
        )


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("task", ["many_to_one", "seq2seq"])
def test_numbers_read_alike_and_every_tooltip_has_a_title(task, lang):
    at = open_app(page="mappings", lang=lang, params={"m": task})
    for m in at.metric:
        assert "e+" not in m.value and "e-" not in m.value and not re.search(r"(^|\s)-\d", m.value)
    sign = {"en": " %", "ko": "%"}[lang]  # Korean writes 90% (docs/glossary-ko.md), the English pages 90 %
    assert re.fullmatch(r"\d+(\.\d+)?" + sign, metric(at, "held_out_accuracy", lang))
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        assert spec["config"]["locale"]["number"]["percent"] == sign  # the axes' and tooltips' "~%" and ".3~p"
        for tooltip in re.findall(r'"tooltip": (\[.*?\])', json.dumps(spec)):
            for item in json.loads(tooltip):
                assert item.get("title"), item
                if item.get("type") == "quantitative":
                    assert item.get("format"), item
    if lang == "ko":
        assert "\\text{" not in " ".join(str(e.value) for e in at.latex)


# --- Exercises ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_review_exercise_answered_wrong_then_right_on_the_page(lang, no_class):
    at = open_app("mappings", lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("mappings_review", at.session_state["exercise.mappings_review"]["seed"])
    wrong = next(c for c in ex.choices if c != ex.answer)
    at.radio(key="exercise.mappings_review.chosen").set_value(wrong)
    check_button(at, lang, "mappings_review").click().run()
    assert_clean(at)
    assert not at.session_state["exercise.mappings_review"]["solved"]
    assert any(e.value.startswith(catalog(lang)["exercise_box.wrong"].split("{")[0]) for e in at.error)
    set_clock(at, 102.0)
    at.radio(key="exercise.mappings_review.chosen").set_value(ex.answer)
    check_button(at, lang, "mappings_review").click().run()
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    assert at.session_state["exercise.mappings_review"]["solved"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_review_setting_exercise_reads_the_pages_own_widgets(lang, no_class):
    at = open_app("mappings", lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("mappings_review_setting", at.session_state["exercise.mappings_review_setting"]["seed"])
    length, wanted = ex.params["length"], ex.params["verdict"]
    by_key(at, "text_input", "mappings.review").input("+" * (length + 1)).run()  # one word too many
    at.button(key="exercise.mappings_review_setting.check").click().run()
    assert catalog(lang)["exercises.mappings_review_setting_hint_length"] in [i.value for i in at.info]
    set_clock(at, 102.0)
    good = {"neg": (length - 1) // 2, "even": length // 2, "pos": length // 2 + 1}[wanted]
    review = "+" * good + "-" * (length - good)
    by_key(at, "text_input", "mappings.review").input(review).run()
    at.button(key="exercise.mappings_review_setting.check").click().run()
    assert_clean(at)
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    # The page agrees: the network's verdict on that review, and the right one, are the verdict asked for.
    assert catalog(lang)[f"mappings.{WORDS[wanted]}"] in texts(at)


def test_typing_and_choosing_rerun_their_fragments_and_redraw_no_exercise_box():
    """Over Streamlit's websocket protocol, as a browser: typing a new input reruns the feed-it fragment alone,
    which sends the new answer; choosing another mapping reruns sections 2 to 4 (a fragment with feed-it inside),
    which send that mapping's sections. Neither resends the exercise boxes the page draws after the places
    (AppTest reruns the whole script, so it cannot show this)."""
    from servers import run_async, streamlit_server

    from bench.wsclient import StreamlitClient

    typed, chosen = "+-+-+", "seq2seq"

    async def scenario(url):
        async with StreamlitClient(url, timeout=120) as client:
            first = await client.open_page("mappings", "lang=en")
            assert first.exceptions == []
            boxes = {w.fragment_id for w in client.widgets.values() if w.key.startswith("exercise.")}
            field = client.find_widget(urlstate.key("mappings", "review"))
            typing = await client.move(field, typed)
            choice = client.find_widget(urlstate.key("mappings", "m"))
            choosing = await client.move(choice, catalog("en")[NAMES[chosen]])
            return boxes, field.fragment_id, typing, choice.fragment_id, choosing

    with streamlit_server() as url:
        boxes, field_fragment, typing, choice_fragment, choosing = run_async(scenario(url), 180)
    assert len(boxes) == len(LESSON.exercises)  # every box, each a fragment of its own
    for result in (typing, choosing):
        assert result.status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY" and result.exceptions == []
    assert field_fragment and choice_fragment and field_fragment != choice_fragment
    assert not {field_fragment, choice_fragment} & boxes
    sent = [d for d in typing.deltas if d.delta_path[:1] == (0,)]
    assert sent and {d.fragment_id for d in sent} == {field_fragment}
    # The new answer is in what the move sent: the length of the typed review, as rnn_core parses it.
    length = mappings.length_of("many_to_one", mappings.parse("many_to_one", typed))
    metrics = {
        d.msg.delta.new_element.metric.label: d.msg.delta.new_element.metric.body
        for d in sent
        if d.element_type == "metric"
    }
    assert metrics[catalog("en")["mappings.length_metric"]] == integer(length)
    # The choice reran the sections' fragment (and section 3's inside it), none of the boxes, and sent the chosen
    # mapping's sections: section 3's title line and section 4's weights file.
    sent = [d for d in choosing.deltas if d.delta_path[:1] == (0,)]
    assert sent and all(d.fragment_id for d in sent) and not {d.fragment_id for d in sent} & boxes
    assert choice_fragment in {d.fragment_id for d in sent}
    words = [d.msg.delta.new_element.markdown.body for d in sent if d.element_type == "markdown"]
    assert f"**{catalog('en')[NAMES[chosen]]}** · {catalog('en')[EXAMPLES[chosen]]}" in words
    assert any(f"data/mappings/{chosen}.npz" in w for w in words)
