"""The app frame and the counting lesson, driven through AppTest in both languages.

Sentences that state an outcome are checked at several settings (not only the presets) against values computed
here from rnn_core or from the theory, never by repeating the page's own choice.
"""

import ast
import inspect
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import (
    assert_clean,
    by_key,
    open_app,
    read_num,
    set_clock,
    shown_under_the_hood,
    texts,
    type_and_check,
    url_of,
)
from streamlit_compat import chart_frames as chart_frames_of

from lessons.counting import readings as lesson
from lessons.counting import tables
from lessons.counting.params import BOOK, MAX_STEPS  # BOOK: the page's default start, learning rate, iterations
from rnn_core import counting, gradcheck, optim
from ui import diagrams, registry
from ui.i18n import catalog
from ui.numbers import num, number_expr

ROOT = Path(__file__).resolve().parent.parent


def metric(at, label_key: str, lang: str = "en", **fields) -> str:
    label = catalog(lang)[label_key].format(**fields) if fields else catalog(lang)[label_key]
    return next(m.value for m in at.metric if m.label == label)


def opening(lang: str, key: str) -> str:
    """The words of a sentence before its first field: enough to tell which sentence was chosen."""
    return catalog(lang)[key].split("{")[0]


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_frames(at, index: int) -> list:
    """The data frames one chart on the page carries (Streamlit ships them beside the spec, as Arrow)."""
    return chart_frames_of(at.get("vega_lite_chart")[index])


def markdown_tables(at) -> list[dict[str, list[str]]]:
    """Every Markdown table on the page, as ``{header: [cells, top to bottom]}``."""
    tables = []
    for element in at.markdown:
        lines = element.value.splitlines()
        if len(lines) < 2 or not lines[0].startswith("| ") or not lines[1].startswith("|---"):
            continue
        rows = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in lines if line.strip()]
        header, body = rows[0], rows[2:]
        tables.append({name: [row[i] for row in body] for i, name in enumerate(header)})
    return tables


def tooltips(node):
    """Every tooltip entry of a spec."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "tooltip":
                yield from value if isinstance(value, list) else [value]
            elif key != "datasets":
                yield from tooltips(value)
    elif isinstance(node, list):
        for value in node:
            yield from tooltips(value)


def book_run(start=BOOK["start"], lr=BOOK["lr"], iters=BOOK["iters"]) -> counting.Trajectory:
    return counting.fit(*counting.book_dataset(), start, optim.sgd(lr), iters)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_counting_page_renders_in_both_languages(lang):
    at = open_app("counting", lang=lang)
    assert_clean(at)
    assert at.title[0].value == catalog(lang)["counting.title"]
    assert metric(at, "counting.output_y", lang) == "3"  # the note's example: (0,0,0,0,1,0,1,0,1,0) -> 3
    run = book_run()
    assert run.diverged_at is not None
    headline = catalog(lang)["counting.stop_headline"].format(iteration=run.diverged_at)
    assert headline in at.error[0].value
    assert "1.8·10³⁰⁸" in at.error[0].value  # float64's largest number, written out by code
    X, _ = counting.book_dataset()
    X0 = "".join(str(int(b)) for b in X[0])
    assert X0 in texts(at) and X0 == "0100000001"  # the book's first row, read from the data
    spec = chart_specs(at)[0]
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
    assert metric(at, "counting.output_y", "ko") == num(y)


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
    for kind, key in [
        ("text_input", "counting.seq"),
        ("slider", "counting.u"),
        ("radio", "counting.data"),
        ("number_input", "counting.n"),
        ("number_input", "counting.seed"),
        ("number_input", "counting.lr"),
    ]:
        assert by_key(again, kind, key).value == by_key(at, kind, key).value, key
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert url_of(again) == {**url, "lang": "en"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_parameters_fall_back_with_a_notice(lang):
    at = open_app(
        "counting", lang=lang, params={"u": "abc", "n": "100000", "data": "zzz", "lr": "nan", "iters": "-5", "w": "0.5"}
    )
    assert_clean(at)
    warnings_shown = " ".join(w.value for w in at.warning)
    for name in ("`u`", "`n`", "`data`", "`lr`", "`iters`"):
        assert name in warnings_shown
    assert by_key(at, "slider", "counting.u").value == 1.0  # the default
    assert by_key(at, "slider", "counting.w").value == 0.5  # the valid one is kept


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "typed, key",
    [
        ("0,1,2", "counting.seq_error_symbol"),
        ("", "counting.seq_error_empty"),
        ("1" * 201, "counting.seq_error_too_long"),
        ("<script>alert(1)</script>", "counting.seq_error_symbol"),
    ],
)
def test_bad_typed_sequence_gets_a_clear_message(lang, typed, key):
    at = open_app("counting", lang=lang)
    by_key(at, "text_input", "counting.seq").input(typed).run()
    assert_clean(at)
    assert any(
        opening(lang, key) in e.value and catalog(lang)["counting.seq_error_fallback"] in e.value for e in at.error
    )
    assert metric(at, "counting.output_y", lang) == "3"  # the page keeps working on the default sequence


@pytest.mark.parametrize(
    "params",
    [
        {"lr": "1.0", "iters": "5000", "u0": "3.0", "w0": "3.0"},
        {"lr": "1e-06", "iters": "5000", "u0": "-3.0", "w0": "-3.0"},
        {"data": "generated", "n": "500", "len": "50", "seed": "999999", "iters": "5000"},
        {"data": "generated", "n": "1", "len": "1", "seed": "0", "iters": "1", "it": "0"},
        {"seq": ",".join(["1"] * 200), "u": "3.0", "w": "3.0"},
        {"seq": "1", "u": "-3.0", "w": "-3.0"},
    ],
)
def test_widget_extremes_render_without_errors(params):
    at = open_app("counting", params=params)
    assert_clean(at)
    assert at.warning.len == 0  # every value above is in range
    X, targets = (
        counting.book_dataset()
        if params.get("data", "book") == "book"
        else counting.make_dataset(int(params["n"]), int(params["len"]), int(params["seed"]))
    )
    run = counting.fit(
        X,
        targets,
        (float(params.get("u0", -2)), float(params.get("w0", 0))),
        optim.sgd(float(params.get("lr", 0.0005))),
        int(params.get("iters", 500)),
    )
    headline = catalog("en")["counting.stop_headline"].format(iteration=run.diverged_at)
    assert any(headline in e.value for e in at.error) == (run.diverged_at is not None)


@pytest.mark.parametrize("surface", [lesson.SURFACE_KEY, lesson.SURFACE_KEY_NARROW])  # a wide screen's, a phone's
def test_clicking_the_surface_moves_the_start(surface):
    at = open_app("counting")
    at.session_state[surface] = {"selection": {"cell": [{"i": 80, "j": 60}]}}
    at.run()
    assert_clean(at)
    centres = np.linspace(-3 + 0.03, 3 - 0.03, 100)
    assert by_key(at, "number_input", "counting.u0").value == round(centres[80], 2)
    assert by_key(at, "number_input", "counting.w0").value == round(centres[60], 2)
    # The same selection on the next rerun must not undo a later edit.
    by_key(at, "number_input", "counting.u0").set_value(0.5).run()
    assert by_key(at, "number_input", "counting.u0").value == 0.5


@pytest.mark.parametrize(
    "button, w",
    [
        ("counting_btn_forget", 0.5),
        ("counting_btn_explode", 1.5),
        ("counting_btn_alternate", -0.8),
        ("counting_btn_count", 1.0),
    ],
)
def test_preset_buttons_set_u_and_w_and_say_so(button, w):
    at = open_app("counting", params={"w": "0.3"})
    assert f"W = {num(w)}" in by_key(at, "button", button).label  # the label names the value it sets
    by_key(at, "button", button).click().run()
    assert by_key(at, "slider", "counting.w").value == w


# --- Under the hood: what ran, readable ---------------------------------------------------------------------


def test_under_the_hood_lists_readable_public_functions_with_a_line_each():
    modules = {"counting": counting, "gradcheck": gradcheck, "optim": optim}
    pairs = shown_under_the_hood("counting")
    names = [name for name, _ in pairs]
    assert "counting.fit" in names  # the loop that trained the run on this page
    assert not {"race.fit_many", "race._Run", "race._evaluate_batch"} & set(names)  # the race engine
    for name, key in pairs:
        module, attribute = name.split(".")
        function = getattr(modules[module], attribute)
        assert not attribute.startswith("_"), name
        assert len(inspect.getsource(function).splitlines()) <= 60, name
        for lang in ("en", "ko"):
            assert catalog(lang)[key].strip(), (name, lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_under_the_hood_shows_the_running_source_and_what_each_does(lang):
    at = open_app("counting", lang=lang, open_code=True)
    sources = [c.value.strip() for c in at.code]
    shown = "\n".join(m.value for m in at.markdown)
    for function, key in (
        (counting.forward, "counting.hood_forward"),
        (counting.bptt, "counting.hood_bptt"),
        (counting.fit, "counting.hood_fit"),
        (counting.first_overflow, "counting.hood_first_overflow"),
        (counting.cost_surface, "counting.hood_cost_surface"),
        (optim.sgd, "counting.hood_sgd"),
    ):
        assert inspect.getsource(function).strip() in sources
        assert f"**`{function.__module__}.{function.__qualname__}`** · {catalog(lang)[key]}" in shown
    assert not re.search(r"`[\w.]*\._\w+`", shown)  # no private name anywhere in the panel


# --- Sections 1-3 -------------------------------------------------------------------------------------------


def test_backward_table_agrees_with_finite_differences_on_screen():
    at = open_app("counting", params={"w": "0.7"})
    assert read_num(metric(at, "counting.rel_error")) < 1e-6
    x = np.array([[0, 0, 0, 0, 1, 0, 1, 0, 1, 0.0]])
    gU, gW = counting.backward(x, counting.forward(x, 1.0, 0.7), np.array([3.0]), 0.7)
    assert metric(at, "counting.grad_u") == num(gU) and metric(at, "counting.grad_w") == num(gW)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "seq, w",
    [
        ("0,0,0,0,1,0,1,0,1,0", -1.5),
        ("1,0,1", -0.5),
        ("1,1,0,1,1", 0.0),
        ("1,0,0,0,0,0,0", 0.45),
        ("1,1", 1.0),
        ("10110", 1.3),
        ("1", 2.5),
        ("0,1,1,0,1,0,0,1", -1.0),
    ],
)
def test_what_w_does_to_old_inputs_follows_w(lang, seq, w):
    at = open_app("counting", lang=lang, params={"seq": seq, "w": str(w)})
    assert_clean(at)
    shown = texts(at)
    T = len(counting.parse_sequence(seq, MAX_STEPS))
    factor = w ** (T - 1)  # the first input's weight in y, by the algebra: S_T = sum_t X_t U W^(T-t)
    if T == 1:
        expected = "counting.memory_one_step"
    elif w == 0:
        expected = "counting.memory_zero"
    else:
        expected = {-1: "counting.memory_fades", 0: "counting.memory_kept", 1: "counting.memory_grows"}[
            int(np.sign(abs(w) - 1))
        ]
    assert opening(lang, expected) in shown
    if T > 1:
        assert f"= {num(factor)}" in shown
    assert (opening(lang, "counting.memory_alternates") in shown) == (w < 0)
    # the table's carried column is S_{t-1} W and its state column S_t, as text in the one number style
    table = markdown_tables(at)[0]
    S = counting.forward(counting.parse_sequence(seq, MAX_STEPS)[None, :], 1.0, w)[0]
    assert table[catalog(lang)["counting.col_state"]] == [num(s) for s in S[1:]]
    assert table[catalog(lang)["counting.col_carried"]] == [num(s * w) for s in S[:-1]]


def diagrams_on_page(at) -> list[str]:
    return [g.proto.spec for g in at.get("graphviz_chart")]


@pytest.mark.parametrize("seq, u, w", [("0,0,0,0,1,0,1,0,1,0", 1.0, 1.0), ("1" * 30, 0.35, -0.8), ("101", -2.5, 1.5)])
def test_the_unrolled_diagram_names_w_on_every_step_and_wraps_into_rows(seq, u, w):
    at = open_app("counting", params={"seq": seq, "u": str(u), "w": str(w)})
    assert_clean(at)
    x = counting.parse_sequence(seq, MAX_STEPS)
    S = counting.forward(x[None, :], u, w)[0]
    *rows, stacked = diagrams_on_page(at)  # rows for a wide screen, one column for a phone
    steps = diagrams.unrolled_steps(len(x), 10)
    assert len(rows) == -(-len(steps) // 4)  # four steps a row
    for dot in (*rows, stacked):
        assert "fontsize=14" in dot
        edges = re.findall(r"(\w+) -> (\w+) \[([^\]]*)\]", dot)
        into_states = [
            label for tail, head, label in edges if head.startswith(("S", "dots")) and not tail.startswith("x")
        ]
        assert into_states and all(f'label="W={num(w)}"' in label for label in into_states)
        assert all(f'label="U={num(u)}"' in label for tail, _, label in edges if tail.startswith("x"))
    assert f"y = {num(S[-1])}" in rows[-1] and f"y = {num(S[-1])}" in stacked
    for later, earlier in zip(rows[1:], rows, strict=False):  # each row starts from the state the row above ended on
        last = re.findall(r"-> (S\d+|dots) \[", earlier)[-1]
        assert later.split("\n")[3].startswith(f"{last} [")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_long_sequences_leave_the_same_steps_out_of_both_tables_and_say_so(lang):
    seq = "".join("1" if i % 3 else "0" for i in range(40))
    at = open_app("counting", lang=lang, params={"seq": seq, "w": "0.9"})
    assert_clean(at)
    x = counting.parse_sequence(seq, MAX_STEPS)
    forward, backward, narrow = markdown_tables(at)[:3]
    col_t, col_k = catalog(lang)["counting.col_t"], catalog(lang)["counting.col_k"]
    shown = [str(t) for t in range(1, 9)] + ["⋮"] + [str(t) for t in range(38, 41)]
    assert forward[col_t] == shown
    assert backward[col_k] == narrow[col_k] == shown[::-1]  # BPTT reads from the last step back
    assert catalog(lang)["counting.rows_cut"].format(first=9, last=37, steps=40) in texts(at)
    assert catalog(lang)["counting.col_sumU"] in backward and catalog(lang)["counting.col_sumU"] not in narrow
    # the running sum down to k = 1 is the whole gradient, the metric under the table
    S = counting.forward(x[None, :], 1.0, 0.9)
    gU, _ = counting.backward(x[None, :], S, np.array([x.sum()]), 0.9)
    assert backward[catalog(lang)["counting.col_sumU"]][-1] == num(gU) == metric(at, "counting.grad_u", lang)


def test_a_short_sequence_shows_every_step():
    at = open_app("counting", params={"seq": "1,0,1"})
    assert markdown_tables(at)[0][catalog("en")["counting.col_t"]] == ["1", "2", "3"]
    assert tables.rows_cut_caption(3) is None and opening("en", "counting.rows_cut") not in texts(at)


# --- The note's code ----------------------------------------------------------------------------------------


def test_the_notes_code_as_printed_does_not_compile_and_each_defect_is_where_the_page_says():
    with pytest.raises(SyntaxError):  # an IndentationError is one
        compile(lesson.NOTE_PRINTED, "note.py", "exec")
    lines = lesson.NOTE_PRINTED.splitlines()
    for _, piece in lesson.NOTE_DEFECTS:
        assert sum(piece in line for line in lines) >= 1, piece
    assert "targets \u2013 y" in lesson.NOTE_PRINTED and "parameters(0)" in lesson.NOTE_PRINTED
    assert "sequence_len," in lesson.NOTE_PRINTED and "    results." in lines
    # With each defect mended in turn, Python meets the next one: they hide one another.
    mended = lesson.NOTE_PRINTED.replace("\u2013", "-")
    with pytest.raises(IndentationError):
        compile(mended, "note.py", "exec")
    for n in range(1, len(lesson.NOTE_DEFECTS) + 1):
        assert f"[{n}]" in lesson.NOTE_FIXED  # every defect is marked where the working code mends it


def run_fixed(iterations: int, mean: bool = False) -> tuple:
    code = lesson.NOTE_FIXED.replace("number_iterations = 500", f"number_iterations = {iterations}")
    if mean:  # the mean squared error the note names: its gradient is the sum's divided by N
        code = code.replace("gS = 2.0 * (y - targets)", "gS = 2.0 * (y - targets) / number_of_samples")
    code = code.replace('print("U, W =", parameters)', "")
    namespace = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        exec(compile(code, "fixed.py", "exec"), namespace)
    return namespace["parameters"]


def test_the_working_version_runs_and_matches_rnn_core():
    run = book_run()
    for iterations in (1, 10, 30, run.diverged_at - 1):
        np.testing.assert_allclose(run_fixed(iterations), run.params[iterations], rtol=1e-12)
    assert np.all(np.isnan(run_fixed(BOOK["iters"])))  # the book's report: U and W end as NaN


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_page_shows_the_note_as_printed_its_defects_and_the_working_code(lang):
    at = open_app("counting", lang=lang, open_code=True)
    sources = [c.value for c in at.code]
    assert lesson.NOTE_PRINTED.strip() in [s.strip() for s in sources]
    assert lesson.NOTE_FIXED.strip() in [s.strip() for s in sources]
    shown = texts(at)
    lines = lesson.NOTE_PRINTED.splitlines()
    for key, piece in lesson.NOTE_DEFECTS:
        line = next(i for i, text in enumerate(lines, start=1) if piece in text)
        assert catalog(lang)[key].format(line=line) in shown
    finite = np.all(np.isfinite(run_fixed(BOOK["iters"], mean=True)))  # the note's mean, computed independently
    expected = "counting.mean_stays_finite" if finite else "counting.mean_diverges"
    assert opening(lang, expected) in shown


# --- Section 4: the run, one iterate, where and why it stopped ---------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "params",
    [
        {},  # the book's run: the state overflows at iteration 38
        {"u0": "3.0", "w0": "3.0", "lr": "1.0", "iters": "20"},
        {"u0": "-1.5", "w0": "2.0", "lr": "0.001", "iters": "200"},
        {"u0": "0.5", "w0": "0.5", "lr": "0.0001", "iters": "300"},
        {"u0": "1.0", "w0": "1.0", "lr": "0.1", "iters": "5"},
        {"data": "generated", "n": "30", "len": "20", "seed": "4", "u0": "0.2", "w0": "1.1", "lr": "0.0003"},
    ],
)
def test_training_metrics_show_one_iterate_and_the_story_follows_the_run(lang, params):
    at = open_app("counting", lang=lang, params=params)
    assert_clean(at)
    X, targets = (
        counting.book_dataset()
        if params.get("data", "book") == "book"
        else counting.make_dataset(int(params["n"]), int(params["len"]), int(params["seed"]))
    )
    lr = float(params.get("lr", BOOK["lr"]))
    run = counting.fit(
        X,
        targets,
        (float(params.get("u0", -2)), float(params.get("w0", 0))),
        optim.sgd(lr),
        int(params.get("iters", BOOK["iters"])),
    )
    # U, W and the cost all of the last iteration whose cost is finite
    j = len(run.costs) - 1
    assert metric(at, "counting.final_u", lang, it=j) == num(run.params[j, 0])
    assert metric(at, "counting.final_w", lang, it=j) == num(run.params[j, 1])
    assert metric(at, "counting.final_cost", lang, it=j) == num(run.costs[j])
    story = " ".join(e.value for e in at.error)
    if run.diverged_at is None:
        assert opening(lang, "counting.stop_headline") not in story
        return
    assert catalog(lang)["counting.stop_headline"].format(iteration=run.diverged_at) in story
    reason = {
        "state": "counting.stop_state",
        "cost": "counting.stop_cost",
        "gradient": "counting.stop_gradient",
        "parameters": "counting.stop_parameters",
    }[run.reason]
    assert opening(lang, reason) in story
    assert f"({num(run.params[j, 0])}, {num(run.params[j, 1])})" in story  # the overshoot before the overflow
    if run.reason != "parameters":
        assert f"({num(run.params[-1, 0])}, {num(run.params[-1, 1])})" in story  # where the step landed


def test_the_books_run_shows_the_overshoot_before_the_overflow():
    at = open_app("counting")
    assert metric(at, "counting.final_u", it=37) == "−232" and metric(at, "counting.final_w", it=37) == "−2093"
    table = markdown_tables(at)[-1]  # the run's last iterations
    assert table["$U$"] == ["1.83", "−232", "2.62·10⁶⁰"]
    assert table[catalog("en")["counting.cost_axis"]][-1] == catalog("en")["counting.overflowed"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_charts_draw_only_what_a_browser_can_and_say_what_was_cut(lang):
    at = open_app("counting", lang=lang)
    run = book_run()
    cut = np.flatnonzero(np.any(np.abs(run.params) > lesson.DRAWABLE, axis=1))
    assert list(cut) == [38]
    weights = chart_frames(at, 1)
    assert sorted(weights[0]["step"].unique()) == list(range(38))  # iterations 0-37: all but the cut one
    assert np.all(np.abs(weights[0]["value"]) <= lesson.DRAWABLE)
    for surface in (chart_frames(at, 2), chart_frames(at, 3)):  # the wide layout's surface, and a phone's
        path = next(frame for frame in surface if "step" in frame)
        assert list(path["step"]) == list(range(38)) and np.all(np.abs(path[["U", "W"]]) <= lesson.DRAWABLE)
    caption = catalog(lang)["counting.cut_caption"].format(
        count=1, first=38, limit=num(lesson.DRAWABLE), U=num(run.params[38, 0]), W=num(run.params[38, 1])
    )
    assert sum(caption in c.value for c in at.caption) == 2  # under the weights and under the surface


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_tooltip_is_titled_and_no_english_latex_on_the_page(lang):
    at = open_app("counting", lang=lang, params={"at": "hand", "w": "-0.8"})
    for spec in chart_specs(at):
        for tip in tooltips(spec):
            assert tip.get("title"), tip
    assert not any(r"\text" in element.value for element in at.get("latex"))
    assert r"\text" not in texts(at)


def test_charts_write_numbers_as_the_prose_does():
    """The Vega expression behind the charts' tooltips and axes, run by Vega itself (vl-convert), against num()."""
    import html

    import vl_convert

    values = [
        0.0,
        1.0,
        -1.0,
        0.5,
        12.345,
        -123.456,
        4049.7,
        12346.0,
        99999.7,
        1.2345e5,
        -6.08e65,
        2.6e60,
        5e-4,
        1.23e-10,
        -2.3e-7,
        1.7e308,
        0.001,
        0.0012345,
        -2093.0,
        58112.3,
        0.00099996,
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"i": i, "v": v} for i, v in enumerate(values)]},
        "transform": [{"calculate": number_expr("datum.v"), "as": "shown"}],
        "mark": "text",
        "encoding": {
            "y": {"field": "i", "type": "ordinal", "axis": None},
            "text": {"field": "shown", "type": "nominal"},
        },
    }
    svg = vl_convert.vegalite_to_svg(json.dumps(spec, ensure_ascii=False))
    drawn = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert drawn == [num(v) for v in values]


def test_every_chart_has_its_own_file_name():
    tree = ast.parse((ROOT / "lessons" / "counting" / "page.py").read_text(encoding="utf-8"))
    names = [
        kw.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "charts.show"
        for kw in node.keywords
        if kw.arg == "name"
    ]
    calls = sum(isinstance(node, ast.Call) and ast.unparse(node.func) == "charts.show" for node in ast.walk(tree))
    assert len(names) == calls and len(set(names)) == len(names)


# --- Section 6: the gradient along time ------------------------------------------------------------------


def test_gradient_along_time_defaults_to_the_last_point_on_the_plot():
    at = open_app("counting")
    run = book_run()
    evaluated = run.params[: len(run.costs)]
    on_plot = np.flatnonzero(np.all(np.abs(evaluated) <= 3.0, axis=1))
    assert by_key(at, "slider", "counting.it").value == on_plot[-1]
    U, W = run.params[on_plot[-1]]
    assert f"W = {num(W)}" in texts(at) and f"$|W|$ = {num(abs(W))}" in texts(at)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "u, w", [(0.5, 1.5), (1.0, 1.0), (0.5, 1.0), (0.7, 0.0), (1.2, -1.5), (0.3, 0.6), (-2.0, -0.35), (2.5, 2.95)]
)
def test_gradient_along_time_reading_follows_the_computed_norms(lang, u, w):
    at = open_app("counting", lang=lang, params={"at": "hand", "u": str(u), "w": str(w)})
    assert_clean(at)
    assert not [s for s in at.slider if s.key == "counting.it"]  # no iteration to pick
    shown = texts(at)
    X, targets = counting.book_dataset()
    T = X.shape[1]
    output_gradient = 2.0 * (counting.forward(X, u, w)[:, -1] - targets)  # dxi/dS_T, by the chain rule
    if not np.any(output_gradient):
        expected = "counting.time_none"
    elif w == 0:
        expected = "counting.time_cut_to_zero"
    else:
        expected = {-1: "counting.time_fades", 0: "counting.time_kept", 1: "counting.time_grows"}[
            int(np.sign(abs(w) - 1))
        ]
        assert f"{num(abs(w) ** T)}" in shown or expected == "counting.time_kept"  # |W|^T from k = T back to 0
    assert opening(lang, expected) in shown
    alternates = w < 0 and np.any(output_gradient)
    assert (opening(lang, "counting.time_alternates") in shown) == alternates
    assert (opening(lang, "counting.time_not_drawn_zero") in shown) == (w == 0 and np.any(output_gradient))
    # the chart draws every state whose gradient is neither 0 nor overflowed, and nothing else
    drawn = list(chart_frames(at, -1)[0]["k"])
    expected_drawn = [] if not np.any(output_gradient) else [T] if w == 0 else list(range(T + 1))
    assert drawn == expected_drawn


def test_the_iteration_keeps_its_value_while_its_slider_is_not_drawn():
    """Reading section 1's U and W hides the iteration slider; the chosen iteration must stay in the session
    (a fragment's run reads every setting from it), and come back when the run is read again."""
    at = open_app("counting", params={"it": "12"})
    assert by_key(at, "slider", "counting.it").value == 12
    by_key(at, "radio", "counting.at").set_value("hand").run()
    assert_clean(at)
    assert not [s for s in at.slider if s.key == "counting.it"]
    assert at.session_state["counting.it"] == 12  # kept, not dropped with the slider
    assert url_of(at)["it"] == "12"
    by_key(at, "radio", "counting.at").set_value("run").run()
    assert by_key(at, "slider", "counting.it").value == 12


def test_a_typed_symbol_is_quoted_not_rendered():
    at = open_app("counting")
    by_key(at, "text_input", "counting.seq").input("1, [x](http://e.co)").run()
    assert "`[x](http://e`" in at.error[0].value  # a code span: shown as typed, not a link


def test_a_link_with_markup_for_language_is_quoted():
    at = open_app("counting", lang="[a](http://e.co)")
    assert_clean(at)
    assert "`[a](http://e.co)`" in at.warning[0].value


# --- Exercises, through the page itself ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_exercise_answered_wrong_then_right_on_the_page(lang, no_class):
    at = open_app("counting", lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("counting_output", at.session_state["exercise.counting_output"]["seed"])
    wrong = -ex.answer if ex.answer else ex.answer + 1
    type_and_check(at, lang, "counting_output", repr(wrong))
    assert_clean(at)
    assert catalog(lang)["exercise_box.wrong"].format(response=f"`{wrong!r}`") in [e.value for e in at.error]
    set_clock(at, 102.0)
    type_and_check(at, lang, "counting_output", repr(ex.answer))
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    assert at.session_state["exercise.counting_output"]["solved"]
    # The page agrees: at the exercise's own setting, section 2 shows that output.
    shown = open_app("counting", lang=lang, params=ex.page_params)
    assert metric(shown, "counting.output_y", lang) == num(ex.answer)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_safe_rate_exercise_reads_the_pages_own_widgets(lang, no_class):
    at = open_app("counting", lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("counting_safe_rate", at.session_state["exercise.counting_safe_rate"]["seed"])
    goal = ex.answer  # the exercise's data set, the book's start and iterations, and a rate that does not diverge
    by_key(at, "radio", "counting.data").set_value(goal["data"]).run()
    for name in ("n", "len", "seed", "u0", "w0", "iters"):
        if name in goal:
            by_key(at, "number_input", f"counting.{name}").set_value(goal[name]).run()
    headline = opening(lang, "counting.stop_headline")
    assert any(headline in e.value for e in at.error)  # at the book's rate this run diverges, and the page says so
    at.button(key="exercise.counting_safe_rate.check").click().run()
    assert catalog(lang)["exercises.counting_safe_rate_hint"] in [i.value for i in at.info]
    set_clock(at, 102.0)
    by_key(at, "number_input", "counting.lr").set_value(goal["lr"]).run()
    at.button(key="exercise.counting_safe_rate.check").click().run()
    assert_clean(at)
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    assert not any(headline in e.value for e in at.error)  # and the page no longer reports a divergence
