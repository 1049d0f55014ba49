"""Lesson: LSTM gates, and why they keep the gradient alive."""

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import lstm, tasks
from ui import charts, lstm_charts, lstm_diagrams, page, urlstate
from ui.code_panel import under_the_hood
from ui.divergence import fmt
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE = "lstm"
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "lstm"
# Section 1's one-unit cell: (W_g, U_g, b_g) per gate, chosen so that every gate is partly open.
START_WEIGHTS = {"f": (0.5, 0.5, 1.0), "i": (1.0, -1.0, 0.0), "a": (1.0, 0.5, 0.0), "o": (1.0, 1.0, -0.5)}
KEEP_STEPS = 50  # section 2: what a "keep" gate below 1 leaves of the cell after this many steps
FLOW_BATCH, FLOW_SEED = 32, 2024  # section 4: the test sequences the gradient is sent back through
TRAIN_STEPS = 3000  # "train it now": at most this many updates, as for the shipped models ...
TRAIN_BUDGET = {"lstm": 12.0, "rnn": 8.0}  # ... and at most this many seconds (20 s in all) ...
TRAIN_SEED, TRAIN_STOP_AT = 0, 0.99  # ... with this seed, stopping once this share of the recent batches is solved
MAX_TRAINED = 8  # lags trained on request that the server keeps
CLAMPS = {"free": None, "one": 1.0, "p9": 0.9, "half": 0.5}
MODEL_NAMES = {"lstm": "lstm.model_lstm", "rnn": "lstm.model_rnn"}

P = {p.name: p for p in (
    Param("x", 1.0, "float", -3.0, 3.0, 0.1),
    Param("h", 0.5, "float", -1.0, 1.0, 0.05),
    Param("c", 1.0, "float", -5.0, 5.0, 0.1),
    *(Param(f"{kind}{g}", START_WEIGHTS[g][j], "float", -6.0, 6.0, 0.1)
      for g in lstm.GATES for j, kind in enumerate("wub")),
    Param("mode", "keep", "choice", options=tuple(lstm.CELL_MODES)),
    Param("out", "read", "choice", options=tuple(lstm.OUTPUT_MODES)),
    Param("sat", 4.0, "float", 1.0, 10.0, 0.5),
    Param("task", "first_symbol", "choice", options=tasks.TASKS),
    Param("lag", 50, "int", 4, 60),
    Param("src", "random", "choice", options=("random", "typed")),
    Param("ex", 0, "int", 0, 999),
    Param("seq", "BCADDBACCADBDCABBDACB", "text"),
    Param("clamp", "free", "choice", options=tuple(CLAMPS)),
)}


@st.cache_resource(max_entries=2, show_spinner=False)
def shipped(task: str) -> tasks.Sweep:
    """The lag sweep and its seed-0 models, written by scripts/train_lstm_models.py; shared read-only."""
    sweep = tasks.load_sweep(DATA_DIR / f"{task}.npz")
    for array in (sweep.lags, sweep.seeds, sweep.rates, sweep.steps, sweep.seconds,
                  *(a for r in sweep.results.values() for a in (*r.params.values(), r.losses, r.solved))):
        array.setflags(write=False)
    return sweep


@st.cache_resource(show_spinner=False)
def trained_store() -> dict:
    """Models trained on request, shared by every session (a classroom trains a lag once); oldest dropped."""
    return {"lock": threading.Lock(), "runs": {}}


# Charts are cached as Vega-Lite dicts (see ui/lstm_charts.vega_lite) on small keys: the language, and a
# fingerprint of the models (task, lag, and each model's updates and seconds, which tell apart models
# trained here); the models themselves are passed as _arguments, which Streamlit does not hash.


@st.cache_data(max_entries=32, show_spinner=False)
def curves_chart(lang: str, fingerprint: tuple, _pair: dict) -> dict:
    curves = lstm_charts.curves_frame({t(MODEL_NAMES[m]): _pair[m]["run"] for m in ("lstm", "rnn")})
    return charts.vega_lite(lstm_charts.training_curves(
        curves, step_title=t("lstm.update_axis"), value_title=t("lstm.solved_axis"),
        series_title=t("lstm.model_axis")))


@st.cache_data(max_entries=64, show_spinner=False)
def gates_chart(lang: str, fingerprint: tuple, X: np.ndarray, _run: tasks.TrainResult) -> dict:
    _, C, cache = tasks.lstm_insides(_run, X)
    panels = [(t("lstm.panel_f"), cache["f"][0], True), (t("lstm.panel_i"), cache["i"][0], True),
              (t("lstm.panel_o"), cache["o"][0], True), (t("lstm.panel_c"), C[0], False)]
    return charts.vega_lite(lstm_charts.gate_heatmaps(
        panels, tasks.marked_steps(X[0]), step_title=t("lstm.step_axis"), unit_title=t("lstm.unit_axis"),
        marked_title=t("lstm.marked")))


@st.cache_data(max_entries=64, show_spinner=False)
def gradient_flows(fingerprint: tuple, forget: float | None, _pair: dict) -> tuple[dict, dict, int]:
    """Section 4: the LSTM's and the RNN's gradient flow on FLOW_BATCH test sequences, and their length T."""
    task, lag = fingerprint[:2]
    Xb, _ = tasks.make_batch(task, FLOW_BATCH, lag, np.random.default_rng(FLOW_SEED))
    lstm_flow = tasks.gradient_flow(_pair["lstm"]["run"], Xb, forget)
    return lstm_flow, tasks.gradient_flow(_pair["rnn"]["run"], Xb), Xb.shape[1]


@st.cache_data(max_entries=64, show_spinner=False)
def flow_chart(lang: str, fingerprint: tuple, forget: float | None, _pair: dict) -> dict:
    lstm_flow, rnn_flow, T = gradient_flows(fingerprint, forget, _pair)
    series = {t("lstm.series_rnn_h"): rnn_flow["dh"], t("lstm.series_lstm_c"): lstm_flow["dc"],
              t("lstm.series_lstm_h"): lstm_flow["dh"]}
    flows = pd.DataFrame({"step": np.tile(np.arange(1, T + 1), len(series)),
                          "value": np.concatenate(list(series.values())), "series": np.repeat(list(series), T)})
    marked = np.array([0]) if fingerprint[0] == "first_symbol" else np.array([], int)
    return charts.vega_lite(lstm_charts.flow_lines(
        flows, step_title=t("lstm.step_axis"), value_title=t("lstm.flow_axis"),
        series_title=t("lstm.flow_series"), marked=marked))


@st.cache_data(max_entries=32, show_spinner=False)
def sweep_chart(lang: str, task: str, lag: int) -> dict:
    sweep = shipped(task)
    titles = [t(MODEL_NAMES[m]) for m in sweep.models]
    chance = {"first_symbol": "lstm.chance_label", "adding": "lstm.chance_label_adding"}[task]
    return charts.vega_lite(lstm_charts.sweep_chart(
        lstm_charts.sweep_frame(sweep.lags, tasks.summarise_sweep(sweep), titles), tasks.CHANCE[task],
        lag_title=t("lstm.lag_axis"), rate_title=t("lstm.rate_axis"), series_title=t("lstm.model_axis"),
        chance_label=t(chance), lag=lag))


def models_for(task: str, lag: int) -> dict | None:
    """The LSTM and the RNN at ``lag``: shipped, or trained here earlier; None when neither."""
    sweep = shipped(task)
    if lag in sweep.lags:
        j, s = list(sweep.lags).index(lag), list(sweep.seeds).index(sweep.settings["keep_seed"])
        return {model: {"run": sweep.results[(model, lag)], "rate": float(sweep.rates[m, j, s]),
                        "steps": int(sweep.steps[m, j, s]), "seconds": float(sweep.seconds[m, j, s]),
                        "stopped": sweep.results[(model, lag)].stopped}
                for m, model in enumerate(sweep.models)}
    return trained_store()["runs"].get((task, lag))


def train_now(task: str, lag: int) -> dict:
    """Train both models at ``lag`` with a progress bar, within TRAIN_BUDGET, and keep them for everyone."""
    store = trained_store()
    with store["lock"]:  # one training at a time on the server; a second request for the same lag reuses it
        if (task, lag) in store["runs"]:
            return store["runs"][(task, lag)]
        bar = st.progress(0.0, text=t("lstm.train_starting"))
        pair = {}
        for k, model in enumerate(("lstm", "rnn")):
            start, budget, name = time.perf_counter(), TRAIN_BUDGET[model], t(MODEL_NAMES[model])

            def report(step: int, n_steps: int, loss: float) -> None:
                done = min(1.0, max(step / n_steps, (time.perf_counter() - start) / budget))
                bar.progress((k + done) / 2, text=t("lstm.train_progress", model=name, step=step, loss=fmt(loss)))

            run = tasks.train(model, task, lag, n_steps=TRAIN_STEPS, seed=TRAIN_SEED, stop_at_solved=TRAIN_STOP_AT,
                              time_budget_s=budget, progress=report)
            pair[model] = {"run": run, "rate": tasks.success_rate(run), "steps": len(run.losses),
                           "seconds": run.elapsed_s, "stopped": run.stopped}
        bar.empty()
        store["runs"][(task, lag)] = pair
        while len(store["runs"]) > MAX_TRAINED:
            store["runs"].pop(next(iter(store["runs"])))
    return pair


v = urlstate.bind_page(PAGE, P.values())
page.frame("lstm.title", "lstm.intro")

# 1. One cell, by hand ------------------------------------------------------------------------------------------
page.section("lstm.cell_header")
st.markdown(t("lstm.cell_text"))
st.latex(r"\begin{aligned}"
         r"f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f) & i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) & "
         r"a_t &= \tanh(W_a x_t + U_a h_{t-1} + b_a)\\"
         r"c_t &= f_t \odot c_{t-1} + i_t \odot a_t & o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o) & "
         r"h_t &= o_t \odot \tanh(c_t)"
         r"\end{aligned}")
st.markdown(t("lstm.letters"))
s1, s2, s3 = st.columns(3)
with s1:
    urlstate.slider(PAGE, P["x"], t("lstm.x_label"))
with s2:
    urlstate.slider(PAGE, P["h"], t("lstm.h_label"))
with s3:
    urlstate.slider(PAGE, P["c"], t("lstm.c_label"))
GATE_TITLES = {"f": "lstm.gate_f", "i": "lstm.gate_i", "a": "lstm.gate_a", "o": "lstm.gate_o"}
with st.expander(t("lstm.weights_expander"), expanded=True):
    for column, g in zip(st.columns(4), lstm.GATES, strict=True):
        with column:
            st.markdown(f"**{t(GATE_TITLES[g])}**")
            for kind, symbol in (("w", "W"), ("u", "U"), ("b", "b")):
                urlstate.slider(PAGE, P[f"{kind}{g}"], f"{symbol}_{g}")
cell_params = lstm.one_unit_params({g: (v[f"w{g}"], v[f"u{g}"], v[f"b{g}"]) for g in lstm.GATES})
values = lstm.cell_values(v["x"], v["h"], v["c"], cell_params)
shown = {**values, "x": v["x"], "h_prev": v["h"], "c_prev": v["c"]}
DIAGRAM_LABELS = {"forget": t("lstm.gate_f"), "input": t("lstm.gate_i"), "candidate": t("lstm.gate_a"),
                  "output": t("lstm.gate_o"), "set": t("lstm.set_label")}
g1, g2 = st.columns([3, 2])
with g1:
    st.graphviz_chart(lstm_diagrams.cell(shown, DIAGRAM_LABELS))
    st.caption(t("lstm.diagram_caption"))
with g2:
    for row in ((("f", "lstm.metric_f"), ("i", "lstm.metric_i"), ("a", "lstm.metric_a")),
                (("o", "lstm.metric_o"), ("c", "lstm.metric_c"), ("h", "lstm.metric_h"))):
        for column, (name, key) in zip(st.columns(3), row, strict=True):
            column.metric(t(key), f"{values[name]:.4f}")
    st.markdown(t("lstm.cell_reading", kept=fmt(values["kept"]), written=fmt(values["written"]),
                  c=fmt(values["c"]), h=fmt(values["h"]), f=fmt(values["f"]), c_prev=fmt(v["c"])))

# 2. Operating modes -------------------------------------------------------------------------------------------
page.section("lstm.modes_header")
st.markdown(t("lstm.modes_text"))
MODE_NAMES = {"keep": "lstm.mode_keep", "erase": "lstm.mode_erase", "write": "lstm.mode_write",
              "read": "lstm.out_read", "hide": "lstm.out_hide"}
MODE_EFFECTS = {"keep": "lstm.what_keep", "erase": "lstm.what_erase", "write": "lstm.what_write",
                "read": "lstm.what_read", "hide": "lstm.what_hide"}
MODE_GATES = {**lstm.CELL_MODES, **{mode: {"o": o} for mode, o in lstm.OUTPUT_MODES.items()}}
st.markdown(lstm_charts.modes_table(
    MODE_GATES, {m: t(k) for m, k in MODE_NAMES.items()}, {m: t(k) for m, k in MODE_EFFECTS.items()},
    [t("lstm.col_mode"), t("lstm.metric_f"), t("lstm.metric_i"), t("lstm.metric_o"), t("lstm.col_what")], fmt))


def mode_name(mode: str) -> str:
    """A mode's radio label: its name and the gate values it sets, e.g. "keep (f = 1, i = 0)"."""
    return f"{t(MODE_NAMES[mode])} ({lstm_charts.gate_settings(MODE_GATES[mode], fmt)})"


o1, o2 = st.columns(2)
with o1:
    urlstate.choice(PAGE, P["mode"], t("lstm.mode_label"), mode_name)
with o2:
    urlstate.choice(PAGE, P["out"], t("lstm.out_label"), mode_name)
ideal = lstm.cell_values(v["x"], v["h"], v["c"], cell_params, lstm.mode_clamp(v["mode"], v["out"]))
d1, d2 = st.columns([3, 2])
with d1:
    st.graphviz_chart(lstm_diagrams.cell({**ideal, "x": v["x"], "h_prev": v["h"], "c_prev": v["c"]},
                                         DIAGRAM_LABELS, clamped=frozenset("fio")))
with d2:
    urlstate.slider(PAGE, P["sat"], t("lstm.sat_label"), help=t("lstm.sat_help"))
    real = lstm.cell_values(v["x"], v["h"], v["c"], cell_params, lstm.mode_clamp(v["mode"], v["out"], v["sat"]))
    compared = {t("lstm.row_ideal"): ideal, t("lstm.row_real", sat=fmt(v["sat"])): real}
    st.dataframe(pd.DataFrame({name: [r[k] for k in ("f", "i", "o", "c", "h")] for name, r in compared.items()},
                              index=["f", "i", "o", "cₜ", "hₜ"]),
                 column_config={name: st.column_config.NumberColumn(format="%.4f") for name in compared})
    high = lstm.gate_value(1.0, v["sat"])
    st.markdown(t("lstm.continuous_reading", sat=fmt(v["sat"]), high=f"{high:.4f}", low=f"{1 - high:.4f}",
                  steps=KEEP_STEPS, left=f"{lstm.memory_after(high, KEEP_STEPS):.1%}"))

st.subheader(t("lstm.story_header"))
story_value = fmt(lstm.STORY["a"][0])  # the book's value, written at step 1
st.markdown(t("lstm.story_text", value=story_value))
exact, realistic = lstm.story(), lstm.story(v["sat"])
STORY_STEPS = {1: "lstm.story_step1", 2: "lstm.story_step2", 3: "lstm.story_step3", 4: "lstm.story_step4"}
story_df = pd.DataFrame({
    t("lstm.col_step"): [t(STORY_STEPS[k], value=story_value) for k in (1, 2, 3, 4)],
    "aₜ": exact["a"], "f": exact["f"], "i": exact["i"], "o": exact["o"], "cₜ": exact["c"], "hₜ": exact["h"],
    t("lstm.col_c_real"): realistic["c"], t("lstm.col_h_real"): realistic["h"],
})
st.dataframe(story_df, hide_index=True, column_config={
    col: st.column_config.NumberColumn(format="%.4f") for col in story_df.columns[1:]})
st.info(t("lstm.story_reading", h=f"{exact['h'][-1]:.4f}", c_real=f"{realistic['c'][-1]:.4f}",
          h_real=f"{realistic['h'][-1]:.4f}", sat=fmt(v["sat"]), value=story_value, c=fmt(exact["c"][-1])),
        icon="📝")

# 3. A trained LSTM on a long-lag task --------------------------------------------------------------------------
page.section("lstm.trained_header")
TASK_NAMES = {"first_symbol": "lstm.task_first_symbol", "adding": "lstm.task_adding"}
TASK_TEXTS = {"first_symbol": "lstm.task_first_symbol_text", "adding": "lstm.task_adding_text"}
t1, t2 = st.columns([1, 2])
with t1:
    urlstate.choice(PAGE, P["task"], t("lstm.task_label"), lambda o: t(TASK_NAMES[o]))
sweep = shipped(v["task"])
shipped_lags = ", ".join(str(lag) for lag in sweep.lags)
with t2:
    urlstate.slider(PAGE, P["lag"], t("lstm.lag_label"), help=t("lstm.lag_help", lags=shipped_lags))
task, lag = v["task"], v["lag"]
st.markdown(t(TASK_TEXTS[task], lag=lag, tolerance=fmt(tasks.ADDING_TOLERANCE), chance=f"{tasks.CHANCE[task]:.0%}",
              window=tasks.ADDING_FIRST_WINDOW))
pair = models_for(task, lag)
lang = current_language()
if pair is None:
    offer = st.empty()
    with offer.container():
        st.info(t("lstm.not_shipped", lag=lag, lags=shipped_lags, seconds=int(sum(TRAIN_BUDGET.values()))),
                icon="🏋️")
        clicked = st.button(t("lstm.train_button", lag=lag), key="lstm_btn_train", type="primary")
    if clicked:
        pair = train_now(task, lag)
        offer.empty()

if pair is not None:
    fingerprint = (task, lag, *(pair[m][k] for m in ("lstm", "rnn") for k in ("steps", "seconds")))
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(t("lstm.rate_lstm"), f"{pair['lstm']['rate']:.1%}")
    r2.metric(t("lstm.rate_rnn"), f"{pair['rnn']['rate']:.1%}")
    r3.metric(t("lstm.steps_lstm"), pair["lstm"]["steps"])
    r4.metric(t("lstm.steps_rnn"), pair["rnn"]["steps"])
    STOPPED = {"done": "lstm.stopped_done", "solved": "lstm.stopped_solved", "time": "lstm.stopped_time",
               "diverged": "lstm.stopped_diverged"}
    shipped_here = lag in sweep.lags
    origin = "lstm.origin_shipped" if shipped_here else "lstm.origin_now"
    # How these models were trained: the sweep's stored settings, or this page's for a model trained here.
    trained_with = ({"seed": sweep.settings["keep_seed"], "stop": sweep.settings["stop_at_solved"],
                     "batch": sweep.settings["batch_size"]} if shipped_here else
                    {"seed": TRAIN_SEED, "stop": TRAIN_STOP_AT, "batch": tasks.DEFAULTS["batch_size"]})
    stop_fields = {"stop": f"{trained_with['stop']:.0%}", "window": tasks.SOLVED_WINDOW}
    st.caption(t(origin, lstm_stop=t(STOPPED[pair["lstm"]["stopped"]], **stop_fields),
                 rnn_stop=t(STOPPED[pair["rnn"]["stopped"]], **stop_fields),
                 lstm_s=f"{pair['lstm']['seconds']:.1f}", rnn_s=f"{pair['rnn']['seconds']:.1f}",
                 n_test=sweep.settings["n_test"], chance=f"{tasks.CHANCE[task]:.0%}", seed=trained_with["seed"]))
    with st.expander(t("lstm.curves_expander")):
        st.vega_lite_chart(curves_chart(lang, fingerprint, pair))
        st.caption(t("lstm.curves_caption", batch=trained_with["batch"]))

    st.subheader(t("lstm.example_header"))
    SOURCES = {"random": "lstm.src_random", "typed": "lstm.src_typed"}
    e1, e2 = st.columns([1, 2])
    if task == "first_symbol":
        with e1:
            urlstate.choice(PAGE, P["src"], t("lstm.src_label"), lambda o: t(SOURCES[o]))
    typed = task == "first_symbol" and v["src"] == "typed"
    with e2 if task == "first_symbol" else e1:
        if typed:
            urlstate.text(PAGE, P["seq"], t("lstm.seq_label"), help=t("lstm.seq_help", limit=tasks.MAX_TYPED_STEPS,
                                                                           least=tasks.MIN_TYPED_STEPS))
        else:
            urlstate.number(PAGE, P["ex"], t("lstm.ex_label"), help=t("lstm.ex_help"))
    if typed:
        try:
            symbols = tasks.parse_symbols(v["seq"])
        except tasks.SequenceError as err:
            SEQ_ERRORS = {"empty": "lstm.seq_error_empty", "symbol": "lstm.seq_error_symbol",
                          "too_short": "lstm.seq_error_too_short", "too_long": "lstm.seq_error_too_long"}
            st.error(t(SEQ_ERRORS[err.code], position=err.position, limit=tasks.MAX_TYPED_STEPS) + " "
                     + t("lstm.seq_error_fallback"), icon="✋")
            symbols = tasks.parse_symbols(P["seq"].default)
        X, targets = tasks.first_symbol_inputs(symbols), symbols[:1]
        if len(symbols) != lag + 1:
            st.info(t("lstm.length_notice", length=len(symbols), trained=lag + 1, lag=lag), icon="📏")
    else:
        X, targets = tasks.make_batch(task, 1, lag, np.random.default_rng(v["ex"]))
    marks = tasks.marked_steps(X[0])
    H, C, cache = tasks.lstm_insides(pair["lstm"]["run"], X)
    answers = {m: tasks.predict(pair[m]["run"], X)[0] for m in ("lstm", "rnn")}
    line = st.empty()  # the sequence in words, above the answers
    a1, a2, a3 = st.columns(3)
    if task == "first_symbol":
        line.markdown(t("lstm.sequence_line", letters=tasks.symbols_text(X[0]), first=tasks.SYMBOLS[targets[0]]))
        a1.metric(t("lstm.right_answer"), tasks.SYMBOLS[targets[0]])
        for column, m in ((a2, "lstm"), (a3, "rnn")):
            p = tasks.probabilities(answers[m][None, :])[0]
            column.metric(t("lstm.answer_of", model=t(MODEL_NAMES[m])), tasks.SYMBOLS[int(np.argmax(p))],
                          t("lstm.confidence", p=f"{p.max():.0%}"), delta_color="off", delta_arrow="off")
    else:
        line.markdown(t("lstm.adding_line", first=marks[0] + 1, second=marks[1] + 1, x1=f"{X[0, marks[0], 0]:.3f}",
                      x2=f"{X[0, marks[1], 0]:.3f}", target=f"{targets[0]:.3f}"))
        a1.metric(t("lstm.right_answer"), f"{targets[0]:.3f}")
        for column, m in ((a2, "lstm"), (a3, "rnn")):
            error = abs(answers[m][0] - targets[0])
            column.metric(t("lstm.answer_of", model=t(MODEL_NAMES[m])), f"{answers[m][0]:.3f}",
                          t("lstm.error_of", error=f"{error:.3f}"), delta_color="off", delta_arrow="off")
    st.vega_lite_chart(gates_chart(lang, fingerprint, X, pair["lstm"]["run"]), width="content")
    hold = tasks.forget_hold(cache["f"][0], cache["i"][0], int(marks[0]))
    unit = int(np.argmax(hold["product"]))
    st.markdown(t("lstm.hold_reading", unit=unit + 1, start=int(marks[0]) + 2, end=X.shape[1],
                  min_f=f"{hold['min'][unit]:.3f}", product=f"{hold['product'][unit]:.1%}",
                  input=f"{hold['input'][unit]:.2f}", lowest=f"{hold['min'].min():.3f}",
                  steps=X.shape[1] - int(marks[0]) - 1))

# 4. Why it works: the gradient highway -------------------------------------------------------------------------
page.section("lstm.why_header")
st.markdown(t("lstm.why_text"))
st.latex(r"\frac{\partial L}{\partial c_{t-1}} = \frac{\partial L}{\partial c_t}\odot f_t + \dots"
         r"\qquad\text{vs.}\qquad"
         r"\frac{\partial L}{\partial h_{t-1}} = \Big(\frac{\partial L}{\partial h_t}\odot \tanh'(\cdot)\Big)"
         r"\,W_{hh}^{\top}")
urlstate.choice(PAGE, P["clamp"], t("lstm.clamp_label"),
                lambda o: t("lstm.clamp_free") if CLAMPS[o] is None else t("lstm.clamp_to", f=fmt(CLAMPS[o])),
                horizontal=True)
if pair is None:
    st.info(t("lstm.needs_models"), icon="🏋️")
else:
    forget = CLAMPS[v["clamp"]]
    lstm_flow, rnn_flow, T = gradient_flows(fingerprint, forget, pair)
    st.vega_lite_chart(flow_chart(lang, fingerprint, forget, pair))
    st.caption(t("lstm.flow_caption", n=FLOW_BATCH, T=T))
    st.markdown(t("lstm.flow_reading", back=T - 1, rnn=fmt(rnn_flow["dh"][0]), lstm_c=fmt(lstm_flow["dc"][0]),
                  lstm_h=fmt(lstm_flow["dh"][0]), one=fmt(CLAMPS["one"]), half=fmt(CLAMPS["half"])))
    if forget is not None:
        st.info(t("lstm.clamp_note", f=fmt(forget), T=T, steps=T - 1, power=fmt(lstm.memory_after(forget, T - 1))),
                icon="🔧")

# 5. RNN against LSTM as the lag grows --------------------------------------------------------------------------
page.section("lstm.sweep_header")
st.markdown(t("lstm.sweep_text", task=t(TASK_NAMES[task]), tolerance=fmt(tasks.ADDING_TOLERANCE)))
summary = tasks.summarise_sweep(sweep)
model_titles = [t(MODEL_NAMES[m]) for m in sweep.models]
st.vega_lite_chart(sweep_chart(lang, task, lag))
st.dataframe(lstm_charts.sweep_table(sweep.lags, summary, model_titles, len(sweep.seeds), {
    "lag": t("lstm.col_lag"), "mean": t("lstm.col_mean"), "range": t("lstm.col_range"),
    "solved": t("lstm.col_solved")}), hide_index=True)
st.caption(t("lstm.sweep_caption", seeds=len(sweep.seeds), first=int(sweep.seeds[0]), last=int(sweep.seeds[-1]),
             steps=sweep.settings["n_steps"], stop=f"{sweep.settings['stop_at_solved']:.0%}",
             n_test=sweep.settings["n_test"], test_seed=sweep.settings["test_seed"],
             hidden=sweep.settings["hidden"], batch=sweep.settings["batch_size"], lr=sweep.settings["lr"],
             clip=fmt(sweep.settings["clip"]), bias=fmt(sweep.settings["forget_bias"]),
             solved=f"{tasks.SOLVED_RUN:.0%}", file=f"data/lstm/{task}.npz", window=tasks.SOLVED_WINDOW))
facts = tasks.sweep_facts(sweep)
reading = "lstm.sweep_reading" if facts["rnn"]["longest"] is not None else "lstm.sweep_reading_none"
BASELINES = {"first_symbol": "lstm.chance_label", "adding": "lstm.chance_label_adding"}
st.markdown(t(reading, lstm_solved=facts["lstm"]["solved"], rnn_solved=facts["rnn"]["solved"],
              runs=facts["lstm"]["runs"], rnn_longest=facts["rnn"]["longest"], max_lag=int(sweep.lags[-1]),
              hs_lag=tasks.BPTT_FAILED_BEYOND, rnn_first=f"{facts['rnn']['first_mean']:.0%}",
              rnn_last=f"{facts['rnn']['last_mean']:.0%}", first_lag=int(sweep.lags[0]),
              last_lag=int(sweep.lags[-1]), baseline=t(BASELINES[task]), chance=f"{tasks.CHANCE[task]:.0%}"))
for m, title in zip(sweep.models, model_titles, strict=True):
    spread = facts[m]["spread"]
    if spread is not None:  # some seeds solved a lag and others did not: the seed alone decided
        st.markdown(t("lstm.sweep_seeds", model=title, mixed=len(facts[m]["mixed"]), n_lags=len(sweep.lags),
                      lags=", ".join(str(lag) for lag in facts[m]["mixed"]), seeds=len(sweep.seeds),
                      lag=spread["lag"], solved=spread["solved"], low=f"{spread['low']:.1%}",
                      high=f"{spread['high']:.1%}"))

under_the_hood(lstm.cell_values, lstm.mode_clamp, lstm.gate_value, lstm.story, lstm.forward, lstm.gradient_flow,
               lstm._bptt, tasks.train, tasks.success_rate, tasks.lstm_insides, tasks.forget_hold,
               tasks.gradient_flow, tasks.rnn_gradient_flow, tasks.parse_symbols, tasks.lag_sweep,
               tasks.summarise_sweep, tasks.sweep_facts)
