"""The counting lesson's claims and exercises, checked against computations of their own (issue 22): a forward
pass and the cost written here, finite differences of the cost in the states, the closed form W^(T-1), and what
the page shows at each exercise's own setting.
"""

from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import assert_clean, open_app, read_num, texts
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.counting import divergence, exercises, params, readings
from rnn_core import counting, optim
from rnn_core.exercise import HINT_SIGN, fill
from ui.i18n import catalog
from ui.numbers import num

SIGNED = {"en": "(with its sign)", "ko": "부호까지 포함해"}


def states(X: np.ndarray, U: float, W: float) -> np.ndarray:
    """S_0 = 0, S_t = S_{t-1} W + X_t U for (N, T) inputs: (N, T+1), written here (overflow allowed)."""
    S = np.zeros((X.shape[0], X.shape[1] + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(X.shape[1]):
            S[:, t + 1] = S[:, t] * W + X[:, t] * U
    return S


def squared_error(S: np.ndarray, targets: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sum((targets - S[:, -1]) ** 2))


def backward_column(at, lang: str, k: int) -> str:
    """The cell of the backward table's ∂ξ/∂S_k column in the row of step k, as the page writes it."""
    header_k, header_g = catalog(lang)["counting.col_k"], catalog(lang)["counting.col_gS"]
    for element in at.markdown:
        lines = [line.strip().strip("|").split(" | ") for line in element.value.splitlines() if line.strip()]
        if len(lines) > 2 and [c.strip() for c in lines[0]][:3] == [
            header_k,
            catalog(lang)["counting.col_xk"],
            header_g,
        ]:
            for row in lines[2:]:
                if row[0].strip() == str(k):
                    return row[2].strip()
    raise AssertionError("no backward table with a row for step k")


def explained(ex, lang: str) -> str:
    table, key = ex.explain_key.split(".", 1)
    return catalog(lang)[f"{table}.{key}"].format(**fill(ex.explain_values, lambda k: catalog(lang)[k]))


def prompted(ex, lang: str) -> str:
    return catalog(lang)[ex.prompt_key].format(**fill(ex.prompt_values, lambda k: catalog(lang)[k]))


# --- issue 22, defects 9 and 12 --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_issue22_9_the_gradient_at_step_1_is_asked_with_its_sign(lang):
    """Seed 11 asked "How large is the gradient ∂ξ/∂S₁" (English); its answer is −0.195 and 0.195, its size, was
    marked wrong. The prompt now asks for the gradient with its sign, and the page's number is accepted."""
    ex = exercises.gradient_step1(np.random.default_rng(11))
    assert num(ex.answer) == "\u22120.195"
    assert SIGNED[lang] in prompted(ex, lang)
    at = open_app(page="counting", lang=lang, params=ex.page_params)
    assert_clean(at)
    shown = backward_column(at, lang, 1)  # what a student reads off section 3's table
    assert ex.check(shown).correct
    assert ex.check(num(abs(ex.answer))).hint_key == HINT_SIGN  # its size: told that the sign is asked for
    x = np.array(ex.params["x"], dtype=float)  # and the number is ∂ξ/∂S_1, by finite differences
    S = states(x[None], ex.params["U"], ex.params["W"])

    def nudged(eps: float) -> float:
        s = S[0, 1] + eps
        for t in range(1, len(x)):
            s = s * ex.params["W"] + x[t] * ex.params["U"]
        return (x.sum() - s) ** 2

    assert read_num(shown) == pytest.approx((nudged(1e-6) - nudged(-1e-6)) / 2e-6, rel=2e-3)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_issue22_12_the_divergence_explanation_names_what_overflowed(lang):
    """Seed 0 (lr 8·10⁻⁴ from (−1.5, 0)) explained "…and the next state overflows", though every state stays
    finite (the largest |S_T| is 1.2·10²¹⁰) and the squared error is what overflows."""
    ex = exercises.diverged_at(np.random.default_rng(0))
    assert (ex.params["lr"], ex.params["u0"], ex.params["w0"]) == (0.0008, -1.5, 0.0)
    text = explained(ex, lang)
    assert "next state overflows" not in text and "그다음 상태가 넘칩니다" not in text
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (ex.params["u0"], ex.params["w0"]), optim.sgd(0.0008), 500)
    U, W = run.params[ex.answer]
    S = states(X, U, W)
    assert np.all(np.isfinite(S)) and not np.isfinite(squared_error(S, targets))  # the cost, not a state
    assert num(float(np.abs(S[:, -1]).max())) in text
    assert catalog(lang)["exercises.counting_diverged_at_cost"].split("{")[0] in text
    at = open_app(page="counting", lang=lang, params=ex.page_params)  # the page says the same, at that iteration
    assert_clean(at)
    page = texts(at)
    assert catalog(lang)["counting.stop_headline"].format(iteration=ex.answer) in page
    assert catalog(lang)["counting.stop_cost"].format(fmax=divergence.num(divergence.FLOAT64_MAX, 2)) in page


# --- exercises: what overflowed, at many seeds -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_diverged_at_explains_what_its_own_run_overflowed(seed):
    ex = exercises.diverged_at(np.random.default_rng(seed))
    X, targets = counting.book_dataset()
    U, W = (float(v) for v in (ex.params["u0"], ex.params["w0"]))
    lr, what = ex.params["lr"], ex.explain_values["what"]
    for _ in range(ex.answer):  # plain descent, written here
        S = states(X, U, W)
        assert np.all(np.isfinite(S)) and np.isfinite(squared_error(S, targets))
        r = 2 * (S[:, -1] - targets)  # dξ/dS_T
        gU = gW = 0.0
        for k in range(X.shape[1], 0, -1):
            gU, gW = gU + float(np.sum(r * X[:, k - 1])), gW + float(np.sum(r * S[:, k - 1]))
            r = r * W
        U, W = U - lr * gU, W - lr * gW
    S = states(X, U, W)
    if what["key"] == "exercises.counting_diverged_at_state":
        first = int(np.argmax(~np.all(np.isfinite(S), axis=0)))
        assert not np.all(np.isfinite(S)) and what["values"]["t"] == first
    elif what["key"] == "exercises.counting_diverged_at_cost":
        assert np.all(np.isfinite(S)) and not np.isfinite(squared_error(S, targets))
    else:
        assert what["key"] in exercises.OVERFLOWED.values()
    assert what["values"]["U"] == num(U) and what["values"]["W"] == num(W)


# --- exercises: the answer is what the page shows ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(0, 200, 9))
def test_number_exercises_answers_are_what_section_2_and_3_show(seed):
    """At each exercise's own setting, the number the page's tables and metrics show is accepted."""
    from lessons.counting import tables

    ex = exercises.output(np.random.default_rng(seed))
    x = counting.parse_sequence(ex.page_params["seq"], params.MAX_STEPS)
    S = counting.forward(x[None], ex.page_params["u"], ex.page_params["w"])
    assert ex.check(num(S[0, -1])).correct  # section 2's metric "y"
    ex = exercises.gradient_step1(np.random.default_rng(seed))
    x = counting.parse_sequence(ex.page_params["seq"], params.MAX_STEPS)
    S = counting.forward(x[None], ex.page_params["u"], ex.page_params["w"])
    steps = counting.bptt(x[None], S, np.array([x.sum()]), ex.page_params["w"])
    table = tables.backward_table(x, steps)  # section 3's table, as the page writes it (language-free numbers)
    row = next(line for line in table.splitlines() if line.startswith("| 1 |"))
    assert ex.check(row.split(" | ")[2].strip()).correct
    ex = exercises.gradient_u(np.random.default_rng(seed))
    x = counting.parse_sequence(ex.page_params["seq"], params.MAX_STEPS)
    S = counting.forward(x[None], ex.page_params["u"], ex.page_params["w"])
    gU, _ = counting.backward(x[None], S, np.array([x.sum()]), ex.page_params["w"])
    assert ex.check(num(gU)).correct  # section 3's metric ∂ξ/∂U


@pytest.mark.parametrize("seed", range(0, 60, 6))
def test_diverged_at_answer_is_the_iteration_the_page_names(seed):
    ex = exercises.diverged_at(np.random.default_rng(seed))
    p = ex.page_params
    run = readings.training(p["data"], 50, 10, 1, (p["u0"], p["w0"]), p["lr"], p["iters"])
    assert ex.check(str(run.diverged_at)).correct  # "Training diverged at iteration …"


# --- sections 1 and 4 at random settings -----------------------------------------------------------------------

BITS = st.lists(st.integers(0, 1), min_size=1, max_size=params.MAX_STEPS)


@given(settings_of([params.P["w"]]), BITS)
def test_section_1_memory_sentence_follows_w_to_the_power_t_minus_1(setting, bits):
    W, T = setting["w"], len(bits)
    text = readings.memory_sentence(T, W)
    en = catalog("en")
    factor = W ** (T - 1)  # the closed form: the first input reaches y multiplied by W^(T-1)
    head = lambda key: en[key].split("{")[0]  # noqa: E731
    if T == 1:
        assert text == en["counting.memory_one_step"]
        return
    if W == 0:
        assert text.startswith(head("counting.memory_zero"))
    elif abs(W) < 1:
        assert text.startswith(head("counting.memory_fades")) and abs(factor) < 1
    elif abs(W) > 1:
        assert text.startswith(head("counting.memory_grows")) and abs(factor) > 1
    else:
        assert text.startswith(head("counting.memory_kept"))
    assert num(factor) in text
    assert (en["counting.memory_alternates"] in text) == (W < 0)


@settings(max_examples=25)
@given(settings_of(params.PARAMS))
def test_section_4_time_reading_follows_the_gradient_by_finite_differences(setting):
    """The gradient along time at (u, w) on the page's data: grows, fades or keeps its size as the norms of
    dξ/dS_k, by finite differences of the cost in each state, do from k = T to k = 0."""
    U, W = setting["u"], setting["w"]
    data = (setting["data"], min(setting["n"], 60), setting["len"], setting["seed"])
    X, targets = readings.dataset(*data)
    norms = readings.gradient_norms(data, U, W)
    text = readings.time_reading(norms, U, W)
    T = X.shape[1]
    S = states(X, U, W)
    if not np.all(np.isfinite(S)) or not np.isfinite(squared_error(S, targets)):
        return  # the overflow sentences: tests/test_app_counting.py
    r = 2 * (S[:, -1] - targets)
    fd = {}
    for k in (0, T):  # dξ/dS_k of each sequence, by the cost's change when S_k alone is nudged
        per_sequence = []
        eps = 1e-4 * max(1.0, float(np.abs(S[:, k]).max()))  # the cost is quadratic in the nudge: only rounding
        for nudge in (eps, -eps):
            s = S[:, k] + nudge
            for t in range(k, T):
                s = s * W + X[:, t] * U
            per_sequence.append((targets - s) ** 2)
        fd[k] = float(np.linalg.norm((per_sequence[0] - per_sequence[1]) / (2 * eps)))
    en = catalog("en")
    if not np.any(r):
        assert text.startswith(en["counting.time_none"].split("{")[0])
    elif fd[T] > 0 and fd[0] > 1.001 * fd[T]:
        assert text.startswith(en["counting.time_grows"].split("{")[0]) or "overflow" in text
    elif fd[T] > 0 and 0 < fd[0] < 0.999 * fd[T]:
        assert text.startswith(en["counting.time_fades"].split("{")[0])
    assert norms[T] == pytest.approx(fd[T], rel=1e-6, abs=1e-9)
    assert norms[0] == pytest.approx(fd[0], rel=1e-6, abs=1e-9)


@settings(max_examples=12)
@given(settings_of(params.PARAMS))
def test_section_4_divergence_story_holds_against_a_forward_pass_of_its_own(setting):
    """Where a run diverged, the story's last full iteration has finite weights, cost and gradient (recomputed
    here), one plain step of η from them gives the weights it names, and there what it says overflowed did."""
    data = (setting["data"], setting["n"], setting["len"], setting["seed"])
    start, lr = (setting["u0"], setting["w0"]), setting["lr"]
    iters = min(setting["iters"], 1000)  # a longer run that has not diverged by then tells nothing new, slowly
    run = readings.training(*data, start, lr, iters)
    event("diverged" if run.diverged_at is not None else "finite")
    if run.diverged_at is None:
        assert np.all(np.isfinite(run.costs)) and len(run.updates) == iters
        return
    event(f"overflowed: {run.reason}")
    X, targets = readings.dataset(*data)
    story = divergence.story(run, lr)
    assert catalog("en")["counting.stop_headline"].format(iteration=run.diverged_at) in story
    last = divergence.last_evaluated(run)
    if last is not None:
        U, W = run.params[last]
        S = states(X, U, W)
        assert np.all(np.isfinite(S)) and np.isfinite(squared_error(S, targets))
        r = 2 * (S[:, -1] - targets)  # dξ/dS_T, then back through W one step at a time
        gU = gW = 0.0
        for k in range(X.shape[1], 0, -1):
            gU, gW = gU + float(np.sum(r * X[:, k - 1])), gW + float(np.sum(r * S[:, k - 1]))
            r = r * W
        assert (num(gU), num(gW)) == (num(run.grads[last][0]), num(run.grads[last][1]))
    if run.reason == "parameters":
        with np.errstate(over="ignore", invalid="ignore"):
            assert not np.all(np.isfinite([U - lr * gU, W - lr * gW]))
        return
    U2, W2 = run.params[run.diverged_at]
    if last is not None:
        assert (num(U2), num(W2)) == (num(U - lr * gU), num(W - lr * gW))  # "threw them to (U2, W2)"
    S = states(X, U2, W2)
    if run.reason == "state":
        first = int(np.argmax(~np.all(np.isfinite(S), axis=0)))
        assert not np.all(np.isfinite(S)) and f"$t$ = {first}" in story
    elif run.reason == "cost":
        assert np.all(np.isfinite(S)) and not np.isfinite(squared_error(S, targets))
    elif run.reason == "gradient":
        assert np.isfinite(squared_error(S, targets))


@pytest.mark.parametrize("seed", range(0, 40, 8))
def test_safe_rate_sample_solution_is_a_run_the_page_shows_finite(seed):
    ex = exercises.safe_rate(np.random.default_rng(seed))
    a = ex.answer
    data = (a["data"], a.get("n", params.P["n"].default), a.get("len", params.P["len"].default), a.get("seed", 1))
    run = readings.training(*data, (a["u0"], a["w0"]), a["lr"], a["iters"])
    assert run.diverged_at is None and ex.check(a).correct  # no "Training diverged" on the page, and accepted
    p = ex.page_params  # and the link opens on a run the page shows diverging
    assert readings.training(*data, (p["u0"], p["w0"]), p["lr"], p["iters"]).diverged_at is not None
