"""The exercises (each lesson's exercises.py, on rnn_core.exercise): every variant's answer is right by its own
check and by a second, independent computation; wrong answers are wrong; malformed input is a message, never an
exception; the texts and the page links fit the lessons. Pure maths: no streamlit here (texts are read from the
TOML files directly)."""

from __future__ import annotations

import cmath
import copy
import functools
import json
import math
import pickle
import string
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from lessons import counting as counting_lesson
from lessons import home as home_lesson
from lessons import mappings as mappings_lesson
from lessons import optimizers as optimizers_lesson
from rnn_core import counting, exercise, intro, mappings, race
from rnn_core import exercise as base
from rnn_core.exercise import MadeOnRead, MadeOnReadTuple
from ui import registry

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(50)
LESSONS = ("home", "mappings", "counting", "gradients", "optimizers", "lstm")
ALL_IDS = [exercise_id for ids in registry.catalogue().values() for exercise_id in ids]


@functools.cache
def made(exercise_id: str, seed: int) -> exercise.Exercise:
    return registry.make(exercise_id, seed)


def variants(exercise_id: str) -> list[exercise.Exercise]:
    return [made(exercise_id, seed) for seed in SEEDS]


@functools.cache
def texts(lang: str) -> dict[str, str]:
    with open(ROOT / "locales" / f"{lang}.toml", "rb") as f:
        table = tomllib.load(f)
    flat = {}

    def walk(entries: dict, prefix: str) -> None:  # dotted keys, as ui.i18n flattens them
        for key, value in entries.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value

    walk(table, "")
    return flat


# --- the catalogue --------------------------------------------------------------------------------------------


def test_catalogue_has_at_least_four_exercises_in_every_lesson():
    catalogue = registry.catalogue()
    assert tuple(catalogue) == LESSONS
    assert all(len(ids) >= 4 for ids in catalogue.values())
    assert len(ALL_IDS) == len(set(ALL_IDS)) >= 24


def test_catalogue_lists_each_lessons_exercises_in_section_order():
    for lesson, ids in registry.catalogue().items():
        sections = [made(exercise_id, 0).section for exercise_id in ids]
        assert all(made(exercise_id, 0).lesson == lesson for exercise_id in ids)
        assert sections == sorted(sections), lesson


def test_every_kind_the_issue_asks_for_is_there():
    kinds = {made(exercise_id, 0).kind for exercise_id in ALL_IDS}
    assert kinds == {"number", "choice", "setting"}


def test_unknown_exercise_is_a_key_error():
    with pytest.raises(KeyError):
        registry.make("no_such_exercise", 0)


# --- every variant: right, wrong, different -------------------------------------------------------------------


def wrong_response(ex: exercise.Exercise):
    """A response that is clearly not the answer."""
    if ex.kind == "number":
        return str(ex.answer * 3.0 + 7.0)
    if ex.kind == "choice":
        return next(choice for choice in ex.choices if choice != ex.answer)
    return {**ex.answer, **ex.page_params}  # where the link opens: not yet a solution


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_the_answer_is_right_and_a_wrong_one_is_not_over_50_seeds(exercise_id):
    for ex in variants(exercise_id):
        response = repr(ex.answer) if ex.kind == "number" else ex.answer  # a number as a student would type it
        assert ex.check(response) == exercise.Verdict(True, None, None), (exercise_id, ex.params)
        if ex.kind == "number":
            assert ex.check(ex.answer).correct  # as a number, too
        verdict = ex.check(wrong_response(ex))
        assert not verdict.correct and verdict.message_key is None, (exercise_id, ex.params)
        assert verdict.hint_key is not None and verdict.hint_key.startswith("exercises.")


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_variants_differ_across_seeds(exercise_id):
    params = {json.dumps(ex.params, sort_keys=True) for ex in variants(exercise_id)}
    assert len(params) >= 5, exercise_id


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_a_seed_always_gives_the_same_variant(exercise_id):
    again = registry.make(exercise_id, 7)
    assert (again.params, again.answer, again.page_params) == (
        made(exercise_id, 7).params,
        made(exercise_id, 7).answer,
        made(exercise_id, 7).page_params,
    )


def test_making_a_variant_never_calls_numpys_shared_generator(monkeypatch):
    # Every session shares one process: a variant must come from its own Generator. Each module-level sampler of
    # numpy.random raises here, so any call to one fails the test.
    def shared(*args, **kwargs):
        raise AssertionError("numpy's shared random generator was used")

    for name in (
        "seed",
        "rand",
        "randn",
        "randint",
        "random",
        "random_sample",
        "normal",
        "uniform",
        "choice",
        "shuffle",
        "permutation",
        "standard_normal",
        "binomial",
        "poisson",
    ):
        monkeypatch.setattr(np.random, name, shared)
    for exercise_id in ALL_IDS:
        registry.make(exercise_id, 123)


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_variants_are_plain_data(exercise_id):
    ex = made(exercise_id, 3)
    json.dumps([ex.params, ex.answer, ex.page_params, ex.prompt_values, ex.explain_values])
    assert ex.kind in ("number", "choice", "setting") and ex.section >= 1
    if ex.kind == "number":
        assert ex.tolerance is not None and ex.tolerance >= 0 and math.isfinite(ex.answer) and ex.answer != 0
    else:
        assert ex.tolerance is None
    assert bool(ex.choices) == (ex.kind == "choice")
    if ex.kind == "choice":
        assert ex.answer in ex.choices


def test_choice_answers_vary_too():
    for exercise_id in ALL_IDS:
        if made(exercise_id, 0).kind == "choice" and exercise_id != "home_bounded":
            assert len({ex.answer for ex in variants(exercise_id)}) >= 2, exercise_id


# --- the answers, recomputed by another route -----------------------------------------------------------------


def counting_output_by_loop(bits: list[int], U: float, W: float) -> list[float]:
    """The counting RNN's states S_0..S_T, one plain-Python step at a time."""
    states = [0.0]
    for x in bits:
        states.append(states[-1] * W + x * U)
    return states


def test_counting_output_matches_a_plain_loop():
    for ex in variants("counting_output"):
        p = ex.params
        assert ex.answer == pytest.approx(counting_output_by_loop(p["x"], p["U"], p["W"])[-1], rel=1e-12)


def test_gradient_at_step_1_is_2_error_times_w_to_the_t_minus_1():
    for ex in variants("counting_gradient_step1"):
        p = ex.params
        y, t, T = counting_output_by_loop(p["x"], p["U"], p["W"])[-1], sum(p["x"]), len(p["x"])
        assert ex.answer == pytest.approx(2 * (y - t) * p["W"] ** (T - 1), rel=1e-12)


def test_gradient_in_u_is_the_closed_form():
    for ex in variants("counting_gradient_u"):
        p = ex.params
        T = len(p["x"])
        y, t = counting_output_by_loop(p["x"], p["U"], p["W"])[-1], sum(p["x"])
        # y = U sum_k x_k W^(T-k), so dxi/dU = 2 (y - t) sum_k x_k W^(T-k)
        assert ex.answer == pytest.approx(
            2 * (y - t) * sum(x * p["W"] ** (T - k) for k, x in enumerate(p["x"], 1)), rel=1e-12
        )


def descent_diverges_at(X: np.ndarray, targets: np.ndarray, start: tuple, lr: float, iters: int) -> int | None:
    """Plain gradient descent written out with the closed forms y_n = U p_n(W), p_n(W) = sum_k x_nk W^(T-k): the
    iteration at which a non-finite value first appears (as in counting.fit), or None."""
    U, W = start
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(iters + 1):
            p, dp = np.zeros(len(X)), np.zeros(len(X))
            for column in X.T:  # Horner's rule for p_n(W) and, differentiated, for dp_n/dW
                p, dp = p * W + column, dp * W + p
            residual = U * p - targets
            cost, gU, gW = residual @ residual, 2 * residual @ p, 2 * residual @ (U * dp)
            if not (np.isfinite(cost) and np.isfinite(gU) and np.isfinite(gW)):
                return i
            if i == iters:
                return None
            U, W = U - lr * gU, W - lr * gW
            if not (np.isfinite(U) and np.isfinite(W)):
                return i + 1
    return None


def test_divergence_iteration_matches_descent_written_out():
    X, targets = counting.book_dataset()
    for ex in variants("counting_diverged_at"):
        p = ex.params
        assert descent_diverges_at(X, targets, (p["u0"], p["w0"]), p["lr"], p["iters"]) == ex.answer


def test_the_safe_rate_really_does_not_diverge_and_the_books_does():
    for ex in variants("counting_safe_rate")[:10]:
        a = ex.answer
        X, targets = (
            counting.book_dataset() if a["data"] == "book" else counting.make_dataset(a["n"], a["len"], a["seed"])
        )
        assert descent_diverges_at(X, targets, (a["u0"], a["w0"]), a["lr"], a["iters"]) is None
        assert descent_diverges_at(X, targets, (a["u0"], a["w0"]), ex.page_params["lr"], a["iters"]) is not None


def test_steps_below_one_percent_is_the_closed_form():
    for ex in variants("gradients_steps_below"):
        w = abs(ex.params["w"])
        assert ex.answer == math.floor(math.log(0.01) / math.log(w)) + 1
        assert 0.5**7 < 0.01 < 0.5**6  # the rule on one case by hand: |0.5|^m < 1 % first at m = 7


def eigenvalues_2x2(W: list[list[float]]) -> tuple[complex, complex]:
    """The roots of lambda^2 - trace lambda + det = 0."""
    (a, b), (c, d) = W
    trace, det = a + d, a * d - b * c
    root = cmath.sqrt(trace * trace / 4 - det)
    return trace / 2 + root, trace / 2 - root


def test_spectral_radius_matches_the_quadratic_formula_and_numpy():
    for ex in variants("gradients_spectral_radius"):
        W = ex.params["W"]
        assert ex.answer == pytest.approx(max(abs(z) for z in eigenvalues_2x2(W)), rel=1e-9)
        assert ex.answer == pytest.approx(np.max(np.abs(np.linalg.eigvals(np.array(W)))), rel=1e-12)


def test_matrix_regime_follows_the_spectral_radius():
    for ex in variants("gradients_matrix_regime"):
        rho = max(abs(z) for z in eigenvalues_2x2(ex.params["W"]))
        expected = "neither" if abs(rho - 1) < 1e-9 else ("vanishing" if rho < 1 else "exploding")
        assert ex.answer == expected, ex.params
    assert {ex.answer for ex in variants("gradients_matrix_regime")} == {"vanishing", "exploding", "neither"}


def test_counting_regime_follows_the_size_of_w():
    for ex in variants("gradients_counting_regime"):
        w = abs(ex.params["W"])
        assert ex.answer == ("neither" if w == 1 else "vanishing" if w < 1 else "exploding")


def test_tanh_state_matches_a_plain_loop():
    for ex in variants("home_tanh_state"):
        params = intro.toy_rnn(1, ex.params["seed"], ex.params["scale"])
        u, w = float(params["W_xh"][0, 0]), float(params["W_hh"][0, 0])
        h = 0.0
        for x in ex.params["x"]:
            h = math.tanh(h * w + x * u)
        assert ex.answer == pytest.approx(h, rel=1e-12)


def test_state_count_is_units_times_steps():
    for ex in variants("home_state_count"):
        assert ex.answer == ex.params["hidden"] * ex.params["T"]


def test_bounded_activations_are_tanh_and_logistic():
    bounded = {"tanh": "bounded", "logistic": "bounded", "relu": "unbounded", "linear": "unbounded"}
    for ex in variants("home_bounded"):
        assert ex.answer == bounded[ex.params["act"]]


def test_nudge_left_is_delta_u_w_to_the_t_minus_1():
    for ex in variants("home_nudge"):
        p = ex.params
        params = intro.toy_rnn(1, p["seed"], p["scale"])
        u, w = abs(float(params["W_xh"][0, 0])), abs(float(params["W_hh"][0, 0]))
        assert ex.answer == pytest.approx(p["delta"] * u * w ** (p["T"] - 1), rel=1e-9)


APPLICATIONS = {
    "sentiment": "many_to_one",
    "frames": "many_to_many",
    "translation": "seq2seq",
    "captioning": "one_to_many",
    "image_class": "one_to_one",
    "spam": "many_to_one",
    "tagging": "many_to_many",
    "summary": "seq2seq",
    "music": "one_to_many",
}


def test_applications_map_to_the_mapping_the_note_gives():
    for ex in variants("mappings_application"):
        assert ex.answer == APPLICATIONS[ex.params["application"]]


def test_output_count_follows_each_mappings_rule():
    for ex in variants("mappings_output_count"):
        task, x = ex.params["task"], ex.params["x"]
        expected = {
            "many_to_one": 1,
            "many_to_many": len(x),
            "seq2seq": len(x) + 1,
            "one_to_many": sum(1 for cell in x if cell) + 1,
        }[task]
        assert ex.answer == expected, (task, x)


def test_light_is_on_after_an_odd_number_of_presses():
    for ex in variants("mappings_light"):
        on, count = False, 0
        for press in ex.params["presses"]:
            on = on != bool(press)
            count += on
        assert ex.answer == count


def test_review_verdict_compares_good_and_bad_words():
    for ex in variants("mappings_review"):
        good = sum(ex.params["review"])
        bad = len(ex.params["review"]) - good
        assert ex.answer == ("pos" if good > bad else "neg" if good < bad else "even")


def test_review_setting_answer_has_the_length_and_verdict_asked():
    for ex in variants("mappings_review_setting"):
        review = ex.answer["review"]
        good, bad = review.count("+"), review.count("-")
        assert good + bad == len(review) == ex.params["length"]
        assert ("pos" if good > bad else "neg" if good < bad else "even") == ex.params["verdict"]


def test_race_winner_matches_each_runner_trained_alone():
    X, targets = counting.book_dataset()
    settings = optimizers_lesson.exercises.RACE_SETTINGS
    for ex in variants("optimizers_race_winner")[:10]:
        p = ex.params
        reached = {}
        for runner in ex.choices:  # fit one runner at a time, not fit_many's lockstep
            lane = race.run_lane(X, targets, (p["u0"], p["w0"]), runner, 500, **settings[runner])
            hits = [i for i, c in enumerate(lane.run.costs) if c <= p["goal"]]
            if hits:
                reached[runner] = hits[0]
        assert min(reached, key=reached.get) == ex.answer
        assert sorted(reached.values())[:2].count(reached[ex.answer]) == 1  # no tie


def test_rprop_first_step_is_the_initial_step_halved_against_the_gradient():
    X, targets = counting.book_dataset()
    for ex in variants("optimizers_rprop_first_step"):
        p = ex.params
        S = counting.forward(X, p["u0"], p["w0"])
        gU, _ = counting.backward(X, S, targets, p["w0"])
        assert ex.answer == -math.copysign(p["step0"] * 0.5, gU)


def test_clipped_step_is_the_rate_times_the_threshold():
    X, targets = counting.book_dataset()
    for ex in variants("optimizers_clipped_step"):
        p = ex.params
        S = counting.forward(X, p["u0"], p["w0"])
        norm = math.hypot(*counting.backward(X, S, targets, p["w0"]))
        assert ex.answer == pytest.approx(p["lr"] * min(norm, p["threshold"]), rel=1e-9)


def test_rprop_start_answer_converges_and_is_far_enough():
    X, targets = counting.book_dataset()
    for ex in variants("optimizers_rprop_start")[:10]:
        a = ex.answer
        assert math.hypot(a["u0"] - 1, a["w0"] - 1) >= ex.params["min_distance"]
        lane = race.run_lane(X, targets, (a["u0"], a["w0"]), "rprop", a["iters"], step0=a["rp_d0"], variant=a["rp_var"])
        assert lane.run.diverged_at is None and math.hypot(*(lane.run.params[-1] - 1.0)) < 1e-3


def test_curvature_matches_a_finite_difference_hessian():
    X, targets = counting.book_dataset()

    def gradient(U: float, W: float) -> np.ndarray:
        return np.array(counting.backward(X, counting.forward(X, U, W), targets, W))

    for ex in variants("optimizers_curvature")[:20]:
        U, W, h = ex.params["U"], ex.params["W"], 1e-6
        H = np.column_stack(
            [(gradient(U + h, W) - gradient(U - h, W)) / (2 * h), (gradient(U, W + h) - gradient(U, W - h)) / (2 * h)]
        )
        low = np.linalg.eigvalsh((H + H.T) / 2)[0]
        assert ex.answer == ("bowl" if low > 0 else "saddle"), ex.params


def test_cell_after_matches_a_plain_loop():
    for ex in variants("lstm_cell_after"):
        c = ex.params["c0"]
        for f, i, a in zip(ex.params["f"], ex.params["i"], ex.params["a"], strict=True):
            c = f * c + i * a
        assert ex.answer == pytest.approx(c, rel=1e-12, abs=1e-12)


def test_readout_is_o_times_tanh_of_the_written_value():
    for ex in variants("lstm_readout"):
        assert ex.answer == pytest.approx(ex.params["o"] * math.tanh(ex.params["value"]), rel=1e-12)


def test_memory_left_is_sigmoid_to_the_power_of_the_steps():
    for ex in variants("lstm_memory_left"):
        f = 1.0 / (1.0 + math.exp(-ex.params["sat"]))
        assert ex.answer == pytest.approx(f ** ex.params["steps"], rel=1e-12)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_keep_setting_answer_keeps_the_cell_in_a_plain_loop():
    for ex in variants("lstm_keep_setting"):
        a = ex.answer
        h, c = a["h"], a["c"]
        for _ in range(3):
            z = {g: a[f"w{g}"] * a["x"] + a[f"u{g}"] * h + a[f"b{g}"] for g in "fiao"}
            c = sigmoid(z["f"]) * c + sigmoid(z["i"]) * math.tanh(z["a"])
            h = sigmoid(z["o"]) * math.tanh(c)
            assert abs(c - a["c"]) <= 0.02 * abs(a["c"])


def test_highway_vanishes_below_one_and_holds_at_one():
    for ex in variants("lstm_highway"):
        assert ex.answer == ("neither" if ex.params["f"] == 1.0 else "vanishing")


# --- hints that fit the mistake -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exercise_id", "mistake", "hint"),
    [
        ("counting_output", lambda ex: -ex.answer, "exercises.hint_sign"),
        ("counting_gradient_step1", lambda ex: -ex.answer, "exercises.hint_sign"),
        ("counting_gradient_step1", lambda ex: ex.answer / 2, "exercises.counting_gradient_step1_hint_two"),
        ("counting_gradient_u", lambda ex: -ex.answer, "exercises.hint_sign"),
        ("counting_diverged_at", lambda ex: ex.answer + 1, "exercises.counting_diverged_at_hint_count"),
        ("gradients_steps_below", lambda ex: ex.answer - 1, "exercises.gradients_steps_below_hint_off"),
        ("gradients_steps_below", lambda ex: ex.answer + 1, "exercises.gradients_steps_below_hint_off"),
        ("optimizers_rprop_first_step", lambda ex: -ex.answer, "exercises.hint_sign"),
        ("optimizers_rprop_first_step", lambda ex: 2 * ex.answer, "exercises.optimizers_rprop_first_step_hint_halved"),
        ("lstm_readout", lambda ex: -ex.answer, "exercises.hint_sign"),
        ("lstm_memory_left", lambda ex: 100 * ex.answer, "exercises.lstm_memory_left_hint_percent"),
        ("home_state_count", lambda ex: ex.answer + ex.params["hidden"], "exercises.home_state_count_hint_initial"),
        ("mappings_light", lambda ex: sum(ex.params["presses"]), "exercises.mappings_light_hint_presses"),
    ],
)
def test_a_recognisable_mistake_gets_its_own_hint(exercise_id, mistake, hint):
    for ex in variants(exercise_id):
        if hint.endswith("step1_hint_two") and abs(ex.params["W"]) in (0.5, 2.0):
            continue  # with |W| = 2 or 1/2, halving the gradient gives the same number as a step too many or few
        assert ex.check(str(mistake(ex))) == exercise.Verdict(False, hint, None), ex.params


def test_using_w_where_u_was_meant_gets_its_hint():
    for ex in variants("counting_gradient_u"):
        S = counting.forward(np.array([ex.params["x"]], dtype=float), ex.params["U"], ex.params["W"])
        _, gW = counting.backward(
            np.array([ex.params["x"]], dtype=float), S, np.array([sum(ex.params["x"])]), ex.params["W"]
        )
        assert ex.check(gW).hint_key == "exercises.counting_gradient_u_hint_w"


def test_forgetting_the_last_step_gets_its_hint():
    for ex in variants("counting_output"):
        last_but_one = counting_output_by_loop(ex.params["x"], ex.params["U"], ex.params["W"])[-2]
        if not ex.close(last_but_one, ex.answer) and not ex.close(last_but_one, -ex.answer):
            assert ex.check(last_but_one).hint_key == "exercises.counting_output_hint_last"


def test_singular_value_for_spectral_radius_gets_its_hint():
    for ex in variants("gradients_spectral_radius"):
        lambda1 = float(np.linalg.svd(np.array(ex.params["W"]), compute_uv=False)[0])
        assert ex.check(lambda1).hint_key == "exercises.gradients_spectral_radius_hint_singular"


def test_an_unrecognised_wrong_number_gets_the_exercises_own_hint():
    ex = made("counting_output", 0)
    assert ex.check(ex.answer * 3 + 7) == exercise.Verdict(False, "exercises.counting_output_hint", None)


def test_settings_hints_say_what_went_wrong():
    ex = made("counting_safe_rate", 0)
    assert ex.check({**ex.answer, "lr": 0.5}).hint_key == "exercises.counting_safe_rate_hint"
    assert ex.check({**ex.answer, "iters": 1}).hint_key == "exercises.hint_settings_changed"
    keep = made("lstm_keep_setting", 0)
    shut = {"wf": 0.0, "uf": 0.0, "bf": -6.0}  # the forget gate closed: the cell leaks
    assert keep.check({**keep.answer, **shut}).hint_key == "exercises.lstm_keep_setting_hint_forget"
    assert keep.check({**keep.answer, "bi": 6.0, "wi": 0.0, "ba": 6.0, "wa": 0.0, "ua": 0.0}).hint_key == (
        "exercises.lstm_keep_setting_hint_input"
    )
    assert keep.check({**keep.answer, "x": keep.answer["x"] + 0.1}).hint_key == "exercises.hint_settings_changed"
    start = made("optimizers_rprop_start", 0)
    assert start.check({**start.answer, "u0": 1.0, "w0": 1.0}).hint_key == "exercises.optimizers_rprop_start_hint_close"
    review = made("mappings_review_setting", 0)
    assert review.check({**review.answer, "review": "+"}).hint_key == "exercises.mappings_review_setting_hint_length"
    assert review.check({**review.answer, "m": "seq2seq"}).hint_key == "exercises.hint_settings_changed"


# --- reading answers, and malformed input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.5", 1.5),
        (" -1.5 ", -1.5),
        ("+2", 2.0),
        ("3e-4", 3e-4),
        ("2.5E3", 2500.0),
        (".5", 0.5),
        ("−0.25", -0.25),
        (7, 7.0),
        (np.float64(0.5), 0.5),
        (np.int64(3), 3.0),
    ],
)
def test_numbers_are_read_as_typed(typed, value):
    assert base.read_number(typed) == value


@pytest.mark.parametrize(
    "typed",
    [
        "1,5",
        "1 5",
        "abc",
        "",
        "  ",
        "1/3",
        "0x10",
        "1_000",
        "nan",
        "inf",
        "-inf",
        "1e999",
        "1.5.2",
        "--1",
        "e5",
        None,
        True,
        False,
        [1.0],
        {"x": 1},
        float("nan"),
        float("inf"),
        1 + 2j,
    ],
)
def test_anything_else_is_not_a_number(typed):
    assert base.read_number(typed) is None


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_malformed_responses_get_a_message_never_an_exception(exercise_id):
    ex = made(exercise_id, 1)
    message = {
        "number": "exercises.malformed_number",
        "choice": "exercises.unknown_choice",
        "setting": "exercises.malformed_setting",
    }[ex.kind]
    for response in ("certainly not", None, {"a": 1}, [1, 2], 3.5j, True, float("nan"), object()):
        if ex.kind == "setting" and isinstance(response, dict):
            continue  # a dict is a setting's form: tested below
        assert ex.check(response) == exercise.Verdict(False, None, message), response
    assert ex.check("x" * 201) == exercise.Verdict(False, None, "exercises.too_long")
    if ex.kind == "setting":
        assert ex.check({}) == exercise.Verdict(False, None, "exercises.malformed_setting")
        first_number = next((name for name, kind in ex.fields if kind != "text"), None)
        if first_number is not None:
            assert ex.check({**ex.answer, first_number: "abc"}).message_key == "exercises.malformed_setting"
            assert ex.check({**ex.answer, first_number: None}).message_key == "exercises.malformed_setting"
        text = next((name for name, kind in ex.fields if kind == "text"), None)
        if text is not None:
            assert ex.check({**ex.answer, text: "x" * 201}).message_key == "exercises.too_long"
            assert ex.check({**ex.answer, text: 5}).message_key == "exercises.malformed_setting"
    if ex.kind == "number":
        assert ex.check("1,5").message_key == "exercises.malformed_number"  # a decimal comma is refused
    if ex.kind == "choice":
        assert ex.check(f"  {ex.answer} ").correct  # spaces around a key are fine


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_check_never_raises_on_odd_settings_or_strings(exercise_id):
    ex = made(exercise_id, 2)
    odd = ["", "-", "1e308", "-1e308", "0", "9" * 200, "\u0000", "😀", "1e-320"]
    for response in odd:
        assert isinstance(ex.check(response), exercise.Verdict)
    if ex.kind == "setting":
        for name, kind in ex.fields:
            for value in (
                [1e308, -1e308, 0, -0.0, 1e-320, "1e308", float("inf")]
                if kind != "text"
                else ["", "x" * 200, "😀", "+-+"]
            ):
                verdict = ex.check({**ex.answer, name: value})
                assert isinstance(verdict, exercise.Verdict)


# --- texts and links ------------------------------------------------------------------------------------------


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_prompts_and_explanations_fill_in_both_languages(exercise_id, lang):
    catalog = texts(lang)
    for ex in (made(exercise_id, seed) for seed in SEEDS[:10]):  # ten: the texts, not the variants, are checked
        for key, values in ((ex.prompt_key, ex.prompt_values), (ex.explain_key, ex.explain_values)):
            filled = exercise.fill(values, catalog.__getitem__)
            assert fields(catalog[key]) <= set(filled), key
            assert "{" not in catalog[key].format(**filled)
        hints = {ex.hint_key, *(hint for hint, _ in ex.mistakes)}
        for key in hints:
            assert fields(catalog[key]) == set(), f"{key}: hints are shown without values"
        for choice in ex.choices:
            assert registry.choice_labels()[choice] in catalog


def test_messages_exist_in_both_languages():
    for lang in ("en", "ko"):
        for key in (base.MALFORMED_NUMBER, base.UNKNOWN_CHOICE, base.TOO_LONG, base.MALFORMED_SETTING):
            assert key in texts(lang) and fields(texts(lang)[key]) == set()


def page_params_of(lesson: str) -> dict[str, tuple]:
    """The URL parameters a lesson page declares, ``name -> (lo, hi)``: its params.py's, registered with it."""
    return {p.name: (p.lo, p.hi) for p in registry.page(lesson).params}


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_page_params_are_the_lessons_own_url_parameters_within_their_ranges(exercise_id):
    declared = page_params_of(made(exercise_id, 0).lesson)
    for ex in variants(exercise_id)[:20]:
        setting = {**ex.page_params, **(ex.answer if ex.kind == "setting" else {})}
        assert setting, exercise_id
        for name, value in setting.items():
            assert name in declared, (exercise_id, name)
            lo, hi = declared[name]
            if lo is not None and hi is not None and isinstance(value, (int, float)):
                assert lo <= value <= hi, (exercise_id, name, value)
        for name, _ in ex.fields:
            assert name in declared, (exercise_id, name)


def test_typed_page_inputs_are_read_by_the_pages_own_parsers():
    for ex in variants("counting_output"):
        x = counting.parse_sequence(ex.page_params["seq"], counting_lesson.params.MAX_STEPS)
        assert x.tolist() == ex.params["x"]
    for ex in variants("home_tanh_state"):
        limits = home_lesson.params.MAX_STEPS, home_lesson.params.INPUT_LIMIT
        assert intro.parse_numbers(ex.page_params["x"], *limits).tolist() == ex.params["x"]
    for ex in variants("mappings_output_count"):
        task = ex.params["task"]
        name = mappings_lesson.params.INPUT_PARAM[task]
        assert mappings.parse(task, ex.page_params[name]).tolist() == ex.params["x"]
    from rnn_core.matrix_input import parse_matrix  # the gradients page's own

    for ex in variants("gradients_spectral_radius"):
        assert parse_matrix(ex.page_params["matrix"]).tolist() == ex.params["W"]


# --- numbers as the pages write them (issue 10) ---------------------------------------------------------------

NUMBER_IDS = [exercise_id for exercise_id in ALL_IDS if made(exercise_id, 0).kind == "number"]


def test_the_exercises_write_numbers_with_the_pages_formatter():
    from ui import numbers

    # One formatter (rnn_core.numfmt) for pages and exercises: a second copy here would drift from the pages.
    assert base.num is numbers.num
    assert base.num(-123456.0) == "\u22121.23·10⁵"
    # A percentage is made before its language is known; filled in, it reads as the page's own in that language.
    for lang, shown in (("en", "15.3 %"), ("ko", "15.3%")):
        assert base.fill({"p": base.percentage(0.153)}, texts(lang).__getitem__) == {"p": shown}
        assert numbers.percent(0.153, lang=lang) == shown


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.23·10⁵", 1.23e5),
        ("−4.5·10⁻⁶", -4.5e-6),
        ("2×10^3", 2e3),
        ("2 × 10^-3", 2e-3),
        ("7*10^−2", 7e-2),
        (" 1·10³⁰⁰ ", 1e300),
    ],
)
def test_a_power_of_ten_is_read_as_the_pages_write_it(typed, value):
    assert base.read_number(typed) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("typed", ["·10⁵", "1.2.3·10⁵", "abc·10⁵", "1·10", "1e5·10³", "1·10⁵⁵⁵⁵", "1·11⁵"])
def test_a_broken_power_of_ten_is_not_a_number(typed):
    assert base.read_number(typed) is None


@pytest.mark.parametrize("exercise_id", NUMBER_IDS)
def test_the_answer_typed_as_a_page_shows_it_is_right(exercise_id):
    """What a student reads (the answer the box shows, 3 significant digits, true minus, ·10ⁿ) is accepted when
    typed back, even where the exercise's tolerance is tighter than 3 digits; and as typed with a hyphen."""
    from ui import numbers

    for ex in variants(exercise_id):
        shown = numbers.num(ex.answer)
        assert ex.check(shown).correct, (exercise_id, ex.answer, shown)
        assert ex.check(shown.replace("\u2212", "-")).correct, (exercise_id, shown)


NUMBER_RUN = r"(?<![\w`])-\d|\d[eE][+-]?\d"  # a hyphen for a minus sign, or 1e+05: not the pages' style


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_prompts_and_explanations_write_numbers_in_the_pages_style(exercise_id, lang):
    import re

    catalog = texts(lang)
    for ex in variants(exercise_id)[:20]:
        for key, values in ((ex.prompt_key, ex.prompt_values), (ex.explain_key, ex.explain_values)):
            shown = catalog[key].format(**exercise.fill(values, catalog.__getitem__))
            prose = re.sub(r"`[^`]*`|\$[^$]*\$", "", shown)  # typed inputs (code) and maths are not prose numbers
            assert not re.search(NUMBER_RUN, prose), (exercise_id, lang, shown)
            assert "{" not in shown and "'key'" not in shown, shown


def test_the_nudge_computed_from_the_numbers_shown_is_right():
    """The prompt's u and w are rounded for reading: computed from them, the answer is still within tolerance."""
    for ex in variants("home_nudge"):
        u, w = (base.read_number(ex.prompt_values[name]) for name in ("u", "w"))
        delta = base.read_number(ex.prompt_values["delta"])
        assert ex.check(delta * abs(u) * abs(w) ** (ex.params["T"] - 1)).correct


def test_the_tanh_state_computed_from_the_numbers_shown_is_right():
    for ex in variants("home_tanh_state"):
        u, w = (base.read_number(ex.prompt_values[name]) for name in ("u", "w"))
        x = [base.read_number(v) for v in ex.prompt_values["x"].split(", ")]
        h = 0.0
        for value in x:
            h = math.tanh(h * w + value * u)
        assert ex.check(h).correct


def test_lists_and_nested_texts_are_filled_and_joined():
    shown = exercise.fill(
        {"a": [base.text("k", name=base.text("n"), at=3), "x"], "b": base.text("n")},
        {"k": "{name} at {at}", "n": "Adam"}.__getitem__,
    )
    assert shown == {"a": "Adam at 3, x", "b": "Adam"}


def test_a_value_made_on_read_is_made_once_when_first_read_and_reads_as_its_dict():
    made = []

    def make() -> dict:
        made.append(1)
        return {"lr": 0.5, "iters": 3}

    lazy = MadeOnRead(make)
    assert made == []  # making the exercise did not make it
    with ThreadPoolExecutor(8) as pool:  # two sessions that share a variant may read it at once
        read = list(pool.map(lambda _: dict(lazy), range(32)))
    assert made == [1]
    assert read == [{"lr": 0.5, "iters": 3}] * 32
    assert {**lazy, "x": 1} == {"lr": 0.5, "iters": 3, "x": 1} and lazy == {"lr": 0.5, "iters": 3}
    assert copy.deepcopy(lazy) == {"lr": 0.5, "iters": 3} and type(pickle.loads(pickle.dumps(lazy))) is dict
    items = MadeOnReadTuple(lambda: (1, 2))
    assert list(items) == [1, 2] and items == (1, 2) and len(items) == 2


def test_safe_rate_makes_its_sample_solution_only_when_the_answer_is_read():
    ex = registry.make("counting_safe_rate", 11)
    assert isinstance(ex.answer, MadeOnRead) and ex.answer._make is not None  # not made with the variant
    assert ex.check(dict(ex.answer)).correct  # and, once made, it is a solution
