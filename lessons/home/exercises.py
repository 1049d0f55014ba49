"""Exercises on the home page: the recurrence, a small RNN's states, and how much of the first input they keep.

The page's URL parameters (:mod:`lessons.home.params`): ``x`` (the typed inputs), ``act``, ``hidden``,
``seed``, ``scale`` (section 2), ``delta`` (section 3). With ``hidden = 1`` the page's RNN has one unit,
``u = W_xh`` and ``w = W_hh`` drawn by :func:`rnn_core.intro.toy_rnn` from ``seed`` and ``scale``: the exercises
use that very network, so the page shows the same states. Every setting they open the page at is drawn from the
ranges in ``params``.
"""

from __future__ import annotations

import numpy as np

from lessons.home.params import (
    ACTIVATION_NAMES,
    BOUNDED_SCALES,
    EXERCISE_HIDDEN,
    EXERCISE_INPUTS,
    EXERCISE_SEEDS,
    FADING_STEPS,
    INPUT_LIMIT,
    MAX_STEPS,
    NUDGE_DELTAS,
    NUDGE_STEPS,
    ONE_UNIT_SCALES,
    ONE_UNIT_WEIGHTS,
    START_SCALE,
    STATE_COUNT_STEPS,
    P,
)
from rnn_core import counting, intro, vanilla
from rnn_core.errors import InputError
from rnn_core.exercise import (
    HINT_SETTINGS_CHANGED,
    HINT_SIGN,
    Exercise,
    grid,
    num,
    numbers_text,
    percentage,
    shown_numbers,
    text,
)

LESSON = "home"
SHARE = 0.01  # the fading-scale exercise's goal: less than 1 % of the nudge left at the last step
DEFAULTS = {p.name: p.default for p in P.values()}


def _one_unit(rng: np.random.Generator) -> tuple[int, float, float, float]:
    """A page seed and scale whose one-unit RNN has |u| and |w| within ``ONE_UNIT_WEIGHTS``: (seed, scale, u, w)."""
    low, high = ONE_UNIT_WEIGHTS
    while True:
        seed, scale = int(rng.integers(*EXERCISE_SEEDS)), grid(rng, *ONE_UNIT_SCALES)
        params = intro.toy_rnn(1, seed, scale)
        u, w = float(params["W_xh"][0, 0]), float(params["W_hh"][0, 0])
        if low <= abs(u) <= high and low <= abs(w) <= high:
            return seed, scale, u, w


def _inputs(rng: np.random.Generator, steps: int) -> list[float]:
    """``steps`` inputs drawn from the ``EXERCISE_INPUTS`` grid."""
    return [grid(rng, *EXERCISE_INPUTS) for _ in range(steps)]


def tanh_state(rng: np.random.Generator) -> Exercise:
    """The last state of a one-unit tanh RNN, h_t = tanh(h_{t-1} w + x_t u), on three inputs (section 1)."""
    seed, scale, u, w = _one_unit(rng)
    x = _inputs(rng, 3)
    x[0] = x[0] or 1.0  # a first input, so that the state is not 0 from the start
    params = intro.toy_rnn(1, seed, scale)
    H, _ = vanilla.forward(np.array(x)[None, :, None], params, "tanh")
    states = H[0, :, 0]
    linear = counting.forward(np.array([x]), u, w)[0, -1]  # the same rule without tanh
    return Exercise(
        id="home_tanh_state",
        lesson=LESSON,
        kind="number",
        section=1,
        params={"seed": seed, "scale": scale, "x": x},
        answer=float(states[-1]),
        tolerance=1e-2,
        floor=1e-3,
        choices=(),
        prompt_key="exercises.home_tanh_state_prompt",
        prompt_values={"u": num(u, 4), "w": num(w, 4), "x": shown_numbers(x)},
        explain_key="exercises.home_tanh_state_explain",
        explain_values={"states": shown_numbers(states), "h": num(states[-1])},
        page_params={"x": numbers_text(x), "act": "tanh", "hidden": 1, "seed": seed, "scale": scale},
        hint_key="exercises.home_tanh_state_hint",
        mistakes=(
            (HINT_SIGN, -states[-1]),
            ("exercises.home_tanh_state_hint_linear", linear),
            ("exercises.home_tanh_state_hint_last", states[-2]),
        ),
    )


def state_count(rng: np.random.Generator) -> Exercise:
    """How many numbers the page's state heatmap shows: one per unit and step (section 2)."""
    hidden, T = int(rng.integers(*EXERCISE_HIDDEN)), int(rng.integers(*STATE_COUNT_STEPS))
    x = _inputs(rng, T)
    seed, scale, act = DEFAULTS["seed"], DEFAULTS["scale"], DEFAULTS["act"]  # the page's default network
    states = intro.nudge_first_input(intro.toy_rnn(hidden, seed, scale), np.array(x), act, DEFAULTS["delta"])["states"]
    answer = int(states.size)
    return Exercise(
        id="home_state_count",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"hidden": hidden, "T": T},
        answer=answer,
        tolerance=0.0,
        choices=(),
        prompt_key="exercises.home_state_count_prompt",
        prompt_values={"hidden": hidden, "T": T},
        explain_key="exercises.home_state_count_explain",
        explain_values={"hidden": hidden, "T": T, "answer": answer},
        page_params={"x": numbers_text(x), "hidden": hidden, "seed": seed, "scale": scale, "act": act},
        hint_key="exercises.home_state_count_hint",
        mistakes=(
            ("exercises.home_state_count_hint_initial", hidden * (T + 1)),
            ("exercises.home_state_count_hint_add", hidden + T),
        ),
    )


def bounded(rng: np.random.Generator) -> Exercise:
    """Whether an activation keeps the states bounded whatever the inputs and weights (section 2)."""
    act = str(rng.choice(P["act"].options))
    scale = grid(rng, *BOUNDED_SCALES)
    with np.errstate(over="ignore"):
        extremes = vanilla.ACTIVATIONS[act].f(np.array([-1e300, 1e300]))  # the pre-activation's far ends
    answer = "bounded" if np.all(np.abs(extremes) <= 1.0) else "unbounded"
    return Exercise(
        id="home_bounded",
        lesson=LESSON,
        kind="choice",
        section=2,
        params={"act": act, "scale": scale},
        answer=answer,
        tolerance=None,
        choices=("bounded", "unbounded"),
        prompt_key="exercises.home_bounded_prompt",
        prompt_values={"act": text(ACTIVATION_NAMES[act])},
        explain_key="exercises.home_bounded_explain",
        explain_values={"act": text(ACTIVATION_NAMES[act]), "low": num(extremes[0]), "high": num(extremes[1])},
        page_params={"act": act, "scale": scale, "x": numbers_text([INPUT_LIMIT] * 12)},  # the largest inputs
        hint_key="exercises.home_bounded_hint",
    )


def nudge(rng: np.random.Generator) -> Exercise:
    """How much of a nudge δ to the first input is left at the last step of a one-unit linear RNN (section 3)."""
    seed, scale, u, w = _one_unit(rng)
    T = int(rng.integers(*NUDGE_STEPS))
    delta = grid(rng, *NUDGE_DELTAS)
    x = [1.0] + [0.0] * (T - 1)
    difference = intro.nudge_first_input(intro.toy_rnn(1, seed, scale), np.array(x), "linear", delta)["difference"]
    answer = float(difference[-1])
    return Exercise(
        id="home_nudge",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"seed": seed, "scale": scale, "T": T, "delta": delta},
        answer=answer,
        tolerance=1e-2,
        floor=1e-9,
        choices=(),
        prompt_key="exercises.home_nudge_prompt",
        prompt_values={"u": num(u, 4), "w": num(w, 4), "T": T, "delta": num(delta)},
        explain_key="exercises.home_nudge_explain",
        explain_values={
            "delta": num(delta),
            "absu": num(abs(u), 4),
            "absw": num(abs(w), 4),
            "n": T - 1,
            "answer": num(answer),
        },
        page_params={"x": numbers_text(x), "act": "linear", "hidden": 1, "seed": seed, "scale": scale, "delta": delta},
        hint_key="exercises.home_nudge_hint",
        mistakes=(
            ("exercises.home_nudge_hint_steps", answer * abs(w)),
            ("exercises.home_nudge_hint_steps", answer / abs(w)),
            ("exercises.home_nudge_hint_u", answer / abs(u)),
        ),
    )


def fading_scale(rng: np.random.Generator) -> Exercise:
    """A setting: a scale at which less than 1 % of the nudge is left at the last step (section 3)."""
    scales, delta = P["scale"], P["delta"].default  # the page's slider, and its nudge as the link opens it
    while True:
        act = str(rng.choice(("tanh", "linear")))
        hidden, seed = int(rng.integers(*EXERCISE_HIDDEN)), int(rng.integers(*EXERCISE_SEEDS))
        T = int(rng.integers(*FADING_STEPS))
        x = _inputs(rng, T)

        def share(scale: float) -> float:
            run = intro.nudge_first_input(intro.toy_rnn(hidden, seed, scale), np.array(x), act, delta)
            return float(run["difference"][-1]) / delta

        if not share(START_SCALE) < SHARE and share(scales.lo) < SHARE:  # not done at the link, possible there
            break
    fixed = {"act": act, "hidden": hidden, "seed": seed, "x": numbers_text(x)}

    def judge(values: dict) -> str | None:
        try:
            typed = intro.parse_numbers(values["x"], MAX_STEPS, INPUT_LIMIT)
        except InputError:
            return HINT_SETTINGS_CHANGED
        if (values["act"], values["hidden"], values["seed"]) != (act, hidden, seed) or typed.tolist() != x:
            return HINT_SETTINGS_CHANGED
        if not scales.lo <= values["scale"] <= scales.hi:
            return HINT_SETTINGS_CHANGED
        left = share(values["scale"])
        return None if left < SHARE else "exercises.home_fading_scale_hint"  # nan (overflow) is not < 1 %

    down = np.arange(START_SCALE, scales.lo - scales.step / 2, -scales.step).round(2)  # the slider's steps down
    working = next(s for s in down if share(float(s)) < SHARE)
    return Exercise(
        id="home_fading_scale",
        lesson=LESSON,
        kind="setting",
        section=3,
        params={**fixed},
        answer={**fixed, "scale": float(working)},
        tolerance=None,
        choices=(),
        prompt_key="exercises.home_fading_scale_prompt",
        prompt_values={
            "act": text(ACTIVATION_NAMES[act]),
            "hidden": hidden,
            "seed": seed,
            "T": T,
            "share": percentage(SHARE),
        },
        explain_key="exercises.home_fading_scale_explain",
        explain_values={"scale": num(working), "left": percentage(share(float(working)))},
        page_params={**fixed, "scale": START_SCALE, "delta": delta},
        hint_key="exercises.home_fading_scale_hint",
        fields=(("act", "text"), ("hidden", "int"), ("seed", "int"), ("x", "text"), ("scale", "float")),
        judge=judge,
    )


EXERCISES = {
    "home_tanh_state": tanh_state,
    "home_state_count": state_count,
    "home_bounded": bounded,
    "home_nudge": nudge,
    "home_fading_scale": fading_scale,
}
