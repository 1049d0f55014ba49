"""Exercises on exploding and vanishing gradients (:mod:`rnn_core.spectral`).

The page's URL parameters: ``w`` (section 1), ``count_u``, ``count_w`` (section 2), ``kind``, ``matrix``
(section 3).
"""

from __future__ import annotations

import numpy as np

from lessons.gradients import params
from rnn_core import matrix_input, spectral
from rnn_core.exercise import HINT_SIGN, Exercise, grid, num, percentage, shown_numbers

LESSON = "gradients"
SHARE = params.NEGLIGIBLE  # "below 1 %": where the page says the past has practically no say
REGIMES = ("vanishing", "exploding", "neither")
ENTRIES = np.array(params.EXERCISE_ENTRIES)
SINGULAR_GAP = 0.05  # a matrix whose rho is this close to 1 would make the regime a matter of rounding


def _regime(rho: float) -> str:
    """The long-run fate of a gradient multiplied by a factor of size ``rho`` at every step back."""
    if np.isclose(rho, 1.0, rtol=0.0, atol=1e-9):  # exactly 1 up to the eigenvalue solver's rounding
        return "neither"
    return "vanishing" if rho < 1.0 else "exploding"


def _matrix_shown(W: np.ndarray) -> str:
    """A 2x2 matrix for a prompt, its numbers written as the pages write them: ``0.5, −1; 1.5, 0``."""
    return "; ".join(shown_numbers(row) for row in W)


def steps_below(rng: np.random.Generator) -> Exercise:
    """How many steps back m until |w|^m < 1 % (section 1)."""
    w = grid(rng, *params.EXERCISE_W) * float(rng.choice((-1.0, 1.0)))
    series = spectral.scalar_series(w, params.SERIES_STEPS)  # the answer is on section 1's chart (m <= 90)
    m = int(np.flatnonzero(series["magnitude"] < SHARE)[0])
    return Exercise(
        id="gradients_steps_below",
        lesson=LESSON,
        kind="number",
        section=1,
        params={"w": w},
        answer=m,
        tolerance=0.0,
        choices=(),
        prompt_key="exercises.gradients_steps_below_prompt",
        prompt_values={"w": num(w), "share": percentage(SHARE)},
        explain_key="exercises.gradients_steps_below_explain",
        explain_values={
            "absw": num(abs(w)),
            "m": m,
            "before": m - 1,
            "at_m": num(series["magnitude"][m]),
            "at_before": num(series["magnitude"][m - 1]),
        },
        page_params={"w": w},
        hint_key="exercises.gradients_steps_below_hint",
        mistakes=(
            ("exercises.gradients_steps_below_hint_off", m - 1),
            ("exercises.gradients_steps_below_hint_off", m + 1),
        ),
    )


def counting_regime(rng: np.random.Generator) -> Exercise:
    """Vanishing, exploding or neither, for the counting RNN's gradient at a given (U, W) (section 2)."""
    U = grid(rng, *params.EXERCISE_COUNT_U)
    W = float(rng.choice((-1.0, 1.0))) if rng.random() < 0.25 else grid(rng, *params.EXERCISE_COUNT_W)
    while W == 0.0:
        W = grid(rng, *params.EXERCISE_COUNT_W)
    regime = spectral.scalar_regime(W)["regime"]
    answer = {"vanishing": "vanishing", "exploding": "exploding", "steady": "neither"}[regime]
    # With W < 0 the sign alternates; a student who reads that as "neither" forgot that |W| decides.
    mistakes = (("exercises.gradients_counting_regime_hint_negative", "neither"),) if W < 0 and abs(W) != 1 else ()
    return Exercise(
        id="gradients_counting_regime",
        lesson=LESSON,
        kind="choice",
        section=2,
        params={"U": U, "W": W},
        answer=answer,
        tolerance=None,
        choices=REGIMES,
        prompt_key="exercises.gradients_counting_regime_prompt",
        prompt_values={"U": num(U), "W": num(W)},
        explain_key="exercises.gradients_counting_regime_explain",
        explain_values={"W": num(W), "absw": num(abs(W)), "ten": num(abs(W) ** 10)},
        page_params={"count_u": U, "count_w": W},
        hint_key="exercises.gradients_counting_regime_hint",
        mistakes=mistakes,
    )


def _random_matrix(rng: np.random.Generator) -> np.ndarray:
    """A 2x2 matrix of halves whose spectral radius is neither 0 nor within SINGULAR_GAP of 1."""
    while True:
        W = rng.choice(ENTRIES, size=(2, 2))
        rho = spectral.spectral_radius(W)
        if rho > 0.1 and abs(rho - 1.0) > SINGULAR_GAP:
            return W


def spectral_radius(rng: np.random.Generator) -> Exercise:
    """The spectral radius of a 2x2 matrix (section 3)."""
    while True:
        W = _random_matrix(rng)
        rho = spectral.spectral_radius(W)
        lambda1 = spectral.largest_singular_value(W)
        if not np.isclose(rho, lambda1, rtol=1e-2):  # a non-normal matrix: rho and lambda1 tell apart
            break
    eig = spectral.eigenvalues(W)
    real = eig.real[np.argmax(np.abs(eig))] if np.all(eig.imag == 0) else np.nan
    return Exercise(
        id="gradients_spectral_radius",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"W": W.tolist()},
        answer=rho,
        tolerance=1e-2,
        choices=(),
        prompt_key="exercises.gradients_spectral_radius_prompt",
        prompt_values={"matrix": _matrix_shown(W)},
        explain_key="exercises.gradients_spectral_radius_explain",
        explain_values={
            "eigenvalues": ", ".join(_complex(z) for z in eig),
            "rho": num(rho),
            "lambda1": num(lambda1),
            "trace": num(np.trace(W)),
            "det": num(np.linalg.det(W)),
        },
        page_params={"kind": "typed", "matrix": matrix_input.format_matrix(W)},
        hint_key="exercises.gradients_spectral_radius_hint",
        mistakes=(
            (HINT_SIGN, real),
            ("exercises.gradients_spectral_radius_hint_singular", lambda1),
            ("exercises.gradients_spectral_radius_hint_entry", float(np.max(np.abs(W)))),
        ),
    )


def _complex(z: complex) -> str:
    """An eigenvalue for the explanation: ``0.5``, or ``0.5 + 1.2i`` when it is complex."""
    if abs(z.imag) < 1e-12:
        return num(z.real)
    return f"{num(z.real)} {'+' if z.imag > 0 else '−'} {num(abs(z.imag))}i"


def matrix_regime(rng: np.random.Generator) -> Exercise:
    """Vanishing, exploding or neither, for a linear RNN with a given 2x2 recurrent matrix (section 3)."""
    if rng.random() < 0.25:
        # A triangular matrix whose larger diagonal entry has size exactly 1: rho = 1, "neither".
        diagonal = [float(rng.choice((-1.0, 1.0))), float(rng.choice((-0.5, 0.0, 0.5)))]
        rng.shuffle(diagonal)
        W = np.diag(diagonal)
        W[0, 1] = rng.choice(ENTRIES)
    else:
        W = _random_matrix(rng)
    rho = spectral.spectral_radius(W)
    lambda1 = spectral.largest_singular_value(W)
    answer = _regime(rho)
    # rho < 1 < lambda1: the norm grows for a while before it vanishes, and a short look says "exploding".
    mistakes = (("exercises.gradients_matrix_regime_hint_transient", "exploding"),) if rho < 1 < lambda1 else ()
    return Exercise(
        id="gradients_matrix_regime",
        lesson=LESSON,
        kind="choice",
        section=3,
        params={"W": W.tolist()},
        answer=answer,
        tolerance=None,
        choices=REGIMES,
        prompt_key="exercises.gradients_matrix_regime_prompt",
        prompt_values={"matrix": _matrix_shown(W)},
        explain_key="exercises.gradients_matrix_regime_explain",
        explain_values={"rho": num(rho), "lambda1": num(lambda1)},
        page_params={"kind": "typed", "matrix": matrix_input.format_matrix(W)},
        hint_key="exercises.gradients_matrix_regime_hint",
        mistakes=mistakes,
    )


EXERCISES = {
    "gradients_steps_below": steps_below,
    "gradients_counting_regime": counting_regime,
    "gradients_spectral_radius": spectral_radius,
    "gradients_matrix_regime": matrix_regime,
}
