"""'Reproduce in Python' for the optimizer lesson: the script, filled with the page's settings, runs on its own
(rnn_core only, no Streamlit) and prints the numbers the page shows at those settings."""

from __future__ import annotations

import ast

import pytest
from apptest_helpers import open_app, page_values, run_script

from lessons.counting import params
from ui import registry, reproduce
from ui.i18n import catalog
from ui.numbers import integer, num

TEXT = catalog("en")


def metric(at, key: str) -> str:
    return next(m.value for m in at.metric if m.label == TEXT[key])


def table(at, first_header: str) -> dict[str, list[str]]:
    for block in at.markdown:
        lines = block.value.splitlines()
        if lines and lines[0].startswith(f"| {first_header} |"):
            return {
                row[0].strip("*"): row[1:]
                for row in ([c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:])
            }
    raise AssertionError(first_header)


def shown(printed: dict, name: str) -> str:
    """A printed number as the page writes it (an overflowed cost in words)."""
    value = float(printed[name])
    return num(value) if value != float("inf") else TEXT["optimizers.overflowed"]


def assigned(script: str, name: str):
    """The value of the script's top-level assignment ``name = {...}``."""
    tree = ast.parse(script)
    node = next(node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == name)
    return ast.literal_eval(node.value)


def test_the_scripts_params_are_the_pages_url_parameters_with_their_defaults():
    # The template's settings are written at download: filled with the registered defaults, they are the page's
    # URL parameters as a page opened without any shows them, and the book's values are the lesson's.
    lesson = registry.page("optimizers")
    template = lesson.reproduce.read_text(encoding="utf-8")
    assert assigned(template, "PARAMS") == {} and assigned(template, "CONSTANTS") == {}
    defaults = {p.name: p.default for p in lesson.params}
    script = reproduce.script("optimizers", defaults, "http://localhost/optimizers")
    page = page_values(open_app("optimizers"), "optimizers")
    assert assigned(script, "PARAMS") == {k: (list(v) if isinstance(v, tuple) else v) for k, v in page.items()}
    book = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.BOOK.items()}
    assert assigned(script, "CONSTANTS") == {k: book[k] for k in ("start", "lr", "iters", "rprop_start", "rprop_step0")}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "u0": "-1.5",
            "w0": "2.0",
            "iters": "200",
            "goal": "0.1",
            "race": "momentum,rmsprop,adam,rprop,newton",
            "lr_rms": "0.01",
            "lr_adam": "0.05",
            "damp": "10000.0",
            "rp_var": "irprop-",
            "cth": "20.0",
            "rd0": "0.01",
            "nu": "1.05",
            "nw": "0.98",
            "ndamp": "50.0",
        },
        {
            "data": "generated",
            "n": "30",
            "len": "6",
            "seed": "4",
            "race": "sgd,clip,newton",
            "clip_by": "value",
            "lr_sgd": "0.002",
            "nu": "-1.4",
            "nw": "-0.9",
        },
    ],
)
def test_the_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app("optimizers", params=params)
    values = page_values(at, "optimizers")
    printed = run_script(reproduce.script("optimizers", values, "http://localhost/optimizers"), tmp_path)
    # 1. The race table: each racer's final (U, W), cost, when it reached ξ*, how it ended.
    rows = table(at, TEXT["optimizers.optimizer"])
    for runner in values["race"]:
        uw, cost, reached, ran = rows[TEXT[f"optimizers.name_{runner}"]]
        assert uw == f"({shown(printed, f'{runner} final U')}, {shown(printed, f'{runner} final W')})"
        assert cost == shown(printed, f"{runner} final cost")
        first = printed[f"{runner} first iteration with cost <= goal"]
        assert reached == (TEXT["optimizers.never"] if first == "None" else integer(int(first)))
        stopped = printed[f"{runner} diverged at iteration"]
        assert (ran == TEXT["optimizers.ran_all"].format(updates=values["iters"])) == (stopped == "None")
    # 3. Clipping.
    plain = printed["without clipping, diverged at iteration"]
    if plain != "None":
        assert metric(at, "optimizers.plain_diverges") == integer(int(plain))
    assert metric(at, "optimizers.final_cost_norm") == shown(printed, "final cost clipped by norm")
    assert metric(at, "optimizers.final_cost_value") == shown(printed, "final cost clipped by value")
    # 4. Rprop: the book's run and the three variants.
    assert metric(at, "optimizers.book_final_u") == num(float(printed["book's Rprop final U"]), 5)
    assert metric(at, "optimizers.book_final_cost") == shown(printed, "book's Rprop final cost")
    variants = table(at, TEXT["optimizers.variant_label"])
    for variant, key in (("rprop-", "variant_minus"), ("rprop+", "variant_plus"), ("irprop-", "variant_irprop")):
        uw, cost, _ = variants[TEXT[f"optimizers.{key}"]]
        assert uw == f"({shown(printed, f'{variant} final U')}, {shown(printed, f'{variant} final W')})"
        assert cost == shown(printed, f"{variant} final cost")
    # 5. Newton's step: the eigenvalues and what each step lands on.
    assert metric(at, "optimizers.lambda1") == shown(printed, "eigenvalue 1 of H")
    assert metric(at, "optimizers.lambda2") == shown(printed, "eigenvalue 2 of H")
    steps = table(at, TEXT["optimizers.step_title"])
    for (name, (length, after)), step in zip(
        steps.items(), ("gradient_step", "newton_plain", "newton_damped"), strict=True
    ):
        assert (length, after) == (shown(printed, f"{step} length"), shown(printed, f"{step} cost after")), name
