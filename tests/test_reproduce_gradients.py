"""'Reproduce in Python' for the gradients lesson: the script, filled with the page's settings, runs on its own
(rnn_core only, no Streamlit) and prints the numbers the page shows at those settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from apptest_helpers import open_app, page_values, run_script

from lessons.gradients import params, readings
from ui import registry, reproduce
from ui.i18n import catalog
from ui.numbers import num

ROOT = Path(__file__).resolve().parent.parent


def metric(at, key: str, **fields) -> str:
    label = catalog("en")[key].format(**fields) if fields else catalog("en")[key]
    return next(m.value for m in at.metric if m.label == label)


def assigned(text: str, name: str):
    """The value a script assigns to ``name`` (a literal)."""
    node = next(node for node in ast.parse(text).body if isinstance(node, ast.Assign) and node.targets[0].id == name)
    return ast.literal_eval(node.value)


def test_the_registered_params_are_the_pages_url_parameters_with_their_defaults_and_fill_the_script():
    defaults = {p.name: p.default for p in params.PARAMS}
    assert registry.page("gradients").params == params.PARAMS
    assert defaults == page_values(open_app("gradients"), "gradients")
    template = (ROOT / "lessons" / "gradients" / "reproduce.py").read_text(encoding="utf-8")
    assert assigned(template, "PARAMS") == {} and assigned(template, "CONSTANTS") == {}  # filled at download
    text = reproduce.script("gradients", defaults, "http://localhost/gradients")
    assert assigned(text, "PARAMS") == defaults
    constants = {k: list(v) if isinstance(v, tuple) else v for k, v in params.CONSTANTS.items()}  # as repr writes them
    assert assigned(text, "CONSTANTS") == constants


@pytest.mark.parametrize(
    "query",
    [
        {},
        {
            "w": "-0.85",
            "count_u": "0.4",
            "count_w": "-1.3",
            "kind": "orthogonal",
            "size": "12",
            "seed": "17",
            "rho": "1.08",
            "steps": "70",
            "xs": "2.2",
            "cliff_w": "7.3",
            "lr": "0.03",
            "clip": "0.6",
            "mem_rho": "0.7",
            "mem_len": "45",
            "mem_seed": "4",
        },
        {"kind": "typed", "matrix": "0.5 2; -1 0.3", "mem_rho": "1.4", "mem_len": "12"},
    ],
)
def test_the_script_prints_what_the_page_shows(query, tmp_path):
    at = open_app("gradients", params=query)
    values = page_values(at, "gradients")
    printed = run_script(reproduce.script("gradients", values, "http://localhost/gradients"), tmp_path)
    w = values["w"]
    steps = params.SERIES_STEPS
    assert num(float(printed[f"|W|^{steps}"])) == metric(
        at, "gradients.yours_end", w=num(w), exponent=readings.superscript(steps)
    )
    for key, (weight, m) in (
        ("gradients.book_explode", params.BOOK["explode"]),
        ("gradients.book_vanish", params.BOOK["vanish"]),
    ):
        assert num(float(printed[f"{weight}^{m}"])) == metric(at, key, power=f"{num(weight)}{readings.superscript(m)}")
    page = " ".join(m.value for m in at.markdown)
    assert f"{num(float(printed['gradient at the output (k = T)']))}" in page
    assert num(float(printed["spectral radius rho"]), 4) == metric(at, "gradients.rho_metric")
    assert num(float(printed["largest singular value lambda1"]), 4) == metric(at, "gradients.lambda1_metric")
    assert f"×{num(float(printed['linear rate per step']), 4)} a step" in page
    assert f"×{num(float(printed['tanh rate per step']), 4)} a step" in page
    assert num(float(printed["wall at b"]), 6) == metric(at, "gradients.wall_b_metric")
    assert num(float(printed["gradient norm on the wall"])) == metric(at, "gradients.grad_metric")
    assert num(float(printed["plain step length"])) == metric(at, "gradients.plain_step_metric")
    assert num(float(printed["clipped step length"])) == metric(at, "gradients.clipped_step_metric")
    assert num(float(printed["error at step T (RMS)"])) == metric(at, "gradients.error_metric")
    assert num(float(printed["error of always answering the average"])) == metric(at, "gradients.constant_metric")
    assert num(float(printed["gradient reaching step 1"])) == metric(at, "gradients.first_metric")
    faded_key = "gradients.memory_faded" if printed["faded"] == "True" else "gradients.memory_reaches"
    assert catalog("en")[faded_key].split("{")[0] in page


def test_a_typed_matrix_with_commas_survives_into_a_script_that_runs(tmp_path):
    typed = "0.5, 2; -1, 0.3"  # commas and semicolons, as a student types it
    at = open_app("gradients", params={"kind": "typed", "matrix": typed})
    text = reproduce.script("gradients", page_values(at, "gradients"), "http://localhost/gradients")
    assert assigned(text, "PARAMS")["matrix"] == typed
    printed = run_script(text, tmp_path)
    assert "the matrix cannot be read" not in printed
    assert num(float(printed["spectral radius rho"]), 4) == metric(at, "gradients.rho_metric")
    assert num(float(printed["largest singular value lambda1"]), 4) == metric(at, "gradients.lambda1_metric")
