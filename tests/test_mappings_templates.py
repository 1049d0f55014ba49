"""The sequence-mappings lesson draws a typed input's states and probabilities from templates (issue 23, item 3).

- At inputs drawn at random (every mapping, every length the page reads), each filled template is the spec the
  same chart gives with its rows inline (``charts.vega_lite``, how the lesson built its charts before).
- A student who types a new input of a length the page has drawn before makes the server build no Altair object
  (the lesson has no numeric setting: its moves are the mapping and the typed inputs).
"""

from __future__ import annotations

import numpy as np
from apptest_helpers import assert_clean, open_app
from chart_helpers import AltairCounter, assert_same_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.mappings import figures
from lessons.mappings import readings as lesson
from lessons.mappings.params import INPUT_PARAM
from rnn_core import mappings
from ui import charts
from ui.i18n import t


@st.composite
def typed_inputs(draw) -> tuple[str, tuple[int, ...]]:
    """A mapping and an input it reads: a picture of 9 cells, or 1 to ``max_typed`` symbols."""
    task = draw(st.sampled_from(list(mappings.TASKS)))
    spec = mappings.TASKS[task]
    length = mappings.CELLS if task in mappings.PICTURES else draw(st.integers(1, spec.max_typed))
    symbols = draw(st.lists(st.integers(0, len(spec.inputs) - 1), min_size=length, max_size=length))
    return task, tuple(symbols)


def text_of(task: str, symbols: tuple[int, ...]) -> str:
    return "".join(mappings.TASKS[task].inputs[i] for i in symbols)


@given(typed_inputs())
@settings(max_examples=40)
def test_each_chart_filled_is_the_chart_with_its_rows_inline(typed):
    task, symbols = typed
    result = lesson.answer(task, symbols)
    steps = figures.run_steps(task, symbols)
    titles = {"step_title": t("mappings.step_axis")}  # in English: no session, the default language
    states = figures.states(
        figures.states_rows(result.states, steps),
        steps,
        mappings.TASKS[task].hidden,
        **titles,
        unit_title=t("mappings.unit_axis"),
        state_title=t("mappings.state_value"),
        show_steps=False,
    )
    assert_same_spec(figures.states_chart("en", task, symbols), figures.fit_width(charts.vega_lite(states)))
    classes = lesson.output_names(task)
    probabilities = figures.probabilities(
        figures.probabilities_rows(result.probs, steps, classes),
        steps,
        classes,
        **titles,
        class_title=t("mappings.output_axis"),
        prob_title=t("mappings.prob_axis"),
    )
    expected = figures.fit_width(charts.vega_lite(probabilities))
    assert_same_spec(figures.probabilities_chart("en", task, symbols), expected)


def test_a_new_input_of_a_length_seen_before_builds_no_chart(monkeypatch):
    rng = np.random.default_rng(23)
    inputs = {}
    for task in mappings.TASKS:  # two inputs of one length for each mapping, the second one new to the process
        spec = mappings.TASKS[task]
        length = mappings.CELLS if task in mappings.PICTURES else int(rng.integers(2, spec.max_typed + 1))
        drawn = [tuple(int(i) for i in rng.integers(0, len(spec.inputs), size=length)) for _ in range(2)]
        if task in mappings.PICTURES:  # a picture's steps are its shapes (and their end): the same count
            drawn[1] = tuple(drawn[0][::-1])
        inputs[task] = [text_of(task, symbols) for symbols in drawn]
    for task, (first, _) in inputs.items():
        assert_clean(open_app("mappings", params={"m": task, INPUT_PARAM[task]: first}))
    counter = AltairCounter().patch(monkeypatch)
    built = {}
    for task, (_, second) in inputs.items():
        counter.count = 0
        at = open_app("mappings", params={"m": task, INPUT_PARAM[task]: second})
        assert_clean(at)
        assert len(at.get("vega_lite_chart")) >= 2
        if counter.count:
            built[f"{task} {second}"] = counter.count
    assert not built, f"Altair objects built for a new input: {built}"
