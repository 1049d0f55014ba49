"""'Reproduce in Python' for the sequence-mappings lesson: the script, filled with the page's settings, runs on its
own (rnn_core only, no Streamlit) and prints the outputs and the accuracy the page shows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from apptest_helpers import open_app, page_values, run_script, texts

from lessons.mappings.readings import share
from ui import reproduce
from ui.i18n import catalog
from ui.numbers import integer

ROOT = Path(__file__).resolve().parent.parent
WORDS = {"=": "out_tie", "neg": "out_neg", "even": "out_even", "pos": "out_pos", "off": "out_off", "on": "out_on",
         ".": "out_end"}


def metric(at, key: str) -> str:
    label = catalog("en")[key]
    return next(m.value for m in at.metric if m.label == label)


def written(symbols: str) -> str:
    """The script's output symbols as the English page writes them."""
    return " ".join(catalog("en")[f"mappings.{WORDS[s]}"] if s in WORDS else s for s in symbols.split())


def test_the_scripts_params_are_the_pages_url_parameters_with_their_defaults():
    tree = ast.parse((ROOT / "lessons" / "mappings" / "reproduce.py").read_text(encoding="utf-8"))
    params = next(node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "PARAMS")
    at = open_app("mappings")
    assert ast.literal_eval(params.value) == page_values(at, "mappings")


@pytest.mark.parametrize("params", [
    {},
    {"m": "seq2seq", "word": "abcdabcda"},
    {"m": "one_to_many", "picture": "123 321 100"},
    {"m": "many_to_many", "presses": "1" * 25},
    {"m": "one_to_one", "picture": "333 222 110"},
])
def test_the_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("mappings", params=params)
    values = page_values(at, "mappings")
    printed = run_script(reproduce.script("mappings", values, "http://localhost/mappings"), tmp_path)
    page = texts(at).replace(":red-background[", "").replace("]", "")  # wrong outputs are highlighted
    assert f"**The network's output:** {written(printed['outputs'])}" in page
    assert f"**The right answer:** {written(printed['right answer'])}" in page
    right = printed["whole output right"] == "True"
    assert metric(at, "mappings.verdict") == catalog("en")["mappings.verdict_right" if right
                                                            else "mappings.verdict_wrong"]
    label = "mappings.shapes_metric" if values["m"] in ("one_to_one", "one_to_many") else "mappings.length_metric"
    assert metric(at, label) == printed["length"]
    # Section 4: the held-out accuracy, and the two sets' sizes.
    assert metric(at, "mappings.held_out_accuracy") == share(float(printed["held-out accuracy"]))
    assert metric(at, "mappings.held_out_count") == integer(int(printed["held-out inputs"]))
    assert metric(at, "mappings.train_count") == integer(int(printed["training inputs"]))
