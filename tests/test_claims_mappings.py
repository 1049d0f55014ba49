"""The mappings lesson's claims, checked against computations of their own (issue 22): the network's answers by a
forward pass written here and each toy task's rule written again, the accuracy summary against its own samples
recomputed input by input and against samples twenty times larger, and each exercise against what its page shows.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from apptest_helpers import assert_clean, open_app, texts
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.mappings import params, readings
from lessons.mappings.exercises import VERDICTS, _typed, output_count
from rnn_core import mappings
from ui.i18n import catalog
from ui.numbers import percent

LARGER = 20  # the independent sample is this many times the page's


def rule(task: str, x: np.ndarray) -> list[int]:
    """Each toy task's right output, written again from the lesson's text (not rnn_core.mappings.target)."""
    end = len(mappings.TASKS[task].outputs) - 1
    if task == "one_to_one":
        counts = [int(np.sum(x == shape)) for shape in (1, 2, 3)]
        best = [k for k in range(3) if counts[k] == max(counts)]
        return [best[0] if len(best) == 1 else 3]
    if task == "one_to_many":
        return [int(shape) - 1 for shape in sorted(x) if shape > 0] + [end]
    if task == "many_to_one":
        good, bad = int(np.sum(x == 1)), int(np.sum(x == 0))
        return [2 if good > bad else 0 if good < bad else 1]
    if task == "many_to_many":
        on, out = 0, []
        for pressed in x:
            on ^= int(pressed)
            out.append(on)
        return out
    return [int(v) for v in x[::-1]] + [end]  # seq2seq


def network(task: str, x: np.ndarray, p: dict) -> list[int]:
    """The shipped network's outputs for one input (see :func:`network_batch`)."""
    return network_batch(task, np.asarray(x)[None], p)[0]


def network_batch(task: str, X: np.ndarray, p: dict) -> list[list[int]]:
    """The shipped network's outputs for same-length inputs (N, T), by a forward pass written here: greedy,
    stopped after the first end mark or after 2 T + 3 steps where it generates (T: the shapes of a picture)."""
    N, H = len(X), p["W_hh"].shape[0]
    end = len(mappings.TASKS[task].outputs) - 1

    def cut(guesses: np.ndarray) -> list[list[int]]:  # (N, steps) -> each row up to its first end mark
        rows = []
        for row in guesses.tolist():
            rows.append(row[: row.index(end) + 1] if end in row else row)
        return rows

    if task in mappings.PICTURES:
        picture = np.zeros((N, 27))
        for cell_index in range(mappings.CELLS):
            for shape in (1, 2, 3):
                picture[X[:, cell_index] == shape, 3 * cell_index + shape - 1] = 1.0
        h = np.tanh(picture @ p["W_xh"] + p["b"])  # step 1: the picture, from h_0 = 0
        if task == "one_to_one":
            return [[int(k)] for k in np.argmax(h @ p["V"] + p["c"], axis=1)]
        guesses = [np.argmax(h @ p["V"] + p["c"], axis=1)]
        for _ in range(2 * int(np.count_nonzero(X[0])) + 2):
            h = np.tanh(h @ p["W_hh"] + p["b"])  # no input after step 1
            guesses.append(np.argmax(h @ p["V"] + p["c"], axis=1))
        return cut(np.stack(guesses, axis=1))
    eye = np.eye(len(mappings.TASKS[task].inputs))
    h, states = np.zeros((N, H)), []
    for t in range(X.shape[1]):
        h = np.tanh(h @ p["W_hh"] + eye[X[:, t]] @ p["W_xh"] + p["b"])
        states.append(h)
    if task == "many_to_one":
        return [[int(k)] for k in np.argmax(states[-1] @ p["V"] + p["c"], axis=1)]
    if task == "many_to_many":
        return np.stack([np.argmax(s @ p["V"] + p["c"], axis=1) for s in states], axis=1).tolist()
    K = p["V"].shape[1]
    s, z, guesses = h, np.zeros((N, K)), []
    for _ in range(2 * X.shape[1] + 3):
        s = np.tanh(s @ p["W_ss"] + z @ p["W_zs"] + p["b_s"])
        guesses.append(np.argmax(s @ p["V"] + p["c"], axis=1))
        z = np.eye(K)[guesses[-1]]
    return cut(np.stack(guesses, axis=1))


def share_right(task: str, X: np.ndarray, p: dict) -> float:
    """The share of inputs (N, T) whose whole output is the rule's, by this file's network and rule."""
    return float(np.mean([out == rule(task, x) for out, x in zip(network_batch(task, X, p), X, strict=True)]))


@st.composite
def typed_input(draw, task: str) -> np.ndarray:
    """An input the page accepts for ``task``: a picture of 9 cells, or 1..max_typed symbols."""
    spec = mappings.TASKS[task]
    size = mappings.CELLS if task in mappings.PICTURES else draw(st.integers(1, spec.max_typed))
    return np.array(draw(st.lists(st.integers(0, len(spec.inputs) - 1), min_size=size, max_size=size)))


def output_words(page: str, lang: str) -> list[str]:
    """The network's outputs as the answer line writes them, one word each."""
    head = catalog(lang)["mappings.answer_line"].split("{output}")[0]
    return page.split(head, 1)[1].split("\n", 1)[0].split()


# --- issue 22, defects 8 and 10 --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_issue22_8_the_90_percent_summary_is_said_of_a_sample_with_its_interval(lang):
    """At m=many_to_one the page said "the outputs stay at least 90 % right at every length up to length 31",
    measured on 200 inputs per length; on 40,000 inputs length 30 scores 89.9 %."""
    at = open_app(page="mappings", lang=lang, params={"m": "many_to_one"})
    assert_clean(at)
    page = texts(at)
    assert "stay at least 90 % right" not in page and "출력의 90 % 이상이 맞다가" not in page  # the old sentences
    trained = mappings.load("many_to_one")
    curve = mappings.accuracy_by_length("many_to_one", trained.params, trained.seed)
    beyond = ~curve["trained"]
    lengths, shares, n = curve["length"][beyond], curve["accuracy"][beyond], curve["n"][beyond]
    assert str(n[0]) in page  # the sample's size is said
    # the page's "at least 90 %" up to length 31 is true of its samples (recomputed input by input) ...
    rng = np.random.default_rng([trained.seed, 2])
    for length, share in zip(lengths, shares, strict=True):
        sample = mappings.random_inputs("many_to_one", int(length), int(n[0]), rng)
        assert share_right("many_to_one", sample, trained.params) == share
    assert np.all(shares[lengths <= 31] >= 0.9) and shares[lengths == 32][0] < 0.9
    # ... and it says how far a sample's share may be from the share on all inputs: the 40,000-input share at
    # length 30 (below 90 %) lies in the interval a sample of 200 gives there
    big = mappings.random_inputs("many_to_one", 30, 40_000, np.random.default_rng(22))
    true_share = mappings.accuracy("many_to_one", trained.params, big)
    assert true_share < 0.9
    low, high = mappings.wilson_interval(round(shares[lengths == 30][0] * n[0]), int(n[0]), params.CONFIDENCE_Z)
    assert low <= true_share <= high
    lowest = shares[lengths <= 31].min()
    low, high = mappings.wilson_interval(round(lowest * n[0]), int(n[0]), params.CONFIDENCE_Z)
    assert f"{percent(low, lang=lang)}–{percent(high, lang=lang)}" in page


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_issue22_10_output_count_asks_what_the_pages_network_writes(lang):
    """Seed 31 asked about `baccab`, for which the rule gives 7 outputs and the page's network writes 8."""
    trained = mappings.load("seq2seq")
    baccab = mappings.parse("seq2seq", "baccab")
    assert len(network("seq2seq", baccab, trained.params)) == 8 and len(rule("seq2seq", baccab)) == 7
    ex = output_count(np.random.default_rng(31))
    assert ex.params["x"] != baccab.tolist()
    at = open_app(page="mappings", lang=lang, params=ex.page_params)
    assert_clean(at)
    shown = output_words(texts(at), lang)
    assert ex.check(str(len(shown))).correct
    assert catalog(lang)["exercises.mappings_output_count_prompt"].count("{input}") == 1


def test_output_count_never_asks_where_the_network_and_the_rule_disagree():
    for seed in range(300):
        ex = output_count(np.random.default_rng(seed))
        task, x = ex.params["task"], np.array(ex.params["x"])
        assert len(network(task, x, mappings.load(task).params)) == len(rule(task, x)) == ex.answer


# --- section 3 at random settings: the page's answer is the network's, the right answer the rule's -------------


@settings(max_examples=40)
@given(st.data())
def test_section_3_answer_is_the_networks_and_the_right_one_the_rules(data):
    task = data.draw(settings_of(params.PARAMS))["m"]
    x = data.draw(typed_input(task))
    result = readings.answer(task, tuple(int(v) for v in x))
    assert result.outputs.tolist() == network(task, x, mappings.load(task).params)
    assert result.right.tolist() == rule(task, x)


# --- section 4: the summary's claims, of samples, with their intervals -----------------------------------------


@functools.cache
def checked_summary(task: str) -> str:
    """The summary key section 4 shows for ``task``, after checking that its literal meaning holds of the
    samples (recomputed input by input with this file's network and rule) and that each share it quotes comes
    with an interval that holds a sample twenty times larger."""
    trained = mappings.load(task)
    curve = readings.evaluation(task)[0]
    key = readings.summary_key(curve)
    lengths, shares, n = readings.beyond(curve)
    rng = np.random.default_rng([trained.seed, 2])  # the page's samples: drawn in the same order
    for length in range(mappings.TASKS[task].lengths[1] + 1, mappings.TASKS[task].beyond + 1):
        sample = mappings.random_inputs(task, length, mappings.N_BEYOND, rng)
        assert share_right(task, sample, trained.params) == shares[lengths == length][0]
    if key == "mappings.summary_perfect":
        assert np.all(shares == 1)
        quoted = [len(lengths) - 1]
    elif key == "mappings.summary_holds":
        assert shares.min() >= params.REACH_SHARE and not np.all(shares == 1)
        quoted = [int(np.argmin(shares))]
    elif key == "mappings.summary_fades":
        reach = readings.reach(curve)
        assert reach > mappings.TASKS[task].lengths[1]
        assert np.all(shares[lengths <= reach] >= params.REACH_SHARE) and shares[lengths == reach + 1][0] < 0.9
        quoted = [len(lengths) - 1, int(np.argmin(np.where(lengths <= reach, shares, np.inf)))]
    else:
        if key == "mappings.summary_collapses":
            assert np.any(shares[: params.COLLAPSE_WITHIN] < params.COLLAPSE_SHARE)
        else:
            assert key == "mappings.summary_worse" and shares[0] < params.REACH_SHARE
        quoted = [0, len(lengths) - 1]
    big_rng = np.random.default_rng([trained.seed, 22])
    for index in quoted:  # checked at 99.9 %: a 95 % interval misses 1 time in 20 by design
        larger = mappings.random_inputs(task, int(lengths[index]), LARGER * int(n[index]), big_rng)
        share = share_right(task, larger, trained.params)
        low, high = mappings.wilson_interval(round(shares[index] * n[index]), int(n[index]), 3.29)
        assert low <= share <= high, (task, lengths[index], shares[index], share)
    return key


@settings(max_examples=10)
@given(settings_of(params.PARAMS))
def test_section_4_summary_is_true_of_its_samples_and_its_intervals_hold_a_larger_sample(setting):
    if setting["m"] == "one_to_one":  # no time axis: the page shows no summary (tests/test_app_mappings.py)
        return
    key = checked_summary(setting["m"])
    assert catalog("en")[key].split("{")[0] in readings.reading(setting["m"])


def test_the_mistakes_sentence_counts_the_wrong_verdicts_of_its_samples():
    """ "Of the N wrong verdicts in these samples, S are on reviews whose counts differ by at most 2": recounted
    with this file's network and rule on the same draws."""
    trained = mappings.load("many_to_one")
    rng = np.random.default_rng([trained.seed, 2])
    margins = []
    for length in range(mappings.TASKS["many_to_one"].lengths[1] + 1, mappings.TASKS["many_to_one"].beyond + 1):
        sample = mappings.random_inputs("many_to_one", length, mappings.N_BEYOND, rng)
        for out, x in zip(network_batch("many_to_one", sample, trained.params), sample, strict=True):
            if out != rule("many_to_one", x):
                margins.append(abs(int(np.sum(x == 1)) - int(np.sum(x == 0))))
    assert sorted(mappings.verdict_mistakes(trained.params, trained.seed).tolist()) == sorted(margins)
    text = readings.reading("many_to_one")
    share = np.mean(np.array(margins) <= params.BALANCED_MARGIN)
    assert (f"Of the {len(margins)} wrong verdicts" in text) == (share > 0.5)
    assert percent(share) in text


# --- exercises: the answer is what the page shows ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(0, 400, 7))
def test_each_exercise_answer_is_what_the_page_shows_at_its_setting(seed):
    """At the exercise's own setting, the quantity the page shows (the network's outputs, the right answer's
    line) is what the checker accepts."""
    from lessons.mappings import exercises

    rng_seed = np.random.default_rng(seed)
    ex = exercises.output_count(rng_seed)
    task = ex.page_params["m"]
    x = mappings.parse(task, ex.page_params[params.INPUT_PARAM[task]])
    assert ex.check(str(len(readings.answer(task, tuple(int(v) for v in x)).outputs))).correct
    ex = exercises.light(np.random.default_rng(seed))
    x = mappings.parse("many_to_many", ex.page_params["presses"])
    shown = readings.answer("many_to_many", tuple(int(v) for v in x))
    assert ex.check(str(int(np.sum(shown.right)))).correct  # the right answer's line: "on" at these steps
    assert ex.check(str(int(np.sum(shown.outputs)))).correct  # and the network's own line agrees
    ex = exercises.review(np.random.default_rng(seed))
    x = mappings.parse("many_to_one", ex.page_params["review"])
    shown = readings.answer("many_to_one", tuple(int(v) for v in x))
    assert ex.check(VERDICTS[int(shown.right[0])]).correct  # the prompt asks what the rule says
    ex = exercises.review_setting(np.random.default_rng(seed))
    assert ex.check(ex.answer).correct
    assert _typed("many_to_one", mappings.parse("many_to_one", ex.answer["review"])) == ex.answer["review"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_output_count_read_off_the_rendered_page_is_accepted(lang):
    for seed in (3, 31):
        ex = output_count(np.random.default_rng(seed))
        at = open_app(page="mappings", lang=lang, params=ex.page_params)
        assert ex.check(str(len(output_words(texts(at), lang)))).correct
