"""Charts whose shape does not change are not rebuilt (issue 23, item 3).

Two parts:
- the mechanism (ui/charts.py): a template's spec filled with rows equals the spec the same chart gives with its
  rows inline; filling builds no Altair object; a template is validated once and never mutated by a draw;
- every lesson: a student who opens it at a new value of any numeric setting (a value no one used before, drawn
  at random on the setting's grid) makes the server build no Altair object, once the lesson's charts have been
  drawn at another value. Building and validating an Altair chart was 60 % of the server's CPU under a class's
  random moves (py-spy, 40 sessions on the optimizers lesson); a filled template costs a few dict copies.
"""

from __future__ import annotations

import importlib
import math

import altair as alt
import numpy as np
import pandas as pd
import pytest
import streamlit as st
from altair.utils import schemapi
from apptest_helpers import assert_clean, open_app
from chart_helpers import AltairCounter

from ui import charts, registry
from ui.param import Param


def _lines(title: str):
    return alt.Chart(charts.slot("curve")).mark_line().encode(
        x=alt.X("step:Q", title="step"), y=alt.Y("cost:Q", title=title)
    ) + alt.Chart(charts.slot("rule")).mark_rule().encode(y=alt.Y("level:Q"))


@charts.template(max_entries=4)
def _shape(title: str):
    return _lines(title)


def _rows(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    n = int(rng.integers(2, 40))
    return {
        "curve": pd.DataFrame({"step": np.arange(n), "cost": rng.random(n)}),
        "rule": pd.DataFrame({"level": [float(rng.random())]}),
    }


def _inline(title: str, rows: dict[str, pd.DataFrame]):
    """The same chart with its rows inline: how the lessons built charts before templates."""
    curve = alt.Chart(rows["curve"]).mark_line().encode(x=alt.X("step:Q", title="step"), y=alt.Y("cost:Q", title=title))
    rule = alt.Chart(rows["rule"]).mark_rule().encode(y=alt.Y("level:Q"))
    return curve + rule


@pytest.mark.parametrize("seed", range(5))
def test_a_filled_template_is_the_spec_the_chart_gives_with_its_rows(seed):
    rng = np.random.default_rng(seed)
    rows = _rows(rng)
    filled = charts.filled(_shape("cost ξ"), rows)
    inline = charts.vega_lite(_inline("cost ξ", rows))
    assert filled.keys() == inline.keys()
    for key in filled:
        if key == "datasets":
            assert filled[key].keys() == inline[key].keys()
            for name in filled[key]:
                pd.testing.assert_frame_equal(filled[key][name], inline[key][name])
        else:
            assert filled[key] == inline[key], key
    assert "cost ξ" in filled["description"]


def test_filling_builds_no_altair_object_and_leaves_the_template_as_it_was(monkeypatch):
    shape = _shape("loss")
    before = repr(shape.spec)
    built = []
    original = schemapi.SchemaBase.__init__
    monkeypatch.setattr(
        schemapi.SchemaBase, "__init__", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    rng = np.random.default_rng(7)
    specs = [charts.filled(_shape("loss"), _rows(rng)) for _ in range(3)]
    assert built == []
    assert repr(shape.spec) == before  # the cached template is shared by every session: never changed by a draw
    assert len({tuple(spec["datasets"]) for spec in specs}) == 3  # each draw names its own rows by their content


def test_a_template_with_a_slot_left_empty_is_refused():
    with pytest.raises(KeyError, match="rule"):
        charts.filled(_shape("loss"), {"curve": pd.DataFrame({"step": [0], "cost": [1.0]})})


def test_a_spec_vega_lite_would_reject_is_refused_when_first_built():
    bad = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x=alt.X("x:Q"))
    bad.mark = "no-such-mark"  # set after construction, as a mistake in a builder could leave it
    with pytest.raises(schemapi.SchemaValidationError):
        charts.vega_lite(bad)


def test_a_shape_is_validated_once_whatever_its_rows(monkeypatch):
    validated = []
    original = schemapi.SchemaBase.validate.__func__
    monkeypatch.setattr(
        schemapi.SchemaBase, "validate", classmethod(lambda cls, *a, **k: validated.append(1) or original(cls, *a, **k))
    )
    rng = np.random.default_rng(3)
    title = f"only this test's shape {rng.random()}"  # a shape no other test validated in this process
    counts = []
    for _ in range(4):
        chart = _inline(title, _rows(rng))  # Altair checks some parts as they are made: not counted here
        validated.clear()
        charts.vega_lite(chart)
        counts.append(len(validated))
    assert counts[0] > 0 and counts[1:] == [0, 0, 0], counts


# --- Every lesson: a new value of a numeric setting builds no chart ---------------------------------------------


def _grid_values(param: Param, rng: np.random.Generator, n: int) -> list:
    """``n`` values of ``param`` on its own grid, none its default, drawn at random."""
    if param.kind == "int":
        pool = np.arange(int(param.lo), int(param.hi) + 1)
    else:
        step = param.step or (param.hi - param.lo) / 1000
        pool = param.lo + step * np.arange(int(math.floor((param.hi - param.lo) / step + 1e-9)) + 1)
    pool = pool[~np.isclose(pool, param.default)]
    picked = rng.choice(pool, size=min(n, pool.size), replace=False)
    return [int(v) if param.kind == "int" else float(round(v, 10)) for v in picked]


def _numeric(lesson: str) -> list[Param]:
    params = importlib.import_module(f"lessons.{lesson}.params").PARAMS
    return [p for p in params if p.kind in ("float", "int") and p.lo is not None and p.hi is not None and p.hi > p.lo]


# Mappings has no numeric setting (a choice and typed sequences): tests/test_mappings_templates.py types new inputs.
LESSONS = [lesson.name for lesson in registry.lessons() if lesson.name != "classroom" and _numeric(lesson.name)]


def test_every_lesson_with_a_numeric_setting_is_checked():
    assert {"home", "counting", "gradients", "optimizers", "lstm"} <= set(LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_new_value_of_any_numeric_setting_builds_no_chart(lesson, monkeypatch):
    params = _numeric(lesson)
    rng = np.random.default_rng(sum(map(ord, lesson)))
    for param in params:  # the lesson's charts drawn once, each setting at some value: every shape seen
        at = open_app(lesson, params={param.name: _grid_values(param, rng, 1)[0]})
        assert_clean(at)
    counter = AltairCounter().patch(monkeypatch)
    built = {}
    for param in params:
        for value in _grid_values(param, rng, 2):
            counter.count = 0
            at = open_app(lesson, params={param.name: value})
            assert_clean(at)
            if counter.count:
                built[f"{param.name}={value}"] = counter.count
    assert not built, f"{lesson}: Altair objects built at a new value: {built}"


def test_the_text_alternative_spans_every_layer_that_draws_a_quantity():
    curve = pd.DataFrame({"step": [0, 1, 2], "cost": [0.5, 0.25, 1.0]})
    rule = pd.DataFrame({"cost": [4.0]})
    chart = alt.Chart(curve).mark_line().encode(
        x=alt.X("step:Q", title="step"), y=alt.Y("cost:Q", title="cost")
    ) + alt.Chart(rule).mark_rule().encode(y=alt.Y("cost:Q", title="cost"))
    text = charts.vega_lite(chart)["description"]
    assert "cost from 0.25 to 4" in text and "step from 0 to 2" in text, text


def _two_draws():  # an AppTest script: the same chart drawn twice, once with a fixed-name data set's rows changed
    import altair as alt
    import pandas as pd

    from ui import charts

    spec = charts.vega_lite(
        alt.Chart(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})).mark_point().encode(x="x:Q", y="y:Q")
        + alt.Chart(alt.NamedData(name="moving_rows")).mark_rule().encode(x="x:Q")
    )
    for x in (0.5, 1.5):
        charts.show({**spec, "datasets": {**spec["datasets"], "moving_rows": pd.DataFrame({"x": [x]})}}, save=False)


def test_a_chart_sends_its_rows_as_streamlit_would_and_a_fixed_name_is_never_served_stale():
    from streamlit.dataframe_util import convert_anything_to_arrow_bytes
    from streamlit.testing.v1 import AppTest
    from streamlit_compat import chart_frames

    at = AppTest.from_function(_two_draws)
    at.run()
    assert_clean(at)
    first, second = (chart_frames(chart) for chart in at.get("vega_lite_chart"))
    assert [frame["x"].tolist() for frame in first] == [[1.0, 2.0], [0.5]]
    assert [frame["x"].tolist() for frame in second] == [[1.0, 2.0], [1.5]]
    sent = at.get("vega_lite_chart")[0].proto.datasets[0].data.data
    assert sent == convert_anything_to_arrow_bytes(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}))


def test_the_spec_cache_keys_plain_arguments_exactly_and_hashes_the_others():
    calls = []

    @charts.spec_cache(max_entries=4)
    def spec(lang, *values):
        calls.append((lang, values))
        return {"n": len(calls)}

    race = (("book", 50, 10, 1), (-2.0, 0.0), 500, (("sgd", (("lr", 0.0005),)),))
    first = spec("en", race)
    assert spec("en", race) is first and len(calls) == 1  # shared, not copied
    assert spec("en", (("book", 50, 10, 1), (-2.0, -0.0), 500, race[3])) is not first  # -0.0 is another start
    assert spec("ko", race) is not first and spec("en", race, True) is not first and spec("en", race, 1) is not first
    assert len(calls) == 5
    array = np.arange(3.0)
    by_hash = spec("en", array)
    assert spec("en", np.arange(3.0)) is by_hash and len(calls) == 6  # not plain: Streamlit's hashing, still cached
    assert spec("en", np.arange(4.0)) is not by_hash
    for _ in range(5):  # at most max_entries kept: the oldest are computed again
        spec("en", race, _ + 10)
    assert spec("en", race) is not first
    spec.clear()
    calls.clear()
    spec("en", race)
    spec("en", array)
    assert len(calls) == 2
    st.cache_resource.clear()  # as the app's own caches: dropped with Streamlit's
    spec("en", race)
    assert len(calls) == 3
