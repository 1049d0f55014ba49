"""'Reproduce in Python': each lesson's script, filled with the page's settings, runs on its own (rnn_core only,
no Streamlit) and prints the numbers the page shows at those settings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from apptest_helpers import open_app, page_values, run_script
from streamlit_compat import chart_frames as chart_frames_of

from ui import registry, reproduce
from ui.i18n import catalog
from ui.numbers import num

ROOT = Path(__file__).resolve().parent.parent


def metric(at, key: str, **fields) -> str:
    label = catalog("en")[key].format(**fields)
    return next(m.value for m in at.metric if m.label == label)


def chart_frame(at, index: int):
    """The first data frame of one chart on the page (Streamlit ships it beside the spec, as Arrow)."""
    return chart_frames_of(at.get("vega_lite_chart")[index])[0]


def test_the_script_carries_the_settings_and_the_link_and_nothing_typed_runs():
    values = {"seq": '1"); import os; os.system("echo pwned"); ("', "u": 0.5}
    text = reproduce.script("counting", values, "http://x/counting?u=0.5")
    tree = ast.parse(text)
    params = next(node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "PARAMS")
    assert ast.literal_eval(params.value) == values  # the typed text is a string literal, nothing more
    assert "http://x/counting?u=0.5" in text
    assert reproduce.script("no-such-page", {}, "") is None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "seq": "1,1,0,1",
            "u": "0.8",
            "w": "0.5",
            "u0": "0.5",
            "w0": "1.5",
            "lr": "0.0001",
            "iters": "200",
            "data": "generated",
            "n": "20",
            "seed": "7",
        },
        {"u": "0.5", "w": "-1.5", "at": "hand", "u0": "-1.0", "w0": "0.5", "lr": "0.001"},
        {"it": "12", "lr": "0.0003"},
    ],
)
def test_counting_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("counting", params=params)
    values = page_values(at, "counting")
    assert set(values) >= {"seq", "u", "w", "u0", "w0", "lr", "iters", "at", "it"}
    printed = run_script(reproduce.script("counting", values, "http://localhost/counting"), tmp_path)
    assert num(float(printed["output y"])) == metric(at, "counting.output_y")
    assert num(float(printed["dcost/dU"])) == metric(at, "counting.grad_u")
    assert num(float(printed["dcost/dW"])) == metric(at, "counting.grad_w")
    last = printed["last full iteration"]
    assert num(float(printed["U there"])) == metric(at, "counting.final_u", it=last)
    assert num(float(printed["W there"])) == metric(at, "counting.final_w", it=last)
    assert num(float(printed["cost there"])) == metric(at, "counting.final_cost", it=last)
    assert metric(at, "counting.updates_done").startswith(printed["updates done"] + " /")
    diverged = printed["diverged at iteration"]
    headline = catalog("en")["counting.stop_headline"].format(iteration=diverged)
    assert (diverged != "None") == any(headline in e.value for e in at.error)
    # Section 6: the gradient along time, at the same point and state by state as the page's chart draws it.
    if values["at"] == "run":
        assert printed["gradient read at iteration"] == str(values["it"])
    assert f"W = {num(float(printed['gradient read at W']))}" in " ".join(m.value for m in at.markdown)
    chart = chart_frame(at, -1)
    norms = {
        int(k): float(v)
        for k, v in (
            (name[len("|dxi/dS_") : -1], value) for name, value in printed.items() if name.startswith("|dxi/dS_")
        )
    }
    assert len(norms) == len(counting_lengths(values)) + 1
    assert [num(norms[k]) for k in chart["k"]] == [num(v) for v in chart["norm"]]


def counting_lengths(values: dict) -> range:
    """The time steps of the page's training data: 10 for the book's, ``len`` for generated data."""
    return range(10 if values["data"] == "book" else values["len"])


LESSONS = [lesson for lesson in registry.lessons() if lesson.reproduce is not None]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_every_script_runs_at_the_pages_defaults(lesson, tmp_path):
    defaults = {p.name: p.default for p in lesson.params}
    assert defaults, f"{lesson.name} registers no params"
    printed = run_script(reproduce.script(lesson.name, defaults, f"http://localhost/{lesson.name}"), tmp_path)
    assert printed, f"{lesson.name} printed nothing"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_the_template_params_are_the_pages_url_parameters(lesson):
    # The names a script reads from PARAMS are the page's parameters: a renamed URL parameter breaks the script.
    text = lesson.reproduce.read_text(encoding="utf-8")
    read = set(re.findall(r"PARAMS\[\"(\w+)\"\]", text))
    declared = {p.name for p in lesson.params}
    assert read <= declared, read - declared
    assert declared == view_parameters(lesson.name)


def view_parameters(page: str) -> set[str]:
    """The parameter names the page mirrors in its URL, read from a real session of it."""
    return set(page_values(open_app(page), page))
