"""Exercises on the counting RNN (``S_t = S_{t-1} W + X_t U``, y = S_T; :mod:`rnn_core.counting`).

The page's URL parameters: ``seq``, ``u``, ``w`` (sections 1-3), ``data``, ``u0``, ``w0``, ``lr``, ``iters``
(section 4); their ranges and the book's values are :mod:`lessons.counting.params`.
"""

from __future__ import annotations

import numpy as np

from lessons.counting.params import BOOK, P
from rnn_core import counting, lockstep, race
from rnn_core.exercise import (
    HINT_SETTINGS_CHANGED,
    HINT_SIGN,
    Exercise,
    MadeOnRead,
    bits_text,
    grid,
    num,
    shown_numbers,
    signed_sum,
    text,
)

LESSON = "counting"
WEIGHTS = (-1.5, -1.0, -0.5, 0.5, 0.75, 1.25, 1.5, 2.0)  # on the page's slider grid (P["u"].step, 0.05)
# All diverge from the book's start, its own rate among them.
DIVERGING_RATES = (0.0004, 0.00045, BOOK["lr"], 0.0006, 0.0007, 0.0008, 0.001)
SAFE_CANDIDATES = (0.0001, 0.00005, 0.00002, 0.00001)  # tried in order for a sample solution of the rate exercise


def _sequence(rng: np.random.Generator, low: int, high: int) -> np.ndarray:
    """A bit sequence of length ``low..high`` with at least one 1 (so that the target is not 0)."""
    x = rng.integers(0, 2, size=int(rng.integers(low, high + 1))).astype(np.float64)
    x[rng.integers(0, len(x))] = 1.0
    return x


def _one(x: np.ndarray, U: float, W: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Forward and BPTT on one sequence, with its count as the target: states (T+1,), target (1,), bptt."""
    S = counting.forward(x[None, :], U, W)
    target = np.array([x.sum()])
    return S[0], target, counting.bptt(x[None, :], S, target, W)


def output(rng: np.random.Generator) -> Exercise:
    """The output y = S_T for a given sequence, U and W (section 2)."""
    while True:
        x = _sequence(rng, 4, 6)
        U, W = (float(rng.choice(WEIGHTS)) for _ in range(2))
        S, _, _ = _one(x, U, W)
        if U != W and abs(S[-1]) >= 0.1:  # swapping U and W is a mistake one can see; y = 0 would hide the sign
            break
    swapped = counting.forward(x[None, :], W, U)[0, -1]
    return Exercise(
        id="counting_output",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"x": x.astype(int).tolist(), "U": U, "W": W},
        answer=float(S[-1]),
        tolerance=1e-3,
        floor=1e-6,
        choices=(),
        prompt_key="exercises.counting_output_prompt",
        prompt_values={"seq": bits_text(x), "U": num(U), "W": num(W), "T": len(x)},
        explain_key="exercises.counting_output_explain",
        explain_values={"states": shown_numbers(S), "y": num(S[-1]), "T": len(x)},
        page_params={"seq": bits_text(x), "u": U, "w": W},
        hint_key="exercises.counting_output_hint",
        mistakes=(
            (HINT_SIGN, -S[-1]),
            ("exercises.counting_output_hint_last", S[-2]),
            ("exercises.counting_output_hint_extra", S[-1] * W),
            ("exercises.counting_output_hint_swapped", swapped),
        ),
    )


def gradient_step1(rng: np.random.Generator) -> Exercise:
    """dξ/dS_1, the gradient that backpropagation through time brings back to step 1 (section 3)."""
    while True:
        x = _sequence(rng, 3, 5)
        U, W = (float(rng.choice(WEIGHTS)) for _ in range(2))
        S, target, steps = _one(x, U, W)
        if S[-1] != target[0] and abs(W) != 1.0:  # a nonzero error; |W| = 1 would hide off-by-one steps
            break
    gS = steps["gS"][0]
    T = len(x)
    return Exercise(
        id="counting_gradient_step1",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"x": x.astype(int).tolist(), "U": U, "W": W},
        answer=float(gS[1]),
        tolerance=1e-3,
        floor=1e-6,
        choices=(),
        prompt_key="exercises.counting_gradient_step1_prompt",
        prompt_values={"seq": bits_text(x), "U": num(U), "W": num(W), "T": T},
        explain_key="exercises.counting_gradient_step1_explain",
        explain_values={
            "y": num(S[-1]),
            "t": num(target[0]),
            "top": num(gS[T]),
            "W": num(W),
            "n": T - 1,
            "answer": num(gS[1]),
            "T": T,
        },
        page_params={"seq": bits_text(x), "u": U, "w": W},
        hint_key="exercises.counting_gradient_step1_hint",
        mistakes=(
            (HINT_SIGN, -gS[1]),
            ("exercises.counting_gradient_step1_hint_steps", gS[0]),
            ("exercises.counting_gradient_step1_hint_steps", gS[2]),
            ("exercises.counting_gradient_step1_hint_two", gS[1] / 2),
        ),
    )


def gradient_u(rng: np.random.Generator) -> Exercise:
    """dξ/dU on one sequence (section 3)."""
    while True:
        x = _sequence(rng, 3, 5)
        U, W = (float(rng.choice(WEIGHTS)) for _ in range(2))
        S, target, steps = _one(x, U, W)
        gU, gW = float(steps["gU"].sum()), float(steps["gW"].sum())
        if S[-1] != target[0] and abs(gU - gW) > 1e-2 * abs(gU) and gU != 0:
            break
    return Exercise(
        id="counting_gradient_u",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"x": x.astype(int).tolist(), "U": U, "W": W},
        answer=gU,
        tolerance=1e-3,
        floor=1e-6,
        choices=(),
        prompt_key="exercises.counting_gradient_u_prompt",
        prompt_values={"seq": bits_text(x), "U": num(U), "W": num(W)},
        explain_key="exercises.counting_gradient_u_explain",
        explain_values={"terms": signed_sum(steps["gU"]), "answer": num(gU), "top": num(steps["gS"][0, -1])},
        page_params={"seq": bits_text(x), "u": U, "w": W},
        hint_key="exercises.counting_gradient_u_hint",
        mistakes=((HINT_SIGN, -gU), ("exercises.counting_gradient_u_hint_w", gW)),
    )


def diverged_at(rng: np.random.Generator) -> Exercise:
    """The iteration at which plain gradient descent overflows, on the book's data (section 4)."""
    X, targets = counting.book_dataset()
    iters = BOOK["iters"]
    while True:
        lr = float(rng.choice(DIVERGING_RATES))
        start = (grid(rng, -2.5, -1.0, P["u0"].step), grid(rng, -0.5, 0.5, P["w0"].step))
        run = race.run_lane(X, targets, start, "sgd", iters, lr=lr).run  # counting.fit's run, at a fifth of the cost
        if run.diverged_at is not None and run.diverged_at > 2:  # diverges, and not at once
            break
    answer = int(run.diverged_at)
    return Exercise(
        id="counting_diverged_at",
        lesson=LESSON,
        kind="number",
        section=4,
        params={"lr": lr, "u0": start[0], "w0": start[1], "iters": iters},
        answer=answer,
        tolerance=0.0,
        choices=(),
        prompt_key="exercises.counting_diverged_at_prompt",
        prompt_values={"lr": num(lr), "u0": num(start[0]), "w0": num(start[1]), "iters": iters},
        explain_key="exercises.counting_diverged_at_explain",
        explain_values={"answer": answer, "what": what_overflowed(run, X)},
        page_params={"data": "book", "u0": start[0], "w0": start[1], "lr": lr, "iters": iters},
        hint_key="exercises.counting_diverged_at_hint",
        mistakes=(
            ("exercises.counting_diverged_at_hint_count", answer - 1),
            ("exercises.counting_diverged_at_hint_count", answer + 1),
        ),
    )


# What overflowed at the iteration a plain run diverged, one sentence per reason rnn_core.counting.fit can give
# for plain descent (written out so the i18n test sees each key); each says only what fit's check found.
OVERFLOWED = {
    "state": "exercises.counting_diverged_at_state",
    "cost": "exercises.counting_diverged_at_cost",
    "gradient": "exercises.counting_diverged_at_gradient",
    "parameters": "exercises.counting_diverged_at_parameters",
}


def what_overflowed(run: counting.Trajectory, X: np.ndarray) -> dict:
    """The explanation's sentence on what overflowed where ``run`` diverged (``run.reason``), with its numbers:
    the weights there (still finite unless the update itself overflowed), the time step of an overflowing state,
    the largest output |S_T| when only the cost overflowed, the last finite cost when only the gradient did."""
    U, W = run.params[-1]  # the weights evaluated at the diverging iteration, or the last finite ones before an update
    values = {"U": num(U), "W": num(W)}
    if run.reason == "state":
        values["t"] = int(run.detail["t"])
    elif run.reason == "cost":
        with np.errstate(over="ignore", invalid="ignore"):
            values["largest"] = num(float(np.max(np.abs(counting.forward(X, U, W)[:, -1]))))
    elif run.reason == "gradient":
        values["cost"] = num(run.detail["cost"])
    else:
        values["last"] = int(run.diverged_at) - 1
    return text(OVERFLOWED[run.reason], **values)


def safe_rate(rng: np.random.Generator) -> Exercise:
    """A setting: a learning rate at which descent from the book's start does not diverge within the
    iterations, on the book's data or a generated set where the book's rate does diverge (section 4)."""
    iters = int(rng.choice((300, BOOK["iters"], 1000)))
    start, book_lr = BOOK["start"], BOOK["lr"]

    def diverging(X: np.ndarray, targets: np.ndarray, rates: tuple[float, ...]) -> list[bool]:
        """Whether descent from the book's start diverges within the iterations, for each rate. The runs go in
        lockstep on the race's engine (``lockstep.run``: bit for bit what ``fit`` gives each alone, at about a
        fifth of the cost; tests/test_fit_many.py), since every new visitor's variant makes them."""
        steppers = {str(k): lockstep.sgd_stepper(lr) for k, lr in enumerate(rates)}
        runs = lockstep.run(X, targets, start, steppers, iters)
        return [run.diverged_at is not None for run, _ in runs.values()]

    while True:
        if rng.random() < 0.3:
            data = {"data": "book"}
        else:  # a generated set of the page's default size (the book's), with a seed of its own
            data = {
                "data": "generated",
                "n": P["n"].default,
                "len": P["len"].default,
                "seed": int(rng.integers(0, 1000)),
            }
        X, targets = _dataset(data)
        if diverging(X, targets, (book_lr,))[0]:
            break  # the page opens on a rate that diverges: the student has something to fix

    def judge(values: dict) -> str | None:
        chosen = {name: values[name] for name in data}  # the generated set's size and seed only when generated
        if chosen != data or (values["u0"], values["w0"]) != start or values["iters"] != iters:
            return HINT_SETTINGS_CHANGED
        if not P["lr"].lo <= values["lr"] <= P["lr"].hi or diverging(X, targets, (values["lr"],))[0]:
            return "exercises.counting_safe_rate_hint"
        return None

    # The sample solution: the first candidate that does not diverge, tried one at a time. It is made when the
    # answer is first read (after two tries), not with each new visitor's variant: it runs all the iterations at
    # least once (about 25 ms), and most variants are never shown theirs.
    def working() -> float:
        return next(lr for lr in SAFE_CANDIDATES if not diverging(X, targets, (lr,))[0])

    solution = MadeOnRead(lambda: {"lr": working()})
    page = {**data, "u0": start[0], "w0": start[1], "iters": iters}
    return Exercise(
        id="counting_safe_rate",
        lesson=LESSON,
        kind="setting",
        section=4,
        params={**data, "iters": iters},
        answer=MadeOnRead(lambda: {**page, "lr": solution["lr"]}),
        tolerance=None,
        choices=(),
        prompt_key="exercises.counting_safe_rate_prompt",
        prompt_values={"iters": iters, "u0": num(start[0]), "w0": num(start[1]), "book_lr": num(book_lr)},
        explain_key="exercises.counting_safe_rate_explain",
        explain_values=MadeOnRead(lambda: {"lr": num(solution["lr"]), "iters": iters}),
        page_params={**page, "lr": book_lr},
        hint_key="exercises.counting_safe_rate_hint",
        fields=(
            ("lr", "float"),
            ("u0", "float"),
            ("w0", "float"),
            ("iters", "int"),
            ("data", "text"),
            *((name, "int") for name in ("n", "len", "seed") if name in data),
        ),
        judge=judge,
    )


def _dataset(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """The page's data set for its ``data``, ``n``, ``len`` and ``seed`` settings."""
    if data["data"] == "book":
        return counting.book_dataset()
    return counting.make_dataset(data["n"], data["len"], data["seed"])


EXERCISES = {
    "counting_output": output,
    "counting_gradient_step1": gradient_step1,
    "counting_gradient_u": gradient_u,
    "counting_diverged_at": diverged_at,
    "counting_safe_rate": safe_rate,
}
