"""The lessons the app shows, and their exercises, as the lessons register them.

The frame (``ui``) and the class store (``classroom``) never import a lesson: ``lessons/__init__.py`` registers
every lesson's :class:`Lesson` here once, when it is imported (``app.py`` imports it before anything is drawn),
and the exercise box, the share box, short links and the Class page ask this module. The registry is written at
import only, under Python's import lock, and read-only afterwards, so the sessions sharing a process share it
safely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from rnn_core.exercise import CHOICE_LABELS, Exercise

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lesson:
    """One page of the app.

    Attributes:
        name: the page id, which is also its URL path (``"counting"``; the first registered page is served at /).
        title_key, icon: its title in the navigation (a locale key) and its Material icon.
        script: the page's script, relative to the repository (what ``st.Page`` runs).
        exercises: ``{exercise id: builder}`` in section order; a builder takes a ``np.random.Generator`` and
            returns the variant's :class:`rnn_core.exercise.Exercise`.
        choice_labels: the locale key of each choice key its exercises offer beyond the shared ones.
        params: its settings (``ui.param.Param`` specs from its ``params.py``): their defaults fill its Reproduce
            template as the page opens.
        reproduce: its "Reproduce in Python" template, or None.
        constants: the values its Reproduce template reads beside the page's settings (the book's values, from
            the lesson's ``params.py``), written into the script as ``CONSTANTS = {...}``.
        is_lesson: False for a page that is not a lesson (the Class page): no map entry, no exercises.
        sections: the title keys of its sections in the order it reads (their numbers are their positions): what
            its page numbers and anchors (``ui.page.frame``) and where a teacher can take a class (ui/pacing.py).
    """

    name: str
    title_key: str
    icon: str
    script: str
    exercises: Mapping[str, Callable[[np.random.Generator], Exercise]] = field(default_factory=dict)
    choice_labels: Mapping[str, str] = field(default_factory=dict)
    params: tuple = ()
    reproduce: Path | None = None
    constants: Mapping[str, object] = field(default_factory=dict)
    is_lesson: bool = True
    sections: tuple[str, ...] = ()


_REGISTERED: dict[str, Lesson] = {}  # written by register() at import only; see the module docstring


def register(*lessons: Lesson) -> None:
    """Add lessons, in teaching order. Registering the same lesson again (a module imported twice) is a no-op;
    two different lessons under one name, or one exercise id in two lessons, are a programming error."""
    for lesson in lessons:
        known = _REGISTERED.get(lesson.name)
        if known is not None:
            if known != lesson:
                raise ValueError(f"two lessons named {lesson.name!r}")
            continue
        clash = set(lesson.exercises) & {i for other in _REGISTERED.values() for i in other.exercises}
        if clash:
            raise ValueError(f"exercise ids registered twice: {sorted(clash)}")
        _REGISTERED[lesson.name] = lesson


def pages() -> tuple[Lesson, ...]:
    """Every registered page, in teaching order (the Class page included)."""
    return tuple(_REGISTERED.values())


def lessons() -> tuple[Lesson, ...]:
    """The lessons, in teaching order (pages that are not lessons left out)."""
    return tuple(lesson for lesson in _REGISTERED.values() if lesson.is_lesson)


def page(name: str) -> Lesson | None:
    return _REGISTERED.get(name)


def catalogue() -> dict[str, list[str]]:
    """``{lesson: [exercise id, ...]}``: every lesson's exercises, lessons in teaching order, each in section order."""
    return {lesson.name: list(lesson.exercises) for lesson in lessons()}


def make(exercise_id: str, seed: int) -> Exercise:
    """The variant ``seed`` of an exercise: the same seed always gives the same numbers and answer.

    Raises:
        KeyError: an unknown id. ValueError: a negative seed (``np.random.default_rng`` refuses it).
    """
    for lesson in _REGISTERED.values():
        if exercise_id in lesson.exercises:
            return lesson.exercises[exercise_id](np.random.default_rng(seed))
    raise KeyError(exercise_id)


def choice_labels() -> Mapping[str, str]:
    """The locale key of every choice key any exercise offers."""
    merged = dict(CHOICE_LABELS)
    for lesson in _REGISTERED.values():
        merged.update(lesson.choice_labels)
    return MappingProxyType(merged)
