"""What the LSTM lesson's sections draw and say: the shipped and trained models, cached chart specs, sentences.

Chart specs go through the one spec cache (:func:`ui.charts.spec_cache`), keyed on the language and small
inputs. The trained models themselves are passed as ``_arguments`` (not hashed) next to a :func:`fingerprint`
that determines them: the task, the lag, and each model's updates and seconds (which tell apart models trained
here from the shipped ones).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import lstm, tasks
from ui import charts, lstm_charts
from ui.divergence import fmt
from ui.i18n import t

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
GATE_TITLES = {"f": "lstm.gate_f", "i": "lstm.gate_i", "a": "lstm.gate_a", "o": "lstm.gate_o"}
MODE_NAMES = {"keep": "lstm.mode_keep", "erase": "lstm.mode_erase", "write": "lstm.mode_write",
              "read": "lstm.out_read", "hide": "lstm.out_hide"}
MODE_EFFECTS = {"keep": "lstm.what_keep", "erase": "lstm.what_erase", "write": "lstm.what_write",
                "read": "lstm.what_read", "hide": "lstm.what_hide"}
MODE_GATES = {**lstm.CELL_MODES, **{mode: {"o": o} for mode, o in lstm.OUTPUT_MODES.items()}}
STORY_STEPS = {1: "lstm.story_step1", 2: "lstm.story_step2", 3: "lstm.story_step3", 4: "lstm.story_step4"}
TASK_NAMES = {"first_symbol": "lstm.task_first_symbol", "adding": "lstm.task_adding"}
TASK_TEXTS = {"first_symbol": "lstm.task_first_symbol_text", "adding": "lstm.task_adding_text"}
BASELINES = {"first_symbol": "lstm.chance_label", "adding": "lstm.chance_label_adding"}
SOURCES = {"random": "lstm.src_random", "typed": "lstm.src_typed"}
STOPPED = {"done": "lstm.stopped_done", "solved": "lstm.stopped_solved", "time": "lstm.stopped_time",
           "diverged": "lstm.stopped_diverged"}
SEQ_ERRORS = {"empty": "lstm.seq_error_empty", "symbol": "lstm.seq_error_symbol",
              "too_short": "lstm.seq_error_too_short", "too_long": "lstm.seq_error_too_long"}


# --- the models ------------------------------------------------------------------------------------------------

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


def shipped_lags(task: str) -> str:
    return ", ".join(str(lag) for lag in shipped(task).lags)


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


def fingerprint(task: str, lag: int, pair: dict) -> tuple:
    """A small key that determines ``pair``: task, lag, and each model's updates and seconds."""
    return (task, lag, *(pair[m][k] for m in ("lstm", "rnn") for k in ("steps", "seconds")))


def trained_with(task: str, lag: int) -> dict:
    """How the models at ``lag`` were trained: the sweep's stored settings, or this page's for a model trained
    here."""
    sweep = shipped(task)
    if lag in sweep.lags:
        return {"seed": sweep.settings["keep_seed"], "stop": sweep.settings["stop_at_solved"],
                "batch": sweep.settings["batch_size"]}
    return {"seed": TRAIN_SEED, "stop": TRAIN_STOP_AT, "batch": tasks.DEFAULTS["batch_size"]}


def example_inputs(task: str, lag: int, source: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Section 3's example, (1, T, D) inputs and its target: ``("random", seed)`` draws one of the task's
    sequences; ``("typed", letters)`` is a first-symbol sequence typed by the student (already checked)."""
    if source[0] == "typed":
        symbols = tasks.parse_symbols(source[1])
        return tasks.first_symbol_inputs(symbols), symbols[:1]
    return tasks.make_batch(task, 1, lag, np.random.default_rng(source[1]))


def typed_symbols(text: str, default: str) -> tuple[str, str | None]:
    """The typed sequence as letters, and the error to show (then the letters are the default's), or None."""
    try:
        symbols = tasks.parse_symbols(text)
    except tasks.SequenceError as err:
        message = (t(SEQ_ERRORS[err.code], position=err.position, limit=tasks.MAX_TYPED_STEPS) + " "
                   + t("lstm.seq_error_fallback"))
        symbols = tasks.parse_symbols(default)
        return "".join(tasks.SYMBOLS[s] for s in symbols), message
    return "".join(tasks.SYMBOLS[s] for s in symbols), None


@st.cache_resource(max_entries=64, show_spinner=False)
def gradient_flows(fp: tuple, forget: float | None, _pair: dict) -> tuple[dict, dict, int]:
    """Section 4: the LSTM's and the RNN's gradient flow on FLOW_BATCH test sequences, and their length T
    (shared by every session; read-only)."""
    task, lag = fp[:2]
    Xb, _ = tasks.make_batch(task, FLOW_BATCH, lag, np.random.default_rng(FLOW_SEED))
    lstm_flow = tasks.gradient_flow(_pair["lstm"]["run"], Xb, forget)
    rnn_flow = tasks.gradient_flow(_pair["rnn"]["run"], Xb)
    for array in (*lstm_flow.values(), *rnn_flow.values()):
        array.setflags(write=False)
    return lstm_flow, rnn_flow, Xb.shape[1]


# --- chart specs ----------------------------------------------------------------------------------------------

@charts.spec_cache(max_entries=32)
def curves_chart(lang: str, fp: tuple, _pair: dict) -> dict:
    """The fraction of each training batch solved, both models."""
    curves = lstm_charts.curves_frame({t(MODEL_NAMES[m]): _pair[m]["run"] for m in ("lstm", "rnn")})
    return charts.vega_lite(lstm_charts.training_curves(
        curves, step_title=t("lstm.update_axis"), value_title=t("lstm.solved_axis"),
        series_title=t("lstm.model_axis")))


@charts.spec_cache(max_entries=64)
def gates_chart(lang: str, fp: tuple, source: tuple, _run: tasks.TrainResult) -> dict:
    """The trained LSTM's forget, input and output gates and its cell state along the example ``source``."""
    X, _ = example_inputs(*fp[:2], source)
    _, C, cache = tasks.lstm_insides(_run, X)
    panels = [(t("lstm.panel_f"), cache["f"][0], True), (t("lstm.panel_i"), cache["i"][0], True),
              (t("lstm.panel_o"), cache["o"][0], True), (t("lstm.panel_c"), C[0], False)]
    return charts.vega_lite(lstm_charts.gate_heatmaps(
        panels, tasks.marked_steps(X[0]), step_title=t("lstm.step_axis"), unit_title=t("lstm.unit_axis"),
        marked_title=t("lstm.marked")))


@charts.spec_cache(max_entries=64)
def flow_chart(lang: str, fp: tuple, forget: float | None, _pair: dict) -> dict:
    """Section 4: the gradient's size at each step, the RNN's hidden state against the LSTM's two states."""
    lstm_flow, rnn_flow, T = gradient_flows(fp, forget, _pair)
    series = {t("lstm.series_rnn_h"): rnn_flow["dh"], t("lstm.series_lstm_c"): lstm_flow["dc"],
              t("lstm.series_lstm_h"): lstm_flow["dh"]}
    flows = pd.DataFrame({"step": np.tile(np.arange(1, T + 1), len(series)),
                          "value": np.concatenate(list(series.values())), "series": np.repeat(list(series), T)})
    marked = np.array([0]) if fp[0] == "first_symbol" else np.array([], int)
    return charts.vega_lite(lstm_charts.flow_lines(
        flows, step_title=t("lstm.step_axis"), value_title=t("lstm.flow_axis"),
        series_title=t("lstm.flow_series"), marked=marked))


@charts.spec_cache(max_entries=32)
def sweep_chart(lang: str, task: str, lag: int) -> dict:
    """Section 5: success rate against lag, both models, the lag chosen in section 3 marked."""
    sweep = shipped(task)
    titles = [t(MODEL_NAMES[m]) for m in sweep.models]
    return charts.vega_lite(lstm_charts.sweep_chart(
        lstm_charts.sweep_frame(sweep.lags, tasks.summarise_sweep(sweep), titles), tasks.CHANCE[task],
        lag_title=t("lstm.lag_axis"), rate_title=t("lstm.rate_axis"), series_title=t("lstm.model_axis"),
        chance_label=t(BASELINES[task]), lag=lag))


# --- sections 1 and 2: the cell by hand ---------------------------------------------------------------------

def cell_params(v: dict) -> dict:
    """Section 1's one-unit cell from the page's values."""
    return lstm.one_unit_params({g: (v[f"w{g}"], v[f"u{g}"], v[f"b{g}"]) for g in lstm.GATES})


def diagram_labels() -> dict[str, str]:
    return {"forget": t("lstm.gate_f"), "input": t("lstm.gate_i"), "candidate": t("lstm.gate_a"),
            "output": t("lstm.gate_o"), "set": t("lstm.set_label")}


def cell_reading(values: dict, c_prev: float) -> str:
    return t("lstm.cell_reading", kept=fmt(values["kept"]), written=fmt(values["written"]), c=fmt(values["c"]),
             h=fmt(values["h"]), f=fmt(values["f"]), c_prev=fmt(c_prev))


def modes_table() -> str:
    """The operating modes as a Markdown table (gate values from rnn_core)."""
    return lstm_charts.modes_table(
        MODE_GATES, {m: t(k) for m, k in MODE_NAMES.items()}, {m: t(k) for m, k in MODE_EFFECTS.items()},
        [t("lstm.col_mode"), t("lstm.metric_f"), t("lstm.metric_i"), t("lstm.metric_o"), t("lstm.col_what")], fmt)


def mode_name(mode: str) -> str:
    """A mode's radio label: its name and the gate values it sets, e.g. "keep (f = 1, i = 0)"."""
    return f"{t(MODE_NAMES[mode])} ({lstm_charts.gate_settings(MODE_GATES[mode], fmt)})"


def ideal_and_real(ideal: dict, real: dict, sat: float) -> pd.DataFrame:
    """The cell with its gates set exactly, against gates that can only approach 0 and 1 (``sat``)."""
    compared = {t("lstm.row_ideal"): ideal, t("lstm.row_real", sat=fmt(sat)): real}
    return pd.DataFrame({name: [r[k] for k in ("f", "i", "o", "c", "h")] for name, r in compared.items()},
                        index=["f", "i", "o", "cₜ", "hₜ"])


def continuous_reading(sat: float) -> str:
    high = lstm.gate_value(1.0, sat)
    return t("lstm.continuous_reading", sat=fmt(sat), high=f"{high:.4f}", low=f"{1 - high:.4f}",
             steps=KEEP_STEPS, left=f"{lstm.memory_after(high, KEEP_STEPS):.1%}")


def story_value() -> str:
    return fmt(lstm.STORY["a"][0])  # the book's value, written at step 1


def story_table(sat: float) -> pd.DataFrame:
    """The book's four-step story with exact gates, and the cell and output with gates saturating at ``sat``."""
    exact, realistic = lstm.story(), lstm.story(sat)
    return pd.DataFrame({
        t("lstm.col_step"): [t(STORY_STEPS[k], value=story_value()) for k in (1, 2, 3, 4)],
        "aₜ": exact["a"], "f": exact["f"], "i": exact["i"], "o": exact["o"], "cₜ": exact["c"], "hₜ": exact["h"],
        t("lstm.col_c_real"): realistic["c"], t("lstm.col_h_real"): realistic["h"],
    })


def story_reading(sat: float) -> str:
    exact, realistic = lstm.story(), lstm.story(sat)
    return t("lstm.story_reading", h=f"{exact['h'][-1]:.4f}", c_real=f"{realistic['c'][-1]:.4f}",
             h_real=f"{realistic['h'][-1]:.4f}", sat=fmt(sat), value=story_value(), c=fmt(exact["c"][-1]))


# --- section 3: the trained pair ----------------------------------------------------------------------------

def task_text(task: str, lag: int) -> str:
    return t(TASK_TEXTS[task], lag=lag, tolerance=fmt(tasks.ADDING_TOLERANCE), chance=f"{tasks.CHANCE[task]:.0%}",
             window=tasks.ADDING_FIRST_WINDOW)


def origin_caption(task: str, lag: int, pair: dict) -> str:
    """Where the models come from, why each stopped training, and what they were tested on."""
    origin = "lstm.origin_shipped" if lag in shipped(task).lags else "lstm.origin_now"
    with_ = trained_with(task, lag)
    stop_fields = {"stop": f"{with_['stop']:.0%}", "window": tasks.SOLVED_WINDOW}
    return t(origin, lstm_stop=t(STOPPED[pair["lstm"]["stopped"]], **stop_fields),
             rnn_stop=t(STOPPED[pair["rnn"]["stopped"]], **stop_fields),
             lstm_s=f"{pair['lstm']['seconds']:.1f}", rnn_s=f"{pair['rnn']['seconds']:.1f}",
             n_test=shipped(task).settings["n_test"], chance=f"{tasks.CHANCE[task]:.0%}", seed=with_["seed"])


def example_line(task: str, X: np.ndarray, targets: np.ndarray) -> str:
    """The example sequence in words."""
    if task == "first_symbol":
        return t("lstm.sequence_line", letters=tasks.symbols_text(X[0]), first=tasks.SYMBOLS[targets[0]])
    marks = tasks.marked_steps(X[0])
    return t("lstm.adding_line", first=marks[0] + 1, second=marks[1] + 1, x1=f"{X[0, marks[0], 0]:.3f}",
             x2=f"{X[0, marks[1], 0]:.3f}", target=f"{targets[0]:.3f}")


def answers(task: str, X: np.ndarray, targets: np.ndarray, pair: dict) -> list[tuple[str, str, str | None]]:
    """The metrics under the example: the right answer, then each model's answer with its confidence or error,
    as ``(label, value, note)``."""
    rows = []
    for m in ("lstm", "rnn"):
        scores = tasks.predict(pair[m]["run"], X)[0]
        label = t("lstm.answer_of", model=t(MODEL_NAMES[m]))
        if task == "first_symbol":
            p = tasks.probabilities(scores[None, :])[0]
            rows.append((label, tasks.SYMBOLS[int(np.argmax(p))], t("lstm.confidence", p=f"{p.max():.0%}")))
        else:
            rows.append((label, f"{scores[0]:.3f}", t("lstm.error_of", error=f"{abs(scores[0] - targets[0]):.3f}")))
    right = tasks.SYMBOLS[targets[0]] if task == "first_symbol" else f"{targets[0]:.3f}"
    return [(t("lstm.right_answer"), right, None), *rows]


def hold_reading(run: tasks.TrainResult, X: np.ndarray) -> str:
    """Which unit holds the marked input longest: its lowest forget gate and what it keeps of its cell."""
    marks = tasks.marked_steps(X[0])
    _, _, cache = tasks.lstm_insides(run, X)
    hold = tasks.forget_hold(cache["f"][0], cache["i"][0], int(marks[0]))
    unit = int(np.argmax(hold["product"]))
    return t("lstm.hold_reading", unit=unit + 1, start=int(marks[0]) + 2, end=X.shape[1],
             min_f=f"{hold['min'][unit]:.3f}", product=f"{hold['product'][unit]:.1%}",
             input=f"{hold['input'][unit]:.2f}", lowest=f"{hold['min'].min():.3f}",
             steps=X.shape[1] - int(marks[0]) - 1)


# --- section 4: the gradient highway ------------------------------------------------------------------------

def clamp_name(option: str) -> str:
    return t("lstm.clamp_free") if CLAMPS[option] is None else t("lstm.clamp_to", f=fmt(CLAMPS[option]))


def flow_reading(lstm_flow: dict, rnn_flow: dict, T: int) -> str:
    return t("lstm.flow_reading", back=T - 1, rnn=fmt(rnn_flow["dh"][0]), lstm_c=fmt(lstm_flow["dc"][0]),
             lstm_h=fmt(lstm_flow["dh"][0]), one=fmt(CLAMPS["one"]), half=fmt(CLAMPS["half"]))


def clamp_note(forget: float, T: int) -> str:
    return t("lstm.clamp_note", f=fmt(forget), T=T, steps=T - 1, power=fmt(lstm.memory_after(forget, T - 1)))


# --- section 5: the sweep -------------------------------------------------------------------------------------

def sweep_table(task: str) -> pd.DataFrame:
    sweep = shipped(task)
    return lstm_charts.sweep_table(sweep.lags, tasks.summarise_sweep(sweep),
                                   [t(MODEL_NAMES[m]) for m in sweep.models], len(sweep.seeds), {
        "lag": t("lstm.col_lag"), "mean": t("lstm.col_mean"), "range": t("lstm.col_range"),
        "solved": t("lstm.col_solved")})


def sweep_caption(task: str) -> str:
    """How the sweep was run: seeds, updates, test set and every training setting, read from the stored file."""
    sweep = shipped(task)
    s = sweep.settings
    return t("lstm.sweep_caption", seeds=len(sweep.seeds), first=int(sweep.seeds[0]), last=int(sweep.seeds[-1]),
             steps=s["n_steps"], stop=f"{s['stop_at_solved']:.0%}", n_test=s["n_test"], test_seed=s["test_seed"],
             hidden=s["hidden"], batch=s["batch_size"], lr=s["lr"], clip=fmt(s["clip"]),
             bias=fmt(s["forget_bias"]), solved=f"{tasks.SOLVED_RUN:.0%}", file=f"data/lstm/{task}.npz",
             window=tasks.SOLVED_WINDOW)


def sweep_readings(task: str) -> list[str]:
    """What the sweep shows: how many runs each model solved, and, for a model whose seeds disagreed at some
    lag, that the seed alone decided there."""
    sweep = shipped(task)
    facts = tasks.sweep_facts(sweep)
    reading = "lstm.sweep_reading" if facts["rnn"]["longest"] is not None else "lstm.sweep_reading_none"
    lines = [t(reading, lstm_solved=facts["lstm"]["solved"], rnn_solved=facts["rnn"]["solved"],
               runs=facts["lstm"]["runs"], rnn_longest=facts["rnn"]["longest"], max_lag=int(sweep.lags[-1]),
               hs_lag=tasks.BPTT_FAILED_BEYOND, rnn_first=f"{facts['rnn']['first_mean']:.0%}",
               rnn_last=f"{facts['rnn']['last_mean']:.0%}", first_lag=int(sweep.lags[0]),
               last_lag=int(sweep.lags[-1]), baseline=t(BASELINES[task]), chance=f"{tasks.CHANCE[task]:.0%}")]
    for m in sweep.models:
        spread = facts[m]["spread"]
        if spread is not None:
            lines.append(t("lstm.sweep_seeds", model=t(MODEL_NAMES[m]), mixed=len(facts[m]["mixed"]),
                           n_lags=len(sweep.lags), lags=", ".join(str(lag) for lag in facts[m]["mixed"]),
                           seeds=len(sweep.seeds), lag=spread["lag"], solved=spread["solved"],
                           low=f"{spread['low']:.1%}", high=f"{spread['high']:.1%}"))
    return lines
