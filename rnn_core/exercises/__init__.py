"""Exercises that check themselves, one set per lesson, with numbers always computed by ``rnn_core`` (issue 13).

    catalogue()            {lesson: [exercise id, ...]} in the lessons' order, each lesson's in section order
    make(exercise_id, seed) one variant: its numbers drawn from np.random.default_rng(seed), its answer computed
    Exercise.check(response) -> Verdict(correct, hint_key, message_key); never raises

Kinds, checking and tolerances: :mod:`rnn_core.exercises.base`. One module per lesson builds its exercises;
each builder takes the variant's generator and returns the :class:`Exercise`. Texts are locale keys in the
``[exercises]`` table; a prompt or explanation value that is itself text to translate is ``{"key": ...}``
(:func:`fill` turns those into text).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnn_core.exercises import counting, gradients, home, lstm, mappings, optimizers
from rnn_core.exercises.base import CHOICE_LABELS, MAX_RESPONSE, Exercise, Verdict, read_number

__all__ = ["CHOICE_LABELS", "MAX_RESPONSE", "Exercise", "Verdict", "catalogue", "fill", "make", "read_number"]

# Lesson -> {exercise id: builder}, in the order of the lessons (ui/nav.py) and of their sections.
_BUILDERS = {
    "home": home.EXERCISES,
    "mappings": mappings.EXERCISES,
    "counting": counting.EXERCISES,
    "gradients": gradients.EXERCISES,
    "optimizers": optimizers.EXERCISES,
    "lstm": lstm.EXERCISES,
}
_BY_ID = {exercise_id: build for builders in _BUILDERS.values() for exercise_id, build in builders.items()}


def catalogue() -> dict[str, list[str]]:
    """Every lesson's exercise ids, in lesson order."""
    return {lesson: list(builders) for lesson, builders in _BUILDERS.items()}


def make(exercise_id: str, seed: int) -> Exercise:
    """The variant ``seed`` of an exercise: the same seed always gives the same numbers and answer.

    Raises:
        KeyError: an unknown id. ValueError: a negative seed (``np.random.default_rng`` refuses it).
    """
    return _BY_ID[exercise_id](np.random.default_rng(seed))


def fill(values: dict, translate: Callable[[str], str]) -> dict:
    """A prompt's or explanation's values ready for its text: ``{"key": k}`` becomes ``translate(k)`` (its own
    ``"values"`` filled into it), a list or tuple becomes its filled items joined with ", "."""
    return {name: _filled(value, translate) for name, value in values.items()}


def _filled(value, translate: Callable[[str], str]):
    if isinstance(value, dict):
        inner = value.get("values")
        return translate(value["key"]).format(**fill(inner, translate)) if inner else translate(value["key"])
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_filled(item, translate)) for item in value)
    return value
