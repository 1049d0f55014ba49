"""Home's 'Reproduce in Python' script, filled with the page's settings, prints the numbers the page shows."""

from __future__ import annotations

import pytest
from apptest_helpers import open_app, page_values, run_script, texts
from streamlit_compat import chart_frames as chart_frames_of

from ui import reproduce
from ui.i18n import catalog
from ui.numbers import num


def chart_frame(at, index: int):
    """The first data frame of one chart on the page (Streamlit ships it beside the spec, as Arrow)."""
    return chart_frames_of(at.get("vega_lite_chart")[index])[0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"x": "0.5 -1 2 0 0 1 0 0", "act": "tanh", "hidden": "6", "seed": "7", "scale": "1.35", "delta": "0.2"},
        {"x": "1 1 0 -1", "act": "logistic", "hidden": "5", "seed": "11", "scale": "0.7", "delta": "0.3"},
        {"x": "1 0 0 0 0 0 0 0 0 0", "act": "linear", "hidden": "3", "seed": "3", "scale": "1.6", "delta": "0.05"},
        {"x": "1, two", "act": "relu", "scale": "0.1"},  # a sequence the page cannot read: both show the default
    ],
)
def test_home_script_prints_what_the_page_shows(params, tmp_path):
    at = open_app(params=params)
    values = page_values(at, "home")
    assert set(values) == {"x", "act", "hidden", "seed", "scale", "delta"}
    printed = run_script(reproduce.script("home", values, "http://localhost/?lang=en"), tmp_path)
    shown = texts(at)
    # Section 2: the heatmap's last column is the last state, unit by unit.
    states = chart_frame(at, 0)
    T = int(printed["steps T"])
    last_column = states[states["t"] == T].sort_values("unit")["value"]
    assert [num(v) for v in last_column] == [
        num(float(printed[f"last state h_T, unit {u}"])) for u in range(1, len(last_column) + 1)
    ]
    # Section 3: the chart, step by step, and the sentence under it.
    moved = chart_frame(at, 1)
    assert [num(v) for v in moved["difference"]] == [
        num(float(printed[f"state moved at step {t}"])) for t in moved["t"]
    ]
    last = float(printed["last state moved by"])
    if last > 0:
        assert f"by {num(last)}: {num(float(printed['times the nudge']))} times the nudge" in shown
    # The comparisons: the neighbouring weight scales and the other activations (each line up to its verdict).
    lines = []
    for name, value in printed.items():
        if name.startswith("last state moved by at weight scale "):
            lines.append(
                catalog("en")["home.cmp_scale"]
                .split("{relation}")[0]
                .format(scale=num(float(name.rsplit(" ", 1)[1])), now=num(values["scale"]), value=num(float(value)))
            )
        elif name.startswith("last state moved by with f = "):
            lines.append(
                catalog("en")["home.cmp_activation"]
                .split("{relation}")[0]
                .format(act=catalog("en")[f"home.act_{name.rsplit(' ', 1)[1]}"], value=num(float(value)))
            )
    assert len(lines) >= 4 and all(f"- {line}" in shown for line in lines)
