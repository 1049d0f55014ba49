"""The LSTM and home lessons' charts as templates (issue 23, item 3): at settings drawn at random from the lessons'
own Param specs, each chart the page draws is the chart its builder gives with the same rows inline (so the
shape cached once per language and size is the right one, and the cell state's colour domain is put where the
builder puts it), its rows hold what rnn_core computes there, and drawing it at a value no one used before builds
no Altair object.

The charts are called as the pages call them (outside a Streamlit run, in English); the pages themselves, in both
languages, are tests/test_app_lstm.py and tests/test_app_home.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from altair.utils import schemapi
from chart_helpers import assert_same_spec
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.home import figures as home_figures
from lessons.home import params as home_params
from lessons.home import readings as home
from lessons.lstm import figures, readings
from lessons.lstm.params import CLAMPS, PARAMS
from rnn_core import sweep, tasks
from ui import charts
from ui.i18n import t
from ui.numbers import num


def shipped_pair(task: str, lag: int) -> tuple[int, dict, tuple]:
    """The shipped lag nearest ``lag`` (any other is trained on request), its pair and fingerprint."""
    lags = readings.shipped(task).lags
    near = int(lags[np.argmin(np.abs(lags - lag))])
    pair = readings.models_for(task, near)
    return near, pair, readings.fingerprint(task, near, pair)


def frames(spec: dict) -> list[pd.DataFrame]:
    return list(spec["datasets"].values())


class Built:
    """Counts Altair objects constructed while it is active (``SchemaBase.__init__``)."""

    def __init__(self, monkeypatch):
        self.count = 0
        original = schemapi.SchemaBase.__init__

        def counted(obj, *args, **kwargs):
            self.count += 1
            return original(obj, *args, **kwargs)

        monkeypatch.setattr(schemapi.SchemaBase, "__init__", counted)


# --- LSTM: each chart is its builder's, with its rows inline, at random settings -----------------------------------


@settings(max_examples=15)
@given(settings_of(PARAMS))
def test_the_gate_heatmaps_are_their_builders_chart_and_hold_the_lstms_gates(s):
    lag, pair, fp = shipped_pair(s["task"], s["lag"])
    source = ("random", s["ex"])
    drawn = figures.gates_chart("en", fp, source, pair["lstm"]["run"])
    X, _ = readings.example_inputs(s["task"], lag, source)
    _, C, cache = tasks.lstm_insides(pair["lstm"]["run"], X)
    panels = figures.gate_panels(cache, C, C.shape[2])
    marked = tasks.marked_steps(X[0])
    rows = figures.heatmap_rows(panels, marked, t("lstm.marked"))
    inline = figures.gate_heatmaps(
        rows,
        T=X.shape[1],
        H=C.shape[2],
        layout=tuple((title, is_gate) for title, _, is_gate in panels),
        marked=True,
        bound=max(float(np.max(np.abs(C))), 1e-9),
        **figures.heatmap_titles(),
    )
    assert_same_spec(drawn, charts.vega_lite(inline))
    # what the browser draws: every gate and the cell state at every step and unit, the marked steps
    cells = next(df for df in frames(drawn) if "gate" in df)
    for title, values in ((t("lstm.panel_f"), cache["f"][0]), (t("lstm.panel_c"), C[0])):
        panel = cells[cells["panel"] == title].sort_values(["t", "unit"])
        np.testing.assert_allclose(panel["value"].to_numpy().reshape(values.shape), values, rtol=1e-6, atol=1e-7)
    rules = next(df for df in frames(drawn) if "label" in df)
    assert rules["t"].tolist() == (marked + 1).tolist()


@settings(max_examples=12)
@given(settings_of(PARAMS))
def test_the_flow_chart_is_its_builders_chart_and_holds_the_measured_flow(s):
    lag, pair, fp = shipped_pair(s["task"], s["lag"])
    forget = CLAMPS[s["clamp"]]
    drawn = figures.flow_chart("en", fp, forget, pair)
    lstm_flow, rnn_flow, T = readings.gradient_flows(fp, forget, pair)
    series = {
        t("lstm.series_rnn_h"): rnn_flow["dh"],
        t("lstm.series_lstm_c"): lstm_flow["dc"],
        t("lstm.series_lstm_h"): lstm_flow["dh"],
        t("lstm.series_cell_path"): lstm_flow["cell_path"],
    }
    marked = np.array([0]) if s["task"] == "first_symbol" else np.array([], int)
    inline = figures.flow_lines(
        figures.flow_rows(figures.flow_frame(series), marked),
        T=T,
        names=tuple(series),
        marked=bool(len(marked)),
        step_title=t("lstm.step_axis"),
        value_title=t("lstm.flow_axis"),
        series_title=t("lstm.flow_series"),
    )
    assert_same_spec(drawn, charts.vega_lite(inline))
    lines = next(df for df in frames(drawn) if "series" in df)
    for name, values in series.items():
        drawn_values = lines[lines["series"] == name]
        positive = np.flatnonzero(values > 0)
        assert drawn_values["step"].tolist() == (positive + 1).tolist()  # a log axis draws no zero
        np.testing.assert_array_equal(drawn_values["value"].to_numpy(), values[positive])


@settings(max_examples=15)
@given(settings_of(PARAMS))
def test_the_sweep_chart_is_its_builders_chart_and_marks_the_chosen_lag(s):
    drawn = figures.sweep_chart("en", s["task"], s["lag"])
    stored = readings.shipped(s["task"])
    titles = [t(readings.MODEL_NAMES[m]) for m in stored.models]
    rows = figures.rates_rows(
        figures.sweep_frame(stored.lags, sweep.summarise_sweep(stored), titles),
        tasks.CHANCE[s["task"]],
        t(readings.BASELINES[s["task"]]),
        s["lag"],
    )
    inline = figures.rates_by_lag(
        rows,
        lag_title=t(figures.LAG_AXES[s["task"]]),
        rate_title=t("lstm.rate_axis"),
        mean_title=t("lstm.col_mean"),
        range_title=t("lstm.col_range"),
        series_title=t("lstm.model_axis"),
        chance_label=t(readings.BASELINES[s["task"]]),
        marked=True,
    )
    assert_same_spec(drawn, charts.vega_lite(inline))
    assert [df["lag"].tolist() for df in frames(drawn) if list(df) == ["lag"]] == [[s["lag"]]]
    rates = next(df for df in frames(drawn) if "mean" in df)
    assert sorted(set(rates["lag"])) == stored.lags.tolist() and set(rates["series"]) == set(titles)


@settings(max_examples=6)
@given(task=st.sampled_from(tasks.TASKS), lag=st.integers(4, 60))
def test_the_training_curves_are_their_builders_chart(task, lag):
    lag, pair, fp = shipped_pair(task, lag)
    drawn = figures.curves_chart("en", fp, pair)
    curves = figures.curves_frame({t(readings.MODEL_NAMES[m]): pair[m]["run"] for m in ("lstm", "rnn")})
    inline = figures.training_curves(
        curves, step_title=t("lstm.update_axis"), value_title=t("lstm.solved_axis"), series_title=t("lstm.model_axis")
    )
    assert_same_spec(drawn, charts.vega_lite(inline))


def test_an_uploaded_models_charts_have_no_marked_steps_and_a_cell_scale_of_its_own():
    rng = np.random.default_rng(5)
    H, D = 40, 3  # more units than the heatmaps show
    weights = {
        **{f"W_{g}": rng.normal(size=(D, H)) for g in "fiao"},
        **{f"U_{g}": rng.normal(size=(H, H)) * 0.3 for g in "fiao"},
        **{f"b_{g}": rng.normal(size=H) for g in "fiao"},
    }
    steps = rng.normal(size=(9, D))
    fp = ("upload", steps.tobytes())
    gates = figures.own_gates_chart("en", fp, weights, steps)
    C, _, flow = readings.own_run(weights, steps)
    bound = float(np.max(np.abs(C[0, :, : figures.params.OWN_UNITS_SHOWN])))
    scales = [layer["encoding"]["color"]["scale"] for layer in gates["layer"] if "color" in layer.get("encoding", {})]
    assert scales == [{"scheme": "viridis", "domain": [0, 1]}, {"scheme": "blueorange", "domain": [-bound, bound]}]
    assert not any(layer["mark"]["type"] == "rule" for layer in gates["layer"])
    flows = figures.own_flow_chart("en", fp, weights, steps)
    assert "layer" not in flows and len(flows["datasets"]) == 1  # the lines alone: no rules
    lines = frames(flows)[0]
    assert set(lines["series"]) <= {t("lstm.series_lstm_c"), t("lstm.series_lstm_h"), t("lstm.series_cell_path")}
    assert lines["value"].max() == pytest.approx(max(float(np.max(v)) for v in flow.values()))


def test_a_template_is_shared_and_never_changed_by_a_draw():
    """Two examples with different cell states: each draw has its own colour domain, its largest cell state, and
    the cached shape keeps its placeholder."""
    lag, pair, fp = shipped_pair("first_symbol", 50)
    first, second = (figures.gates_chart("en", fp, ("random", ex), pair["lstm"]["run"]) for ex in (11, 12))
    domains = [spec["layer"][1]["encoding"]["color"]["scale"]["domain"] for spec in (first, second)]
    for ex, (low, high) in zip((11, 12), domains, strict=True):
        X, _ = readings.example_inputs("first_symbol", lag, ("random", ex))
        _, C, cache = tasks.lstm_insides(pair["lstm"]["run"], X)
        assert low == -high == -float(np.max(np.abs(C)))
    assert domains[0] != domains[1]
    layout = tuple((title, is_gate) for title, _, is_gate in figures.gate_panels(cache, C, C.shape[2]))
    shape = figures.heatmap_shape("en", C.shape[2], layout, True)
    assert shape.spec["layer"][1]["encoding"]["color"]["scale"]["domain"] == [-1.0, 1.0]
    assert shape.spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.5, 1.5]  # one step: the placeholder
    assert first["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.5, X.shape[1] + 0.5]


# --- home: each chart is its builder's, with its rows inline ------------------------------------------------------

HOME_TEXT = st.lists(st.sampled_from((-1.0, -0.5, 0.0, 0.5, 1.0, 3.0)), min_size=1, max_size=25).map(
    lambda xs: ", ".join(f"{x:g}" for x in xs)
)


@settings(max_examples=20)
@given(settings_of(home_params.PARAMS), HOME_TEXT)
def test_the_home_charts_are_their_builders_charts_and_hold_the_states(s, text):
    x, _ = home.read_sequence(text)
    key = (x, s["act"], s["hidden"], s["seed"], s["scale"])
    H, _ = home.states(*key)
    drawn = home.state_chart("en", *key)
    inline = home_figures.states(
        home_figures.states_rows(H)["states"],
        s["hidden"],
        step_title=t("home.t_axis"),
        unit_title=t("home.unit_axis"),
        value_title=t("home.state_value"),
    )
    assert_same_spec(drawn, charts.vega_lite(inline))
    cells = frames(drawn)[0]
    finite = np.isfinite(H)
    assert len(cells) == finite.sum()
    np.testing.assert_array_equal(cells["value"].to_numpy(), H[finite])

    diff = home.nudged(*key, s["delta"])["difference"]
    drawn = home.memory_chart("en", *key, s["delta"])
    rows = home_figures.nudge_rows(diff, s["delta"], t("home.delta_rule", delta=num(s["delta"])))
    inline = home_figures.nudge(
        rows,
        len(x),
        step_title=t("home.t_axis"),
        moved_title=t("home.difference_axis"),
        delta_title=t("home.delta_rule_title"),
    )
    assert_same_spec(drawn, charts.vega_lite(inline))
    rule = next(df for df in frames(drawn) if "label" in df)
    assert rule["difference"].tolist() == [s["delta"]]


# --- a new value builds no Altair object ----------------------------------------------------------------------------


def test_drawing_the_charts_at_values_no_one_used_builds_no_altair_object(monkeypatch):
    lag, pair, fp = shipped_pair("adding", 40)
    key = ((1.0, 0.0, 0.5, -1.0), "tanh", 5, 3, 1.0)
    # every shape seen once, at some values
    figures.gates_chart("en", fp, ("random", 1), pair["lstm"]["run"])
    figures.flow_chart("en", fp, None, pair)
    figures.sweep_chart("en", "adding", 7)
    figures.curves_chart("en", fp, pair)
    home.state_chart("en", *key)
    home.memory_chart("en", *key, 0.1)
    for chart in (figures.gates_chart, figures.flow_chart, figures.sweep_chart, home.state_chart, home.memory_chart):
        chart.clear()  # each draw below computed anew (the shapes' own caches kept)
    built = Built(monkeypatch)
    rng = np.random.default_rng(23)
    ex, seed, scale, delta = (
        int(rng.integers(2, 1000)),
        int(rng.integers(4, 999_999)),
        round(float(rng.choice(np.arange(2, 41))) * 0.05, 2),
        round(float(rng.integers(2, 1000)) * 0.001, 3),
    )
    figures.gates_chart("en", fp, ("random", ex), pair["lstm"]["run"])
    letters = "".join(rng.choice(list("ABCD"), int(rng.integers(8, 30))))  # a typed sequence: another length
    _, first, first_fp = shipped_pair("first_symbol", int(rng.choice(readings.shipped("first_symbol").lags)))
    typed = figures.gates_chart("en", first_fp, ("typed", letters), first["lstm"]["run"])
    figures.flow_chart("en", fp, CLAMPS["p9"], pair)
    figures.sweep_chart("en", "adding", int(rng.integers(8, 61)))
    hidden = int(rng.integers(6, 17))  # another number of units: another height, the same shape
    x = (1.0,) + (0.0,) * int(rng.integers(5, 40))  # another length: another x axis, the same shape
    states = home.state_chart("en", x, "tanh", hidden, seed, scale)
    nudge = home.memory_chart("en", x, "tanh", hidden, seed, scale, delta)
    assert built.count == 0
    assert typed["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.5, len(letters) + 0.5]
    assert states["height"] == home_figures.states_height(hidden)
    assert nudge["layer"][0]["encoding"]["x"]["scale"]["domain"] == [1, len(x)]
