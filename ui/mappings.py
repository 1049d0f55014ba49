"""What the sequence-mappings lesson's sections draw: the names of the five mappings, the typed input, the
trained models' cached answers and evaluations, and their chart specs.

Models, answers and evaluations are shared by every session (``st.cache_resource``, arrays read-only); chart
specs go through the one spec cache (:func:`ui.charts.spec_cache`), keyed on the language, the task and the
typed symbols.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import mappings
from ui import charts, mappings_charts
from ui.i18n import t, verbatim

PAGE = "mappings"
TASKS = tuple(mappings.TASKS)
NAMES = {"one_to_one": "mappings.name_one_to_one", "one_to_many": "mappings.name_one_to_many",
         "many_to_one": "mappings.name_many_to_one", "seq2seq": "mappings.name_seq2seq",
         "many_to_many": "mappings.name_many_to_many"}
SHORT = {"one_to_one": "mappings.short_one_to_one", "one_to_many": "mappings.short_one_to_many",
         "many_to_one": "mappings.short_many_to_one", "seq2seq": "mappings.short_seq2seq",
         "many_to_many": "mappings.short_many_to_many"}
EXAMPLES = {"one_to_one": "mappings.example_one_to_one", "one_to_many": "mappings.example_one_to_many",
            "many_to_one": "mappings.example_many_to_one", "seq2seq": "mappings.example_seq2seq",
            "many_to_many": "mappings.example_many_to_many"}
TOYS = {"one_to_one": "mappings.toy_one_to_one", "one_to_many": "mappings.toy_one_to_many",
        "many_to_one": "mappings.toy_many_to_one", "seq2seq": "mappings.toy_seq2seq",
        "many_to_many": "mappings.toy_many_to_many"}
INPUT_PARAM = {"one_to_one": "picture", "one_to_many": "picture", "many_to_one": "review", "seq2seq": "word",
               "many_to_many": "presses"}
INPUT_LABELS = {"picture": "mappings.picture_label", "review": "mappings.review_label",
                "word": "mappings.word_label", "presses": "mappings.presses_label"}
INPUT_HELP = {"picture": "mappings.picture_help", "review": "mappings.review_help", "word": "mappings.word_help",
              "presses": "mappings.presses_help"}
READINGS = {"one_to_many": "mappings.reading_one_to_many", "many_to_one": "mappings.reading_many_to_one",
            "seq2seq": "mappings.reading_seq2seq", "many_to_many": "mappings.reading_many_to_many"}
WORDS = {"=": "mappings.out_tie", "neg": "mappings.out_neg", "even": "mappings.out_even",
         "pos": "mappings.out_pos", "off": "mappings.out_off", "on": "mappings.out_on", ".": "mappings.out_end"}


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.setflags(write=False)


@st.cache_resource(max_entries=8, show_spinner=False)
def model(task: str) -> mappings.Trained:
    """The task's shipped weights (shared by every session; read-only)."""
    trained = mappings.load(task)
    _read_only(trained.losses, *trained.params.values())
    return trained


@st.cache_resource(max_entries=8, show_spinner=False)
def evaluation(task: str) -> tuple[dict, float, int, int]:
    """Accuracy by length, held-out accuracy and its count, and the number of training inputs."""
    trained = model(task)
    train_set, _ = mappings.split(task, trained.seed)
    held, n_held = mappings.held_out_accuracy(task, trained.params, trained.seed)
    curve = mappings.accuracy_by_length(task, trained.params, trained.seed)
    _read_only(*curve.values())
    return curve, held, n_held, sum(len(inputs) for inputs in train_set.values())


def read_input(task: str, text: str, default: str) -> tuple[tuple[int, ...], str | None]:
    """The typed input as a tuple of symbol indices, and what is wrong with it (translated), or None.

    An input that cannot be read is replaced by ``default``, and the message says so.
    """
    try:
        return tuple(int(i) for i in mappings.parse(task, text)), None
    except mappings.InputError as err:
        spec = mappings.TASKS[task]
        messages = {
            "empty": t("mappings.error_empty"),
            "symbol": t("mappings.error_symbol", position=err.position, token=verbatim(err.token),
                        allowed=", ".join(spec.inputs)),
            "size": t("mappings.error_size", count=err.position, cells=mappings.CELLS,
                      rows=mappings.input_size(task), per_cell=len(mappings.SHAPES)),
            "too_long": t("mappings.error_too_long", length=err.position, limit=spec.max_typed),
        }
        fallback = tuple(int(i) for i in mappings.parse(task, default))
        return fallback, messages[err.code] + " " + t("mappings.error_fallback")


@st.cache_resource(max_entries=256, show_spinner=False)
def answer(task: str, symbols: tuple[int, ...]) -> mappings.Run:
    """The trained model's run on one typed input (shared by every session; read-only)."""
    result = mappings.run(task, model(task).params, np.array(symbols))
    _read_only(result.states, result.probs, result.outputs, result.right)
    return result


def output_names(task: str) -> list[str]:
    """How each output class is written: its symbol, or a translated word."""
    return [t(WORDS[o]) if o in WORDS else o for o in mappings.TASKS[task].outputs]


def input_names(task: str) -> list[str]:
    """How each input symbol is drawn (a typographic minus for "-")."""
    return ["−" if s == "-" else s for s in mappings.TASKS[task].inputs]


def written(outputs: np.ndarray, right: np.ndarray, shown: list[str]) -> str:
    """The model's outputs as Markdown, each one that differs from the right answer highlighted."""
    words = [shown[k] if j < len(right) and k == right[j] else f":red-background[{shown[k]}]"
             for j, k in enumerate(outputs)]
    return " ".join(words)


@charts.spec_cache(max_entries=128)
def states_chart(lang: str, task: str, symbols: tuple[int, ...]) -> dict:
    """Section 3: the hidden states over the steps, and the output probabilities under them."""
    result = answer(task, symbols)
    steps = mappings_charts.step_names(len(result.states), result.encoder_steps if task == "seq2seq" else 0)
    return charts.vega_lite(mappings_charts.states_and_outputs(
        result.states, result.probs, steps, output_names(task), step_title=t("mappings.step_axis"),
        unit_title=t("mappings.unit_axis"), state_title=t("mappings.state_value"),
        class_title=t("mappings.output_axis"), prob_title=t("mappings.prob_axis"),
        width=min(800, 60 + 26 * len(steps))), fixed_size=True)  # "fit" is for single views: Vega warns


@charts.spec_cache(max_entries=16)
def accuracy_chart(lang: str, task: str) -> dict:
    """Section 4: whole-output accuracy against length, the training lengths shaded."""
    return charts.vega_lite(mappings_charts.accuracy_by_length(
        evaluation(task)[0], mappings.TASKS[task].lengths,
        length_title=t("mappings.shapes_axis" if task in mappings.PICTURES else "mappings.length_axis"),
        accuracy_title=t("mappings.accuracy_axis"), count_title=t("mappings.count_axis"),
        kind_title=t("mappings.kind_axis"), trained_name=t("mappings.kind_trained"),
        beyond_name=t("mappings.kind_beyond")))


@charts.spec_cache(max_entries=16)
def loss_chart(lang: str, task: str) -> dict:
    """Section 4: the training loss before each update."""
    losses = model(task).losses
    history = pd.DataFrame({"iteration": np.arange(1, len(losses) + 1), "loss": losses})
    return charts.vega_lite(charts.log_lines(history, "iteration", "loss", x_title=t("common.iteration"),
                                             y_title=t("mappings.loss_axis"), height=200, integer_x=True))
