"""'Reproduce in Python' for the sequence-mappings lesson: the script, filled with the page's settings, runs on its
own (rnn_core only, no Streamlit) and prints the outputs and the accuracy the page shows."""

from __future__ import annotations

import ast

import pytest
from apptest_helpers import open_app, page_values, run_script, texts

from lessons.mappings.params import INPUT_PARAM, P
from lessons.mappings.readings import share
from ui import registry, reproduce
from ui.i18n import catalog
from ui.numbers import integer

WORDS = {
    "=": "out_tie",
    "neg": "out_neg",
    "even": "out_even",
    "pos": "out_pos",
    "off": "out_off",
    "on": "out_on",
    ".": "out_end",
}


def metric(at, key: str) -> str:
    label = catalog("en")[key]
    return next(m.value for m in at.metric if m.label == label)


def written(symbols: str) -> str:
    """The script's output symbols as the English page writes them."""
    return " ".join(catalog("en")[f"mappings.{WORDS[s]}"] if s in WORDS else s for s in symbols.split())


def assigned(script: str) -> dict[str, object]:
    """The script's ``PARAMS`` and ``CONSTANTS``, as Python reads them."""
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(script).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("PARAMS", "CONSTANTS")
    }


def test_the_script_at_the_lessons_defaults_carries_the_pages_url_parameters_and_which_input_each_reads():
    lesson = registry.page("mappings")
    defaults = {p.name: p.default for p in lesson.params}
    script = assigned(reproduce.script("mappings", defaults, "http://localhost/mappings"))
    shown = page_values(open_app("mappings"), "mappings")
    assert script["PARAMS"] == shown == {name: p.default for name, p in P.items()}
    # Every mapping reads one of the page's typed inputs, and every typed input is read by some mapping.
    inputs = script["CONSTANTS"]["input_param"]
    assert inputs == INPUT_PARAM and set(inputs) == set(P["m"].options)
    assert set(inputs.values()) == set(shown) - {"m"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"m": "seq2seq", "word": "abcdabcda"},
        {"m": "one_to_many", "picture": "123 321 100"},
        {"m": "many_to_many", "presses": "1" * 25},
        {"m": "one_to_one", "picture": "333 222 110"},
    ],
)
def test_the_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("mappings", params=params)
    values = page_values(at, "mappings")
    printed = run_script(reproduce.script("mappings", values, "http://localhost/mappings"), tmp_path)
    page = texts(at).replace(":red-background[", "").replace("]", "")  # wrong outputs are highlighted
    assert f"**The network's output:** {written(printed['outputs'])}" in page
    assert f"**The right answer:** {written(printed['right answer'])}" in page
    right = printed["whole output right"] == "True"
    assert (
        metric(at, "mappings.verdict") == catalog("en")["mappings.verdict_right" if right else "mappings.verdict_wrong"]
    )
    label = "mappings.shapes_metric" if values["m"] in ("one_to_one", "one_to_many") else "mappings.length_metric"
    assert metric(at, label) == printed["length"]
    # Section 4: the held-out accuracy, and the two sets' sizes.
    assert metric(at, "mappings.held_out_accuracy") == share(float(printed["held-out accuracy"]))
    assert metric(at, "mappings.held_out_count") == integer(int(printed["held-out inputs"]))
    assert metric(at, "mappings.train_count") == integer(int(printed["training inputs"]))
