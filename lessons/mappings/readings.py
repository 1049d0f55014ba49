"""What the sequence-mappings lesson's sections read: the names of the five mappings, the typed input, the
trained models' cached answers and evaluations, and the sentences chosen from them (their charts and diagrams
are in :mod:`lessons.mappings.figures`).

Models, answers and evaluations are shared by every session (``st.cache_resource``, arrays read-only).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from lessons.mappings import params
from rnn_core import mappings
from ui.i18n import t
from ui.numbers import integer, percent

PAGE = "mappings"
NAMES = {
    "one_to_one": "mappings.name_one_to_one",
    "one_to_many": "mappings.name_one_to_many",
    "many_to_one": "mappings.name_many_to_one",
    "seq2seq": "mappings.name_seq2seq",
    "many_to_many": "mappings.name_many_to_many",
}
SHORT = {
    "one_to_one": "mappings.short_one_to_one",
    "one_to_many": "mappings.short_one_to_many",
    "many_to_one": "mappings.short_many_to_one",
    "seq2seq": "mappings.short_seq2seq",
    "many_to_many": "mappings.short_many_to_many",
}
EXAMPLES = {
    "one_to_one": "mappings.example_one_to_one",
    "one_to_many": "mappings.example_one_to_many",
    "many_to_one": "mappings.example_many_to_one",
    "seq2seq": "mappings.example_seq2seq",
    "many_to_many": "mappings.example_many_to_many",
}
TOYS = {
    "one_to_one": "mappings.toy_one_to_one",
    "one_to_many": "mappings.toy_one_to_many",
    "many_to_one": "mappings.toy_many_to_one",
    "seq2seq": "mappings.toy_seq2seq",
    "many_to_many": "mappings.toy_many_to_many",
}
INPUT_LABELS = {
    "picture": "mappings.picture_label",
    "review": "mappings.review_label",
    "word": "mappings.word_label",
    "presses": "mappings.presses_label",
}
INPUT_HELP = {
    "picture": "mappings.picture_help",
    "review": "mappings.review_help",
    "word": "mappings.word_help",
    "presses": "mappings.presses_help",
}
READINGS = {
    "one_to_many": "mappings.reading_one_to_many",
    "many_to_one": "mappings.reading_many_to_one",
    "seq2seq": "mappings.reading_seq2seq",
    "many_to_many": "mappings.reading_many_to_many",
}
WORDS = {
    "=": "mappings.out_tie",
    "neg": "mappings.out_neg",
    "even": "mappings.out_even",
    "pos": "mappings.out_pos",
    "off": "mappings.out_off",
    "on": "mappings.out_on",
    ".": "mappings.out_end",
}


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


INPUT_ERRORS = {
    "empty": "mappings.error_empty",
    "symbol": "mappings.error_symbol",
    "size": "mappings.error_size",
    "too_long": "mappings.error_too_long",
}


def read_input(task: str, text: str, default: str) -> tuple[tuple[int, ...], mappings.InputError | None]:
    """The typed input as a tuple of symbol indices, and the error that made the page use ``default`` instead
    (None when the input could be read)."""
    try:
        return tuple(int(i) for i in mappings.parse(task, text)), None
    except mappings.InputError as err:
        return tuple(int(i) for i in mappings.parse(task, default)), err


def error_fields(task: str) -> dict:
    """What the input error messages may name: the symbols the network reads, the picture's size, the limit."""
    spec = mappings.TASKS[task]
    return {
        "allowed": ", ".join(spec.inputs),
        "cells": integer(mappings.CELLS),
        "rows": integer(mappings.input_size(task)),
        "per_cell": integer(len(mappings.SHAPES)),
        "limit": integer(spec.max_typed),
    }


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
    words = [
        shown[k] if j < len(right) and k == right[j] else f":red-background[{shown[k]}]" for j, k in enumerate(outputs)
    ]
    return " ".join(words)


# --- Sentences chosen from what was computed ------------------------------------------------------------------


def at_length(task: str, length: int) -> str:
    """'length 7' or '7 shapes': where on the accuracy chart a number was read."""
    if task in mappings.PICTURES:
        return t("mappings.at_shapes", n=integer(length))
    return t("mappings.at_length", n=integer(length))


SPLIT_EXAMPLES = {
    "one_to_one": "mappings.split_example_picture",
    "one_to_many": "mappings.split_example_picture",
    "many_to_one": "mappings.split_example_review",
    "seq2seq": "mappings.split_example_word",
    "many_to_many": "mappings.split_example_presses",
}


def share(p: float) -> str:
    """An accuracy as a percentage, with as many digits as it takes not to round a miss up to 100 %."""
    digits = 3
    while p < 1 and percent(p, digits) == percent(1.0) and digits < 8:
        digits += 1
    return percent(p, digits)


@st.cache_resource(max_entries=8, show_spinner=False)
def split_sizes(task: str) -> tuple[int, int, tuple[int, ...]]:
    """The training and held-out sets' sizes, and the lengths that only train (computed once per process: every
    view of section 4 reads them)."""
    train_set, held = mappings.split(task, model(task).seed)
    n_train, n_held = (sum(len(inputs) for inputs in s.values()) for s in (train_set, held))
    return n_train, n_held, tuple(length for length in train_set if length not in held)


def split_sentence(task: str) -> str:
    """How the held-out set was drawn, and why its size is what it is (equal to training's, or one less for
    each length whose single input can only train)."""
    spec = mappings.TASKS[task]
    n_train, n_held, only_train = split_sizes(task)
    text = t(
        "mappings.split_text",
        per_length=integer(spec.per_length),
        twice=integer(2 * spec.per_length),
        example=t(SPLIT_EXAMPLES[task]),
    )
    if n_train == n_held:
        return text + " " + t("mappings.split_equal", n=integer(n_held))
    return (
        text
        + " "
        + t(
            "mappings.split_single",
            extra=integer(n_train - n_held),
            where=", ".join(at_length(task, length) for length in only_train),
        )
    )


# --- Section 4's summary: each sentence's key beside the predicate that chooses it --------------------------------
# Beyond the training lengths every share is measured on a sample (rnn_core.mappings.N_BEYOND random inputs per
# length), and the predicates read the sampled shares: the sentences say so, with each quoted share's interval.
# tests/test_claims_mappings.py checks them against the rule and a forward pass of its own, and a larger sample.


def beyond(curve: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lengths past training, their sampled shares of wholly right outputs, and each sample's size."""
    past = ~curve["trained"]
    return curve["length"][past], curve["accuracy"][past], curve["n"][past]


def all_right(curve: dict[str, np.ndarray]) -> bool:
    """Every sampled input at every length past training got a wholly right output."""
    return bool(np.all(beyond(curve)[1] == 1))


def stays_right(curve: dict[str, np.ndarray]) -> bool:
    """Not all, but at every length past training at least ``REACH_SHARE`` of the sample got a right output."""
    return not all_right(curve) and bool(beyond(curve)[1].min() >= params.REACH_SHARE)


def breaks_down(curve: dict[str, np.ndarray]) -> bool:
    """One of the first ``COLLAPSE_WITHIN`` lengths past training has less than ``COLLAPSE_SHARE`` of its sample
    right."""
    return bool(np.any(beyond(curve)[1][: params.COLLAPSE_WITHIN] < params.COLLAPSE_SHARE))


def fades_after(curve: dict[str, np.ndarray]) -> bool:
    """Not breaking down; the first length past training has at least ``REACH_SHARE`` right, and a later one has
    less: the shares stay at or above it up to a length past training (:func:`reach`), and not after."""
    accuracy = beyond(curve)[1]
    return not breaks_down(curve) and bool(accuracy[0] >= params.REACH_SHARE > accuracy.min())


def worse_at_once(curve: dict[str, np.ndarray]) -> bool:
    """Not breaking down, but already the first length past training has less than ``REACH_SHARE`` right."""
    return not breaks_down(curve) and bool(beyond(curve)[1][0] < params.REACH_SHARE)


SUMMARY_CLAIMS = {
    "mappings.summary_perfect": all_right,
    "mappings.summary_holds": stays_right,
    "mappings.summary_collapses": breaks_down,
    "mappings.summary_fades": fades_after,
    "mappings.summary_worse": worse_at_once,
}
# What each summary says the curve does: the reading below it explains "holds", "collapses" or "fades".
SUMMARY_KINDS = {
    "mappings.summary_perfect": "holds",
    "mappings.summary_holds": "holds",
    "mappings.summary_collapses": "collapses",
    "mappings.summary_fades": "fades",
    "mappings.summary_worse": "fades",
}
READING_KINDS = {
    "one_to_many": "collapses",
    "many_to_one": "fades",
    "seq2seq": "collapses",
    "many_to_many": "holds",
}  # what each reading below explains


def summary_key(curve: dict[str, np.ndarray]) -> str:
    """The one summary whose predicate holds for ``curve`` (they exclude each other and cover every curve)."""
    keys = [key for key, holds in SUMMARY_CLAIMS.items() if holds(curve)]
    if len(keys) != 1:
        raise ValueError(f"summaries {keys} hold")
    return keys[0]


def beyond_kind(curve: dict[str, np.ndarray]) -> str:
    """How the sampled accuracy behaves beyond the training lengths: ``holds``, ``collapses`` or ``fades``."""
    return SUMMARY_KINDS[summary_key(curve)]


def reach(curve: dict[str, np.ndarray]) -> int:
    """The longest length up to which every sampled share past training is at least ``REACH_SHARE`` (the last
    length evaluated when all are)."""
    lengths, accuracy, _ = beyond(curve)
    above = accuracy >= params.REACH_SHARE
    return int(lengths[-1] if above.all() else lengths[np.argmin(above)] - 1)


def interval(share_right: float, n: int) -> str:
    """The 95 % interval of a share measured on ``n`` random inputs, as ``86.1 %–94.2 %``."""
    low, high = mappings.wilson_interval(round(share_right * n), int(n), params.CONFIDENCE_Z)
    return f"{percent(low)}–{percent(high)}"


def reading(task: str) -> str:
    """Section 4's 'what you see': a summary chosen from the sampled accuracy curve, with its numbers and their
    intervals, then why (when the curve does what the explanation is about)."""
    curve = evaluation(task)[0]
    lengths, accuracy, n = beyond(curve)
    key = summary_key(curve)
    values = {
        "n": integer(n.min()),
        "first": share(accuracy[0]),
        "first_at": at_length(task, lengths[0]),
        "first_interval": interval(accuracy[0], n[0]),
        "last": share(accuracy[-1]),
        "last_at": at_length(task, lengths[-1]),
        "last_interval": interval(accuracy[-1], n[-1]),
        "low": share(accuracy.min()),
        "low_at": at_length(task, lengths[np.argmin(accuracy)]),
        "low_interval": interval(accuracy.min(), n[np.argmin(accuracy)]),
    }
    if key == "mappings.summary_fades":
        up_to = lengths <= reach(curve)
        lowest = int(np.argmin(np.where(up_to, accuracy, np.inf)))  # the lowest share the "at least" covers
        values.update(
            reach_at=at_length(task, reach(curve)),
            past=integer(reach(curve) - mappings.TASKS[task].lengths[1]),
            drop=share(accuracy[lengths == reach(curve) + 1][0]),
            drop_at=at_length(task, reach(curve) + 1),
            low=share(accuracy[lowest]),
            low_at=at_length(task, lengths[lowest]),
            low_interval=interval(accuracy[lowest], n[lowest]),
        )
    parts = [t(key, **values)]
    if READING_KINDS[task] == SUMMARY_KINDS[key]:
        spec = mappings.TASKS[task]
        if task != "many_to_one":
            parts.append(t(READINGS[task], hidden=integer(spec.hidden), hi=integer(spec.lengths[1])))
        else:
            margins = verdict_mistakes()
            if mostly_balanced(margins):
                parts.append(
                    t(
                        READINGS[task],
                        mistakes=integer(len(margins)),
                        share=share(float(np.mean(margins <= params.BALANCED_MARGIN))),
                        margin=integer(params.BALANCED_MARGIN),
                    )
                )
            if zigzag(curve):
                parts.append(t("mappings.reading_zigzag"))
    return " ".join(parts)


@st.cache_resource(max_entries=1, show_spinner=False)
def verdict_mistakes() -> np.ndarray:
    """How far apart the + and − counts are in each review the review model gets wrong past training, among the
    random reviews section 4's chart was measured on (read-only)."""
    trained = model("many_to_one")
    margins = mappings.verdict_mistakes(trained.params, trained.seed)
    _read_only(margins)
    return margins


def mostly_balanced(margins: np.ndarray) -> bool:
    """More than half of the sampled wrong verdicts are on reviews whose counts differ by at most
    ``BALANCED_MARGIN``: "the mistakes are mostly on reviews whose + and − nearly balance"."""
    return bool(len(margins) and np.mean(margins <= params.BALANCED_MARGIN) > 0.5)


def zigzag(curve: dict[str, np.ndarray]) -> bool:
    """Beyond training, is the verdict worse on average at even lengths (where a review can be exactly even)?"""
    beyond = ~curve["trained"]
    even = curve["length"][beyond] % 2 == 0
    accuracy = curve["accuracy"][beyond]
    return bool(even.any() and (~even).any() and accuracy[even].mean() < accuracy[~even].mean())
