"""Exercises on the optimizer lesson: racing optimizers on the counting RNN (:mod:`rnn_core.race`).

The page's URL parameters: ``u0``, ``w0``, ``iters``, ``goal``, ``race`` and each runner's settings
(sections 1-2), ``rp_d0``, ``rp_var``, ``focus``, ``it`` (section 2), ``clip``, ``lr_clip``, ``clip_by``
(the race's clipping runner), ``nu``, ``nw`` (section 5); their defaults and ranges are
:mod:`lessons.optimizers.params`. Runner settings here are the page's defaults.
"""

from __future__ import annotations

import numpy as np

from lessons.optimizers.params import BOOK, CURVATURE_DRAW, FIRST_STEP_DELTA0, RUNNER_PARAMS, P, runner_settings
from rnn_core import counting, lockstep, race
from rnn_core.exercise import HINT_SETTINGS_CHANGED, HINT_SIGN, Exercise, MadeOnRead, MadeOnReadTuple, grid, num, text
from ui import batched_runs

# The text of this lesson's choice keys (the exercise box shows these).
CHOICE_LABELS = {
    "sgd": "optimizers.name_sgd",
    "momentum": "optimizers.name_momentum",
    "rmsprop": "optimizers.name_rmsprop",
    "adam": "optimizers.name_adam",
    "rprop": "optimizers.name_rprop",
}

LESSON = "optimizers"
ITERS = BOOK["iters"]
U0, W0 = P["u0"], P["w0"]  # a start: drawn on the page's own grid of starts
# The runners raced here, at the page's default settings: by the page's parameter names, and as race.race takes
# them.
RUNNERS = ("sgd", "momentum", "rmsprop", "adam", "rprop")
AT_PAGE_DEFAULTS = {name: P[name].default for runner in RUNNERS for name in RUNNER_PARAMS[runner].values()}
RACE_SETTINGS = runner_settings(AT_PAGE_DEFAULTS, RUNNERS)
VARIANT_NAMES = {"rprop-": "optimizers.variant_minus", "irprop-": "optimizers.variant_irprop"}
OPTIMUM = race.OPTIMUM
CONVERGED = 1e-3  # a run that ends this close to the optimum (1, 1) in the (U, W) plane converged
SEARCH_BATCH = 3  # starts tried at once by rprop_start's search for a sample solution


def converging(
    X: np.ndarray, targets: np.ndarray, starts: list[tuple[float, float]], step0: float, variant: str
) -> list[tuple[tuple[float, float], bool]]:
    """Whether Rprop (``step0``, ``variant``, ITERS updates) converges from each start: ``[(start, converged)]``
    in order. All the runs in lockstep (:func:`rnn_core.lockstep.run`, one start each): each is bit for bit
    ``race.run_lane``'s, so the same verdict as one run at a time, at little more than one run's cost."""
    steppers = {k: race.stepper("rprop", step0=step0, variant=variant) for k in range(len(starts))}
    runs = lockstep.run(X, targets, dict(enumerate(starts)), steppers, ITERS)
    return [
        (start, run.diverged_at is None and race.distance_to_optimum(race.Lane("rprop", run, series)) < CONVERGED)
        for start, (run, series) in zip(starts, runs.values(), strict=True)
    ]


def race_winner(rng: np.random.Generator) -> Exercise:
    """Which optimizer's cost reaches the goal first from a given start (section 1). Who wins is known once
    someone gets there (the race run that far, :func:`rnn_core.race.race` ``until_below``); the whole race, which
    the explanation and the hints read, is run when first read."""
    X, targets = counting.book_dataset()
    # Trained with the other sessions' runs: a class opening the lesson at once makes forty of these variants.
    engine = batched_runs.engine(batched_runs.counting_data("book", 0, 0, 0))
    while True:
        start = (grid(rng, U0.lo, U0.hi, U0.step), grid(rng, W0.lo, W0.hi, W0.step))
        goal = float(rng.choice((1.0, 0.1)))
        first = race.summary(race.race(X, targets, start, RACE_SETTINGS, ITERS, until_below=goal, engine=engine), goal)
        if len(first["first"]) == 1 and first["at"] > 0:  # one winner, and not already there at the start
            break
    winner = first["first"][0]
    whole = MadeOnRead(lambda: {"lanes": race.race(X, targets, start, RACE_SETTINGS, ITERS, engine=engine)})

    def explained() -> dict:
        outcome = race.summary(whole["lanes"], goal)
        reached = {runner: race.standing(lane, goal)["reached"] for runner, lane in whole["lanes"].items()}
        return {
            "at": outcome["at"],
            "reached": [
                text("exercises.optimizers_race_reached", name=text(CHOICE_LABELS[runner]), at="—" if i is None else i)
                for runner, i in reached.items()
            ],
            "diverged": [text(CHOICE_LABELS[runner]) for runner in outcome["diverged"]] or "—",
        }

    def mistaken() -> tuple:
        diverged = race.summary(whole["lanes"], goal)["diverged"]
        return tuple(("exercises.optimizers_race_winner_hint_diverged", r) for r in diverged)

    return Exercise(
        id="optimizers_race_winner",
        lesson=LESSON,
        kind="choice",
        section=1,
        params={"u0": start[0], "w0": start[1], "goal": goal},
        answer=winner,
        tolerance=None,
        choices=RUNNERS,
        prompt_key="exercises.optimizers_race_winner_prompt",
        prompt_values={"u0": num(start[0]), "w0": num(start[1]), "goal": num(goal), "iters": ITERS},
        explain_key="exercises.optimizers_race_winner_explain",
        explain_values=MadeOnRead(explained),
        page_params={
            "data": "book",
            "u0": start[0],
            "w0": start[1],
            "iters": ITERS,
            "goal": goal,
            "race": ",".join(RUNNERS),
            **AT_PAGE_DEFAULTS,
        },
        hint_key="exercises.optimizers_race_winner_hint",
        mistakes=MadeOnReadTuple(mistaken),
    )


def rprop_first_step(rng: np.random.Generator) -> Exercise:
    """Rprop's first update of U: -sign(g) Δ0 η-, since the previous sign starts at 0 (section 2).

    That is the book's Rprop− convention (a sign product of 0 counts as a flip), and the prompt says so: under
    Riedmiller & Braun's Rprop and torch.optim.Rprop a product of 0 leaves Δ as it is, so the first step is
    -sign(g) Δ0, which gets the hint that names both conventions."""
    X, targets = counting.book_dataset()
    while True:
        start = (grid(rng, U0.lo, U0.hi, U0.step), grid(rng, W0.lo, W0.hi, W0.step))
        step0 = float(rng.choice(FIRST_STEP_DELTA0))
        lane = race.run_lane(X, targets, start, "rprop", 1, step0=step0, variant="rprop-")
        first = race.update_at(lane, 0)
        if first is not None and first["gradient"][0] != 0:
            break
    step_u = float(first["step"][0])
    return Exercise(
        id="optimizers_rprop_first_step",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"u0": start[0], "w0": start[1], "step0": step0},
        answer=step_u,
        tolerance=1e-6,
        choices=(),
        prompt_key="exercises.optimizers_rprop_first_step_prompt",
        prompt_values={
            "u0": num(start[0]),
            "w0": num(start[1]),
            "step0": num(step0),
            "gu": num(first["gradient"][0]),
            "eta_minus": num(race.ETA_MINUS),
        },
        explain_key="exercises.optimizers_rprop_first_step_explain",
        explain_values={
            "gu": num(first["gradient"][0]),
            "step0": num(step0),
            "eta_minus": num(race.ETA_MINUS),
            "step": num(step_u),
        },
        page_params={
            "data": "book",
            "u0": start[0],
            "w0": start[1],
            "race": "rprop",
            "rp_d0": step0,
            "rp_var": "rprop-",
            "focus": "rprop",
            "it": 0,
        },
        hint_key="exercises.optimizers_rprop_first_step_hint",
        mistakes=(
            (HINT_SIGN, -step_u),
            ("exercises.optimizers_rprop_first_step_hint_halved", 2 * step_u),
            ("exercises.optimizers_rprop_first_step_hint_halved", -2 * step_u),
            ("exercises.optimizers_rprop_first_step_hint_grown", step_u * 2 * race.ETA_PLUS),
        ),
    )


def clipped_step(rng: np.random.Generator) -> Exercise:
    """The length of the first step of gradient descent with norm clipping (the race's clipping runner)."""
    X, targets = counting.book_dataset()
    while True:
        start = (grid(rng, U0.lo, U0.hi, U0.step), grid(rng, W0.lo, W0.hi, W0.step))
        threshold = float(rng.choice((5.0, 10.0, 50.0, 100.0)))
        lr = float(rng.choice((BOOK["lr"], 0.001, 0.005)))
        lane = race.run_lane(X, targets, start, "clip", 1, lr=lr, threshold=threshold, by="norm")
        first = race.update_at(lane, 0)
        raw = float(np.hypot(*first["gradient"])) if first is not None else 0.0
        if raw > 1.5 * threshold:  # clipping acts, clearly
            break
    length = float(np.hypot(*first["step"]))
    return Exercise(
        id="optimizers_clipped_step",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"u0": start[0], "w0": start[1], "lr": lr, "threshold": threshold},
        answer=length,
        tolerance=1e-2,
        choices=(),
        prompt_key="exercises.optimizers_clipped_step_prompt",
        prompt_values={
            "u0": num(start[0]),
            "w0": num(start[1]),
            "lr": num(lr),
            "threshold": num(threshold),
            "norm": num(raw),
        },
        explain_key="exercises.optimizers_clipped_step_explain",
        explain_values={"norm": num(raw), "threshold": num(threshold), "lr": num(lr), "length": num(length)},
        page_params={
            "data": "book",
            "u0": start[0],
            "w0": start[1],
            "race": "clip",
            "lr_clip": lr,
            "clip": threshold,
            "clip_by": "norm",
            "focus": "clip",
            "it": 0,
        },
        hint_key="exercises.optimizers_clipped_step_hint",
        mistakes=(
            ("exercises.optimizers_clipped_step_hint_unclipped", lr * raw),
            ("exercises.optimizers_clipped_step_hint_lr", threshold),
        ),
    )


def rprop_start(rng: np.random.Generator) -> Exercise:
    """A setting: a start, far enough from the optimum, from which Rprop converges (section 4)."""
    X, targets = counting.book_dataset()
    step0 = float(rng.choice((BOOK["rprop_step0"], 0.01, 0.1)))
    variant = str(rng.choice(("rprop-", "irprop-")))  # Rprop+ converges from a handful of starts only
    min_distance = float(rng.choice((1.5, 2.0, 2.5)))

    def converges(start: tuple[float, float]) -> bool:
        # race.race with one entry: exactly race.run_lane's lane, from the fast engine (tests/test_fit_many.py)
        lane = race.race(X, targets, start, {"rprop": {"step0": step0, "variant": variant}}, ITERS)["rprop"]
        return lane.run.diverged_at is None and race.distance_to_optimum(lane) < CONVERGED

    def far(start: tuple[float, float]) -> bool:
        return bool(np.hypot(start[0] - OPTIMUM[0], start[1] - OPTIMUM[1]) >= min_distance)

    def judge(values: dict) -> str | None:
        if (values["rp_d0"], values["rp_var"], values["iters"]) != (step0, variant, ITERS):
            return HINT_SETTINGS_CHANGED
        start = (values["u0"], values["w0"])
        if not (U0.lo <= start[0] <= U0.hi and W0.lo <= start[1] <= W0.hi):  # the page's range for a start
            return HINT_SETTINGS_CHANGED
        if not far(start):
            return "exercises.optimizers_rprop_start_hint_close"
        return None if converges(start) else "exercises.optimizers_rprop_start_hint"

    # A sample solution: the first start of the page's half-unit grid, in a random order, that is far enough and
    # converges. The order is drawn now (the variant is the seed's whatever happens later); the runs are made only
    # when the answer is first read (after two tries): most variants are never shown theirs.
    candidates = [(u / 2, w / 2) for u in range(-6, 7) for w in range(-6, 7)]
    candidates = [candidates[k] for k in rng.permutation(len(candidates))]
    candidates.sort(key=lambda start: start[0] > 0)  # a stable sort: the left half-plane first

    def solution() -> dict:
        # Most far starts on the left half-plane converge, so this takes a few runs: SEARCH_BATCH at once, in
        # lockstep (one evaluation serves them all), and the first in order that converges.
        far_ones = [start for start in candidates if far(start)]
        u0, w0 = next(
            start
            for first in range(0, len(far_ones), SEARCH_BATCH)
            for start, ok in converging(X, targets, far_ones[first : first + SEARCH_BATCH], step0, variant)
            if ok
        )
        return {**page, "u0": u0, "w0": w0}

    page = {"data": "book", "race": "rprop", "rp_d0": step0, "rp_var": variant, "iters": ITERS}
    answer = MadeOnRead(solution)
    return Exercise(
        id="optimizers_rprop_start",
        lesson=LESSON,
        kind="setting",
        section=4,
        params={"step0": step0, "variant": variant, "min_distance": min_distance},
        answer=answer,
        tolerance=None,
        choices=(),
        prompt_key="exercises.optimizers_rprop_start_prompt",
        prompt_values={
            "step0": num(step0),
            "variant": text(VARIANT_NAMES[variant]),
            "distance": num(min_distance),
            "iters": ITERS,
            "converged": num(CONVERGED),
        },
        explain_key="exercises.optimizers_rprop_start_explain",
        explain_values=MadeOnRead(
            lambda: {"u0": num(answer["u0"]), "w0": num(answer["w0"]), "converged": num(CONVERGED)}
        ),
        page_params={**page, "u0": OPTIMUM[0], "w0": OPTIMUM[1], "focus": "rprop"},
        hint_key="exercises.optimizers_rprop_start_hint",
        fields=(("u0", "float"), ("w0", "float"), ("rp_d0", "float"), ("rp_var", "text"), ("iters", "int")),
        judge=judge,
    )


def curvature(rng: np.random.Generator) -> Exercise:
    """Bowl or saddle: the signs of the cost's curvatures (the Hessian's eigenvalues) at a point (section 5)."""
    X, targets = counting.book_dataset()
    while True:
        step, wall = CURVATURE_DRAW["step"], CURVATURE_DRAW["w_wall"]  # beyond |W| = wall the surface is a wall
        point = (grid(rng, P["nu"].lo, P["nu"].hi, step), grid(rng, -wall, wall, step))
        eigenvalues = np.linalg.eigvalsh(counting.hessian(X, targets, *point))
        if np.all(np.isfinite(eigenvalues)) and np.min(np.abs(eigenvalues)) > 1e-3 * np.max(np.abs(eigenvalues)):
            break  # both curvatures clearly nonzero: the shape is not a matter of rounding
    answer = "bowl" if eigenvalues[0] > 0 else "saddle"
    return Exercise(
        id="optimizers_curvature",
        lesson=LESSON,
        kind="choice",
        section=5,
        params={"U": point[0], "W": point[1]},
        answer=answer,
        tolerance=None,
        choices=("bowl", "saddle"),
        prompt_key="exercises.optimizers_curvature_prompt",
        prompt_values={"U": num(point[0]), "W": num(point[1])},
        explain_key="exercises.optimizers_curvature_explain",
        explain_values={"l1": num(eigenvalues[0]), "l2": num(eigenvalues[1])},
        page_params={"data": "book", "nu": point[0], "nw": point[1]},
        hint_key="exercises.optimizers_curvature_hint",
    )


EXERCISES = {
    "optimizers_race_winner": race_winner,
    "optimizers_rprop_first_step": rprop_first_step,
    "optimizers_clipped_step": clipped_step,
    "optimizers_rprop_start": rprop_start,
    "optimizers_curvature": curvature,
}
