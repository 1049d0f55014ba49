"""What the LSTM lesson's sections compute and say: the shipped and trained models, cached calls into rnn_core,
and the sentences that state a result.

The trained models are shared by every session (``st.cache_resource``, read-only); what determines a pair is
its :func:`fingerprint` (the task, the lag, and each model's updates and seconds, which tell apart models
trained here from the shipped ones), so the charts (:mod:`lessons.lstm.figures`) key on it and take the models
as ``_arguments``. Every number a student reads goes through :mod:`ui.numbers`; every sentence that states an
outcome is chosen from the values computed here. The settings are in :mod:`lessons.lstm.params`.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import streamlit as st

from lessons.lstm import params
from rnn_core import lstm, lstm_weights, sweep, tasks, typed_inputs
from ui import work_queue
from ui.i18n import t, verbatim
from ui.numbers import integer, latex, num, percent

PAGE = "lstm"
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "lstm"
MAX_TRAINED = 8  # lags trained on request that the server keeps
MAX_MB = lstm_weights.MAX_BYTES // (1024 * 1024)  # section 6: the largest weights file, in MB

MODEL_NAMES = {"lstm": "lstm.model_lstm", "rnn": "lstm.model_rnn"}
GATE_TITLES = {"f": "lstm.gate_f", "i": "lstm.gate_i", "a": "lstm.gate_a", "o": "lstm.gate_o"}
MODE_NAMES = {
    "keep": "lstm.mode_keep",
    "erase": "lstm.mode_erase",
    "write": "lstm.mode_write",
    "read": "lstm.out_read",
    "hide": "lstm.out_hide",
}
MODE_GATES = {**lstm.CELL_MODES, **{mode: {"o": o} for mode, o in lstm.OUTPUT_MODES.items()}}
TASK_NAMES = {"first_symbol": "lstm.task_first_symbol", "adding": "lstm.task_adding"}
TASK_TEXTS = {"first_symbol": "lstm.task_first_symbol_text", "adding": "lstm.task_adding_text"}
LAG_LABELS = {"first_symbol": "lstm.lag_label_first_symbol", "adding": "lstm.lag_label_adding"}
LAG_HELPS = {"first_symbol": "lstm.lag_help_first_symbol", "adding": "lstm.lag_help_adding"}
SWEEP_TEXTS = {"first_symbol": "lstm.sweep_text_first_symbol", "adding": "lstm.sweep_text_adding"}
SWEEP_READINGS = {"first_symbol": "lstm.sweep_reading_first_symbol", "adding": "lstm.sweep_reading_adding"}
SWEEP_SEEDS = {"first_symbol": "lstm.sweep_seeds_first_symbol", "adding": "lstm.sweep_seeds_adding"}
BASELINES = {"first_symbol": "lstm.chance_label", "adding": "lstm.chance_label_adding"}
SOURCES = {"random": "lstm.src_random", "typed": "lstm.src_typed"}
STOPPED = {"done": "lstm.stopped_done", "solved": "lstm.stopped_solved", "diverged": "lstm.stopped_diverged"}
SEQ_ERRORS = {
    "empty": "lstm.seq_error_empty",
    "symbol": "lstm.seq_error_symbol",
    "too_short": "lstm.seq_error_too_short",
    "too_long": "lstm.seq_error_too_long",
}
OWN_SEQ_ERRORS = {
    "empty": "lstm.own_error_empty",
    "symbol": "lstm.own_error_symbol",
    "mixed": "lstm.own_error_mixed",
    "row_size": "lstm.own_error_row_size",
    "count": "lstm.own_error_count",
    "letter": "lstm.own_error_letter",
    "too_large": "lstm.own_error_too_large",
    "too_long": "lstm.own_error_too_long",
}
WEIGHTS_ERRORS = {
    "too_large": "lstm.weights_too_large",
    "unreadable": "lstm.weights_unreadable",
    "not_weights": "lstm.weights_not_weights",
    "truncated": "lstm.weights_truncated",
    "header": "lstm.weights_header",
    "layers": "lstm.weights_layers",
    "bidirectional": "lstm.weights_bidirectional",
    "projection": "lstm.weights_projection",
    "missing_keys": "lstm.weights_missing_keys",
    "extra_keys": "lstm.weights_extra_keys",
    "dtype": "lstm.weights_dtype",
    "shapes": "lstm.weights_shapes",
    "too_big": "lstm.weights_too_big",
    "non_finite": "lstm.weights_non_finite",
}
# The codes whose detail may be empty (nothing to name): their message without the parenthesis.
WEIGHTS_ERRORS_PLAIN = {
    "unreadable": "lstm.weights_unreadable_plain",
    "not_weights": "lstm.weights_not_weights_plain",
    "header": "lstm.weights_header_plain",
}


# --- the models ------------------------------------------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner=False)
def shipped(task: str) -> sweep.Sweep:
    """The lag sweep and its seed-0 models, written by scripts/train_lstm_models.py; shared read-only."""
    stored = sweep.load_sweep(DATA_DIR / f"{task}.npz")
    for array in (
        stored.lags,
        stored.seeds,
        stored.rates,
        stored.steps,
        stored.seconds,
        *(a for r in stored.results.values() for a in (*r.params.values(), r.losses, r.solved)),
    ):
        array.setflags(write=False)
    return stored


@st.cache_resource(show_spinner=False)
def trained_store() -> dict:
    """Models trained on request, shared by every session (a classroom trains a lag once); oldest dropped. The
    lock guards the dict: the work queue's thread writes it while sessions read it."""
    return {"lock": threading.Lock(), "runs": {}}


def shipped_lags(task: str) -> str:
    return ", ".join(integer(lag) for lag in shipped(task).lags)


def models_for(task: str, lag: int) -> dict | None:
    """The LSTM and the RNN at ``lag``: shipped, or trained here earlier; None when neither."""
    stored = shipped(task)
    if lag in stored.lags:
        j, s = list(stored.lags).index(lag), list(stored.seeds).index(stored.settings["keep_seed"])
        return {
            model: {
                "run": stored.results[(model, lag)],
                "rate": float(stored.rates[m, j, s]),
                "steps": int(stored.steps[m, j, s]),
                "seconds": float(stored.seconds[m, j, s]),
                "stopped": stored.results[(model, lag)].stopped,
            }
            for m, model in enumerate(stored.models)
        }
    return trained_store()["runs"].get((task, lag))


def training_settings(task: str) -> dict:
    """How a pair is trained here on request: exactly as the shipped ones (every setting the sweep stored, and
    its kept seed), with a budget in updates, so a lag trained here is the same on every machine and in the
    reproduce script. Keys: ``seed``, :data:`rnn_core.tasks.TRAIN_SETTINGS`, ``n_test``, ``test_seed``."""
    s = shipped(task).settings
    return {"seed": s["keep_seed"], **{k: s[k] for k in (*tasks.TRAIN_SETTINGS, "n_test", "test_seed")}}


def train_queued(task: str, lag: int) -> dict | None:
    """Both models trained at ``lag`` and kept for everyone, on demand: through the server's work queue (one training
    at a time; a class asking for the same lag trains it once). None until they are done; meanwhile the offer to
    train them, or once asked the waiting box with the student's place or the training's progress and a Cancel
    button, is drawn here."""
    store, how = trained_store(), training_settings(task)
    if (task, lag) in store["runs"]:
        return store["runs"][(task, lag)]
    names = {model: t(name) for model, name in MODEL_NAMES.items()}

    def progress(job: work_queue.Job) -> str:
        v = job.values
        return t("lstm.train_progress", model=names[v["model"]], step=integer(v["step"]), loss=num(v["loss"]))

    def run(job: work_queue.Job) -> dict:
        return _train_pair(store, how, task, lag, job)

    return work_queue.on_demand(
        ("lstm-train", task, lag),
        run,
        t("lstm.train_job", lag=integer(lag)),
        not_shipped(task, lag),
        button=t("lstm.train_button", lag=integer(lag)),
        icon=":material/model_training:",
        progress=progress,
        slot="lstm",
    )


def _train_pair(store: dict, how: dict, task: str, lag: int, job) -> dict:
    """The work queue's job: train the LSTM, then the RNN, reporting progress (where a cancel stops it)."""
    pair = {}
    for k, model in enumerate(("lstm", "rnn")):

        def report(step: int, n_steps: int, loss: float) -> None:
            job.report((k + step / n_steps) / 2, model=model, step=step, loss=loss)

        run = tasks.train(
            model, task, lag, seed=how["seed"], progress=report, **{k: how[k] for k in tasks.TRAIN_SETTINGS}
        )
        pair[model] = {
            "run": run,
            "rate": tasks.success_rate(run, how["n_test"], how["test_seed"]),
            "steps": len(run.losses),
            "seconds": run.elapsed_s,
            "stopped": run.stopped,
        }
    with store["lock"]:
        store["runs"][(task, lag)] = pair
        while len(store["runs"]) > MAX_TRAINED:
            store["runs"].pop(next(iter(store["runs"])))
    return pair


def fingerprint(task: str, lag: int, pair: dict) -> tuple:
    """A small key that determines ``pair``: task, lag, and each model's updates and seconds."""
    return (task, lag, *(pair[m][k] for m in ("lstm", "rnn") for k in ("steps", "seconds")))


def example_inputs(task: str, lag: int, source: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Section 3's example, (1, T, D) inputs and its target: ``("random", seed)`` draws one of the task's
    sequences; ``("typed", letters)`` is a first-symbol sequence typed by the student (already checked)."""
    if source[0] == "typed":
        symbols = typed_inputs.parse_symbols(source[1])
        return tasks.first_symbol_inputs(symbols), symbols[:1]
    return tasks.make_batch(task, 1, lag, np.random.default_rng(source[1]))


def typed_symbols(text: str, default: str) -> tuple[str, typed_inputs.SequenceError | None]:
    """The typed sequence as letters and None, or the default's letters and the error to show."""
    try:
        symbols = typed_inputs.parse_symbols(text)
    except typed_inputs.SequenceError as err:
        symbols = typed_inputs.parse_symbols(default)
        return "".join(tasks.SYMBOLS[s] for s in symbols), err
    return "".join(tasks.SYMBOLS[s] for s in symbols), None


@st.cache_resource(max_entries=64, show_spinner=False)
def gradient_flows(fp: tuple, forget: float | None, _pair: dict) -> tuple[dict, dict, int]:
    """Section 4: the LSTM's and the RNN's gradient flow on the FLOW_BATCH test sequences, and their length T
    (shared by every session; read-only)."""
    task, lag = fp[:2]
    Xb, _ = tasks.make_batch(task, params.FLOW_BATCH, lag, np.random.default_rng(params.FLOW_SEED))
    lstm_flow = tasks.gradient_flow(_pair["lstm"]["run"], Xb, forget)
    rnn_flow = tasks.gradient_flow(_pair["rnn"]["run"], Xb)
    for array in (*lstm_flow.values(), *rnn_flow.values()):
        array.setflags(write=False)
    return lstm_flow, rnn_flow, Xb.shape[1]


# --- sections 1 and 2: the cell by hand ---------------------------------------------------------------------


def cell_weights(v: dict) -> tuple:
    """Section 1's gate weights from the page's values, ``((w, u, b) per gate)`` in ``lstm.GATES`` order: small
    and hashable, a cache key."""
    return tuple((v[f"w{g}"], v[f"u{g}"], v[f"b{g}"]) for g in lstm.GATES)


def weights_cell(weights: tuple) -> dict:
    """The one-unit cell of :func:`cell_weights`' tuple."""
    return lstm.one_unit_params(dict(zip(lstm.GATES, weights, strict=True)))


def cell_params(v: dict) -> dict:
    """Section 1's one-unit cell from the page's values."""
    return weights_cell(cell_weights(v))


def cell_reading(values: dict, c_prev: float) -> str:
    return t(
        "lstm.cell_reading",
        kept=num(values["kept"]),
        written=num(values["written"]),
        c=num(values["c"]),
        h=num(values["h"]),
        f=num(values["f"]),
        c_prev=num(c_prev),
    )


@st.cache_resource(max_entries=256, show_spinner=False)
def growth(x: float, h: float, c: float, weights: tuple) -> tuple[float, float]:
    """Section 1's cell writing for WRITE_STEPS steps with f = i = 1 (:func:`rnn_core.lstm.keep_writing`): its last
    cell state and the mean value written. Shared by every session: a first view (the defaults) and a move of
    section 2, which reruns section 1 with its cell unchanged, cost a look-up, not fifty LSTM steps (3 ms)."""
    C, a = lstm.keep_writing(x, h, c, weights_cell(weights), params.WRITE_STEPS)
    return float(C[-1]), float(np.mean(a))


def growth_reading(v: dict) -> str:
    """Section 1: the note's "tanh keeps the cell from exploding", against this cell writing with f = i = 1."""
    steps = params.WRITE_STEPS
    c_end, written = growth(v["x"], v["h"], v["c"], cell_weights(v))
    grows = abs(c_end) > abs(v["c"]) + 1.0
    return t(
        "lstm.growth_grows" if grows else "lstm.growth_small",
        steps=steps,
        x=num(v["x"]),
        c0=num(v["c"]),
        c_end=num(c_end),
        bound=num(abs(v["c"]) + steps),
        a=num(written),
    )


def mode_name(mode: str) -> str:
    """A mode's radio label: its name and the gate values it sets, e.g. "keep (f = 1, i = 0)"."""
    return f"{t(MODE_NAMES[mode])} ({', '.join(f'{g} = {num(v)}' for g, v in MODE_GATES[mode].items())})"


def continuous_reading(sat: float) -> str:
    """Section 2's realistic gate. f is written to 4 digits: raised to a hundred steps (the memory exercise),
    3 digits can be 2 % off the share left."""
    high = lstm.gate_value(1.0, sat)
    return t(
        "lstm.continuous_reading",
        sat=num(sat),
        high=num(high, 4),
        low=num(1 - high),
        steps=params.KEEP_STEPS,
        left=percent(lstm.memory_after(high, params.KEEP_STEPS)),
    )


def story_value() -> str:
    return num(params.BOOK_STORY["a"][0])  # the book's value, written at step 1


@st.cache_resource(max_entries=64, show_spinner=False)
def stories(sat: float) -> tuple[dict, dict]:
    """The book's story (:func:`rnn_core.lstm.story`) with exact gates and with gates saturating at ``sat``, for
    its table and the sentence under it. Shared by every session, read-only: only ``sat`` changes it, and the
    moves of section 1, which rerun section 2, do not."""
    exact, realistic = lstm.story(params.BOOK_STORY), lstm.story(params.BOOK_STORY, sat)
    for array in (*exact.values(), *realistic.values()):
        array.setflags(write=False)
    return exact, realistic


def story_reading(sat: float) -> str:
    exact, realistic = stories(sat)
    return t(
        "lstm.story_reading",
        h=num(exact["h"][-1], 4),
        c_real=num(realistic["c"][-1], 4),
        h_real=num(realistic["h"][-1], 4),
        sat=num(sat),
        value=story_value(),
        value_tex=latex(params.BOOK_STORY["a"][0]),
        c=num(exact["c"][-1]),
    )


# --- section 3: the trained pair ----------------------------------------------------------------------------


def task_text(task: str, lag: int) -> str:
    return t(
        TASK_TEXTS[task],
        lag=integer(lag),
        tolerance=num(tasks.ADDING_TOLERANCE),
        chance=percent(tasks.CHANCE[task]),
        window=integer(tasks.ADDING_FIRST_WINDOW),
    )


def not_shipped(task: str, lag: int) -> str:
    return t(
        "lstm.not_shipped", lag=integer(lag), lags=shipped_lags(task), steps=integer(training_settings(task)["n_steps"])
    )


def origin_caption(task: str, lag: int, pair: dict) -> str:
    """Where the models come from, why each stopped training, and what they were tested on."""
    origin = "lstm.origin_shipped" if lag in shipped(task).lags else "lstm.origin_now"
    how = training_settings(task)
    stop_fields = {"stop": percent(how["stop_at_solved"]), "window": integer(tasks.SOLVED_WINDOW)}
    return t(
        origin,
        lstm_stop=t(STOPPED[pair["lstm"]["stopped"]], **stop_fields),
        rnn_stop=t(STOPPED[pair["rnn"]["stopped"]], **stop_fields),
        lstm_s=num(pair["lstm"]["seconds"], 2),
        rnn_s=num(pair["rnn"]["seconds"], 2),
        n_test=integer(how["n_test"]),
        chance=percent(tasks.CHANCE[task]),
        seed=integer(how["seed"]),
    )


def example_line(task: str, X: np.ndarray, targets: np.ndarray) -> str:
    """The example sequence in words."""
    if task == "first_symbol":
        return t("lstm.sequence_line", letters=tasks.symbols_text(X[0]), first=tasks.SYMBOLS[targets[0]])
    marks = tasks.marked_steps(X[0])
    return t(
        "lstm.adding_line",
        first=integer(marks[0] + 1),
        second=integer(marks[1] + 1),
        x1=num(X[0, marks[0], 0]),
        x2=num(X[0, marks[1], 0]),
        target=num(targets[0]),
    )


def answers(task: str, X: np.ndarray, targets: np.ndarray, pair: dict) -> list[tuple[str, str, str | None]]:
    """The metrics under the example: the right answer, then each model's answer with its confidence or error,
    as ``(label, value, note)``."""
    rows = []
    for m in ("lstm", "rnn"):
        scores = tasks.predict(pair[m]["run"], X)[0]
        label = t("lstm.answer_of", model=t(MODEL_NAMES[m]))
        if task == "first_symbol":
            p = tasks.probabilities(scores[None, :])[0]
            rows.append((label, tasks.SYMBOLS[int(np.argmax(p))], t("lstm.confidence", p=percent(p.max()))))
        else:
            rows.append((label, num(scores[0]), t("lstm.error_of", error=num(abs(scores[0] - targets[0])))))
    right = tasks.SYMBOLS[targets[0]] if task == "first_symbol" else num(targets[0])
    return [(t("lstm.right_answer"), right, None), *rows]


def answered_right(task: str, run: tasks.TrainResult, X: np.ndarray, targets: np.ndarray) -> bool:
    """Whether the model's answer to the one sequence X is right by the task's criterion."""
    y = tasks.predict(run, X)[0]
    if task == "first_symbol":
        return int(np.argmax(y)) == int(targets[0])
    return abs(y[0] - targets[0]) < tasks.ADDING_TOLERANCE


def bound_below(x: float, digits: int = 3) -> float:
    """The largest number of ``digits`` significant digits that is not above ``x`` (> 0): a lower bound that
    :func:`ui.numbers.num` writes exactly, so "f at 0.949 or above" holds where rounding would say 0.95."""
    if not x > 0:
        return x
    step = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    bound = math.floor(x / step) * step
    return bound - step if bound > x else bound


def hold_reading(task: str, run: tasks.TrainResult, X: np.ndarray, targets: np.ndarray) -> str:
    """Which unit holds the marked input longest: its lowest forget gate and what it keeps of its cell; and
    whether the LSTM answers this sequence right."""
    marks = tasks.marked_steps(X[0])
    _, _, cache = tasks.lstm_insides(run, X)
    hold = tasks.forget_hold(cache["f"][0], cache["i"][0], int(marks[0]))
    unit = int(np.argmax(hold["product"]))
    return (
        t(
            "lstm.hold_reading",
            unit=integer(unit + 1),
            start=integer(int(marks[0]) + 2),
            end=integer(X.shape[1]),
            min_f=num(bound_below(float(hold["min"][unit]))),
            product=percent(hold["product"][unit]),
            input=num(hold["input"][unit]),
            lowest=num(hold["min"].min()),
            steps=integer(X.shape[1] - int(marks[0]) - 1),
        )
        + " "
        + t("lstm.hold_right" if answered_right(task, run, X, targets) else "lstm.hold_wrong")
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def example_words(lang: str, fp: tuple, source: tuple, _pair: dict) -> tuple[str, list, str]:
    """Section 3's example in words, in ``lang``: its line, the answers' metrics (:func:`answers`) and the
    reading of its held gate (:func:`hold_reading`). Shared by every session (a first view, a move of the clamp
    cost a look-up, not the LSTM's run on the example); ``fp`` determines ``_pair`` (:func:`fingerprint`)."""
    task, lag = fp[:2]
    X, targets = example_inputs(task, lag, source)
    return (
        example_line(task, X, targets),
        answers(task, X, targets, _pair),
        hold_reading(task, _pair["lstm"]["run"], X, targets),
    )


# --- section 4: the gradient highway ------------------------------------------------------------------------


def clamp_name(option: str) -> str:
    forget = params.CLAMPS[option]
    return t("lstm.clamp_free") if forget is None else t("lstm.clamp_to", f=num(forget))


def highway_equations() -> list[tuple[str, str]]:
    """Section 4's two one-step-back rules, each with its model's name in the page's language (shown beside the
    maths, not in it)."""
    return [
        (
            t("lstm.model_lstm"),
            r"\frac{\partial L}{\partial c_{t-1}} = "
            r"\frac{\partial L}{\partial c_t}\odot f_t + \dots",
        ),
        (
            t("lstm.model_rnn"),
            r"\frac{\partial L}{\partial h_{t-1}} = "
            r"\Big(\frac{\partial L}{\partial h_t}\odot \tanh'(\cdot)\Big)\,W_{hh}^{\top}",
        ),
    ]


def flow_reading(lstm_flow: dict, rnn_flow: dict, T: int) -> list[str]:
    """Section 4 in words: what arrives at k = 1, which model keeps more, and whether the LSTM's cell gradient
    arrives larger than it was sent (and how much of it came along the cell path alone)."""
    rnn, cell, along = rnn_flow["dh"][0], lstm_flow["dc"][0], lstm_flow["cell_path"][0]
    first = t("lstm.flow_arrives", back=integer(T - 1), rnn=num(rnn), lstm_c=num(cell), lstm_h=num(lstm_flow["dh"][0]))
    if rnn < cell:
        first += " " + t("lstm.flow_rnn_smaller", ratio=num(cell / rnn) if rnn > 0 else "∞")
    elif rnn >= rnn_flow["dh"][-1]:  # it arrives at least as large as it was sent: it did not fade
        first += " " + t("lstm.flow_rnn_larger", back=integer(T - 1), rnn=num(rnn))
    else:  # both faded, the LSTM's cell gradient more (with a clamp below 1, say, or a gate that forgets)
        first += " " + t("lstm.flow_rnn_larger_faded", ratio=num(rnn / cell) if cell > 0 else "∞")
    larger = "lstm.flow_larger" if cell > 1.0 else "lstm.flow_smaller"
    return [
        first,
        t(larger, lstm_c=num(cell), cell=num(along), end=num(lstm_flow["cell_path"][-1])),
        t("lstm.flow_try", one=num(params.CLAMPS["one"]), half=num(params.CLAMPS["half"])),
    ]


@st.cache_resource(max_entries=64, show_spinner=False)
def clamped_rates(fp: tuple, forget: float, _pair: dict) -> dict:
    """Section 4: how often the LSTM answers right as trained and with every forget gate clamped to ``forget``,
    on the same fresh test sequences its stored rate was measured on (``n``, ``test_seed``); a sample estimate.

    The clamped rate is :func:`rnn_core.tasks.success_rate` with ``forget``, computed from the last states alone
    (:func:`rnn_core.lstm.last_state`: 3-7 times faster at a thousand sequences; tests/test_claims_lstm.py proves
    the two equal). Every shipped lag, task and clamp (48) fits the cache."""
    how, run = training_settings(fp[0]), _pair["lstm"]["run"]
    X, targets = tasks.make_batch(run.task, how["n_test"], run.lag, np.random.default_rng(how["test_seed"]))
    h_last, _ = lstm.last_state(X, tasks.model_params("lstm", run.params), {"f": np.full(X.shape[1], float(forget))})
    with np.errstate(over="ignore", invalid="ignore"):  # the criterion of success_rate, on h_T
        _, _, _, solved = tasks.readout_loss(run.task, h_last, run.params, targets)
    return {
        "n": how["n_test"],
        "free": _pair["lstm"]["rate"],  # measured when the pair was made, on the same sample
        "clamped": float(np.mean(solved)),
    }


def solves(rate: float) -> bool:
    """The LSTM solves the task on the test sample: at least sweep.SOLVED_RUN of it right (the sweep's criterion)."""
    return rate >= sweep.SOLVED_RUN


# What the clamp did to the forward pass, by the measured rates as trained and clamped (on the same sample).
CLAMP_VERDICTS = (
    ("lstm.clamp_still_solves", lambda free, clamped: solves(free) and solves(clamped)),
    ("lstm.clamp_no_longer_solves", lambda free, clamped: solves(free) and not solves(clamped)),
    ("lstm.clamp_now_solves", lambda free, clamped: not solves(free) and solves(clamped)),
    ("lstm.clamp_never_solves", lambda free, clamped: True),
)


def clamp_verdict(rates: dict) -> str:
    """The text key of the sentence on the clamped LSTM's answers (:data:`CLAMP_VERDICTS`)."""
    return next(key for key, holds in CLAMP_VERDICTS if holds(rates["free"], rates["clamped"]))


def clamp_note(forget: float, lstm_flow: dict, T: int, rates: dict, task: str) -> str:
    """The clamp's effect on the gradient's way back, then on the answers (measured on the test sample)."""
    return (
        t(
            "lstm.clamp_note",
            f=num(forget),
            f_tex=latex(forget),
            steps=integer(T - 1),
            power=num(lstm.memory_after(forget, T - 1)),
            end=num(lstm_flow["cell_path"][-1]),
            start=num(lstm_flow["cell_path"][0]),
            total=num(lstm_flow["dc"][0]),
        )
        + " "
        + t(
            clamp_verdict(rates),
            f=num(forget),
            n=integer(rates["n"]),
            clamped=percent(rates["clamped"]),
            free=percent(rates["free"]),
            solved=percent(sweep.SOLVED_RUN),
            chance=percent(tasks.CHANCE[task]),
        )
    )


# --- section 5: the sweep -------------------------------------------------------------------------------------


def sweep_text(task: str) -> str:
    return t(SWEEP_TEXTS[task], tolerance=num(tasks.ADDING_TOLERANCE), chance=percent(tasks.CHANCE[task]))


def sweep_caption(task: str) -> str:
    """How the sweep was run: seeds, updates, test set and every training setting, read from the stored file."""
    stored = shipped(task)
    s = stored.settings
    return t(
        "lstm.sweep_caption",
        seeds=integer(len(stored.seeds)),
        first=integer(stored.seeds[0]),
        last=integer(stored.seeds[-1]),
        steps=integer(s["n_steps"]),
        stop=percent(s["stop_at_solved"]),
        n_test=integer(s["n_test"]),
        test_seed=integer(s["test_seed"]),
        hidden=integer(s["hidden"]),
        batch=integer(s["batch_size"]),
        lr=num(s["lr"]),
        clip=num(s["clip"]),
        bias=num(s["forget_bias"]),
        solved=percent(sweep.SOLVED_RUN),
        file=f"data/lstm/{task}.npz",
        window=integer(tasks.SOLVED_WINDOW),
    )


def sweep_readings(task: str) -> list[str]:
    """What the sweep shows: how many runs each model solved, whether the RNN's success falls with the lag, and,
    for a model whose seeds disagreed at some lag, that the seed alone decided there."""
    stored = shipped(task)
    facts = sweep.sweep_facts(stored)
    rnn = facts["rnn"]
    fields = {
        "lstm_solved": integer(facts["lstm"]["solved"]),
        "rnn_solved": integer(rnn["solved"]),
        "runs": integer(facts["lstm"]["runs"]),
        "first_lag": integer(stored.lags[0]),
        "last_lag": integer(stored.lags[-1]),
        "rnn_first": percent(rnn["first_mean"]),
        "rnn_last": percent(rnn["last_mean"]),
        "baseline": t(BASELINES[task]),
        "chance": percent(tasks.CHANCE[task]),
        "hs_lag": integer(sweep.BPTT_FAILED_BEYOND),
    }
    if rnn["longest"] is None:
        lines = [t("lstm.sweep_reading_none", **fields)]
    else:
        lines = [t(SWEEP_READINGS[task], rnn_longest=integer(rnn["longest"]), **fields)]
    falls = rnn["last_mean"] < rnn["first_mean"] - 0.1
    lines[0] += " " + t("lstm.sweep_trend_falls" if falls else "lstm.sweep_trend_flat", **fields)
    for m in stored.models:
        spread = facts[m]["spread"]
        if spread is not None:
            lines.append(
                t(
                    SWEEP_SEEDS[task],
                    model=t(MODEL_NAMES[m]),
                    mixed=integer(len(facts[m]["mixed"])),
                    n_lags=integer(len(stored.lags)),
                    lags=", ".join(integer(lag) for lag in facts[m]["mixed"]),
                    seeds=integer(len(stored.seeds)),
                    lag=integer(spread["lag"]),
                    solved=integer(spread["solved"]),
                    low=percent(spread["low"]),
                    high=percent(spread["high"]),
                )
            )
    return lines


# --- section 6: your own LSTM ---------------------------------------------------------------------------------


def read_upload(upload) -> tuple[dict | None, dict | None, str | None]:
    """``(params, meta, None)`` for a usable weights file, ``(None, None, message)`` otherwise. The file is read
    as numbers only (:func:`rnn_core.lstm_weights.load_weights`); what was read is kept in this session only, under the
    upload's id, so a rerun does not read it again."""
    memo = st.session_state.get("lstm_own_model")
    if memo is not None and memo[0] == upload.file_id:
        return memo[1], memo[2], memo[3]
    try:
        weights, meta = lstm_weights.load_weights(upload.getvalue())
        result = (weights, meta, None)
    except lstm_weights.WeightsError as err:
        key = WEIGHTS_ERRORS[err.code] if err.detail else WEIGHTS_ERRORS_PLAIN.get(err.code, WEIGHTS_ERRORS[err.code])
        result = (
            None,
            None,
            t(
                key,
                detail=verbatim(err.detail) if err.detail else "—",
                mb=integer(MAX_MB),
                hidden=integer(lstm_weights.MAX_HIDDEN),
            ),
        )
    st.session_state["lstm_own_model"] = (upload.file_id, *result)
    return result


def own_default(size: int) -> str:
    """A sequence that fits ``size`` inputs: a pulse then zeros for one input, letters A, B, ... otherwise."""
    if size == 1:
        return " ".join(["1"] + ["0"] * (params.OWN_DEFAULT_STEPS - 1))
    letters = typed_inputs.LETTERS[: min(size, len(typed_inputs.LETTERS), 4)]
    return " ".join(letters[k % len(letters)] for k in range(params.OWN_DEFAULT_STEPS))


def own_steps(text: str, size: int) -> tuple[np.ndarray, typed_inputs.SequenceError | None]:
    """The typed sequence as (T, D) inputs and None, or the default sequence's and the error to show."""
    try:
        return typed_inputs.parse_steps(text, size), None
    except typed_inputs.SequenceError as err:
        return typed_inputs.parse_steps(own_default(size), size), err


def own_run(weights: dict, steps: np.ndarray) -> tuple[np.ndarray, dict, dict]:
    """The uploaded LSTM on one typed sequence: cell states (1, T, H), the forward cache, and its gradient flow
    when the loss reads only h_T (a gradient of size 1 sent back, spread evenly over the units)."""
    _, C, cache = lstm.forward(steps[None], weights)
    H = C.shape[2]
    flow = lstm.gradient_flow(cache, np.full((1, H), 1.0 / np.sqrt(H)))
    return C, cache, flow


def own_reading(flow: dict, T: int) -> str:
    larger = "lstm.own_flow_larger" if flow["dc"][0] > 1.0 else "lstm.own_flow_smaller"
    return t(
        larger,
        back=integer(T - 1),
        lstm_c=num(flow["dc"][0]),
        lstm_h=num(flow["dh"][0]),
        cell=num(flow["cell_path"][0]),
    )
