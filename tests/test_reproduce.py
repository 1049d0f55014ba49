"""'Reproduce in Python': each lesson's script, filled with the page's settings, runs on its own (rnn_core only,
no Streamlit) and prints the numbers the page shows at those settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from apptest_helpers import open_app, page_values, run_script

from ui import reproduce
from ui.divergence import fmt
from ui.i18n import catalog

ROOT = Path(__file__).resolve().parent.parent


def metric(at, key: str) -> str:
    label = catalog("en")[key]
    return next(m.value for m in at.metric if m.label == label)


def test_the_script_carries_the_settings_and_the_link_and_nothing_typed_runs():
    values = {"seq": '1"); import os; os.system("echo pwned"); ("', "u": 0.5}
    text = reproduce.script("counting", values, "http://x/counting?u=0.5")
    tree = ast.parse(text)
    params = next(node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "PARAMS")
    assert ast.literal_eval(params.value) == values  # the typed text is a string literal, nothing more
    assert "http://x/counting?u=0.5" in text
    assert reproduce.script("no-such-page", {}, "") is None


@pytest.mark.parametrize("params", [{}, {"seq": "1,1,0,1", "u": "0.8", "w": "0.5", "u0": "0.5", "w0": "1.5",
                                         "lr": "0.0001", "iters": "200", "data": "generated", "n": "20",
                                         "seed": "7"}])
def test_counting_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("counting", params=params)
    values = page_values(at, "counting")
    assert set(values) >= {"seq", "u", "w", "u0", "w0", "lr", "iters"}
    printed = run_script(reproduce.script("counting", values, "http://localhost/counting"), tmp_path)
    assert fmt(float(printed["output y"])) == metric(at, "counting.output_y")
    assert fmt(float(printed["dcost/dU"])) == metric(at, "counting.grad_u")
    assert fmt(float(printed["dcost/dW"])) == metric(at, "counting.grad_w")
    assert fmt(float(printed["final U"])) == metric(at, "counting.final_u")
    assert fmt(float(printed["final W"])) == metric(at, "counting.final_w")
    assert metric(at, "counting.updates_done").startswith(printed["updates done"] + " /")
    diverged = printed["diverged at iteration"]
    errors = " ".join(e.value for e in at.error)
    assert (diverged == "None") == ("diverg" not in errors.lower())


def test_every_script_runs_as_it_is_at_the_pages_defaults(tmp_path):
    for path in sorted((ROOT / "reproduce").glob("*.py")):
        printed = run_script(path.read_text(encoding="utf-8"), tmp_path)
        assert printed, f"{path.name} printed nothing"


def test_the_template_params_are_the_pages_url_parameters():
    # Each script's PARAMS names are the page's parameters: a renamed URL parameter would break the scripts.
    for path in sorted((ROOT / "reproduce").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        params = next(node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "PARAMS")
        names = set(ast.literal_eval(params.value))
        declared = view_parameters(path.stem)
        assert names == declared, (path.name, names ^ declared)


def view_parameters(page: str) -> set[str]:
    """The parameter names a view declares (``Param("name", ...)``), read from its source, not by running it."""
    tree = ast.parse((ROOT / "views" / f"{page}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Param" and node.args:
            names.add(ast.literal_eval(node.args[0]))
    return names
