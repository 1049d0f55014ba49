"""'Reproduce in Python' for the LSTM lesson: the script, filled with the page's settings, runs on its own
(rnn_core only, no Streamlit) and prints the numbers the page shows at those settings."""

from __future__ import annotations

import pytest
from apptest_helpers import open_app, page_values, run_script, texts

from lessons.lstm.params import WRITE_STEPS
from ui import reproduce
from ui.i18n import catalog
from ui.numbers import num, percent

CELL_METRICS = {
    "f": "lstm.metric_f",
    "i": "lstm.metric_i",
    "a": "lstm.metric_a",
    "o": "lstm.metric_o",
    "c": "lstm.metric_c",
    "h": "lstm.metric_h",
}


def metric(at, key: str, **fields) -> str:
    label = catalog("en")[key].format(**fields) if fields else catalog("en")[key]
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "x": "-1.5",
            "h": "-0.25",
            "c": "2.5",
            "wf": "1.2",
            "ba": "0.7",
            "mode": "erase",
            "out": "hide",
            "sat": "6.5",
            "task": "adding",
            "lag": "30",
            "ex": "7",
            "clamp": "half",
        },
        {"task": "first_symbol", "lag": "20", "src": "typed", "seq": "c a b d a b", "clamp": "p9"},
    ],
)
def test_lstm_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("lstm", params=params)
    values = page_values(at, "lstm")
    assert set(values) >= {"x", "wf", "task", "lag", "clamp"}
    printed = run_script(reproduce.script("lstm", values, "http://localhost/lstm"), tmp_path)
    for name, key in CELL_METRICS.items():
        assert num(float(printed[f"cell {name}"])) == metric(at, key)
    page = texts(at)
    assert num(float(printed[f"cell after {WRITE_STEPS} steps of writing with f = i = 1"])) in page
    table = at.table[0].value  # section 2: the chosen mode with ideal and with real gates
    ideal, real = (table[c].tolist() for c in table.columns)
    assert ideal == [num(float(printed[f"mode {g}, ideal"])) for g in "fioch"]
    assert real == [num(float(printed[f"mode {g}, real"])) for g in "fioch"]
    assert num(float(printed["story h_4, ideal gates"]), 4) in page
    assert metric(at, "lstm.rate_lstm") == percent(float(printed["lstm success rate"]))
    assert metric(at, "lstm.rate_rnn") == percent(float(printed["rnn success rate"]))
    task = values["task"]
    for model, title in (("lstm", "LSTM"), ("rnn", "tanh RNN")):
        answer = printed[f"{model} answer"]
        assert metric(at, "lstm.answer_of", model=title) == (answer if task == "first_symbol" else num(float(answer)))
    right = printed["right answer"]
    assert metric(at, "lstm.right_answer") == (right if task == "first_symbol" else num(float(right)))
    assert printed["unit keeping the most"] in page
    for line in ("tanh RNN h", "LSTM c (all paths)", "LSTM h (all paths)", "LSTM c (cell path alone)"):
        assert num(float(printed[f"gradient at k = 1, {line}"])) in page, line
    assert (
        f"**{printed['lstm runs solved'].split(' of ')[0]} of {printed['lstm runs solved'].split(' of ')[1]}**" in page
    )
