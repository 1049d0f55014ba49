"""What went wrong, as the class counts it: every real exercise's recognised mistakes are recorded under their own
hint and named in both languages on the teacher's table; any other wrong answer is "other"."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

import lessons  # noqa: F401 - registers the lessons and their exercises
from classroom.store import OTHER
from lessons.classroom.mistakes import MISTAKE_LABELS, mistakes_shown
from rnn_core import exercise as base
from ui import registry
from ui.exercise_box import mistake_of
from ui.i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = [(lesson, exercise_id) for lesson, ids in registry.catalogue().items() for exercise_id in ids]
SEEDS = (0, 1, 2, 3, 4)


def hint_keys_in_the_lessons() -> set[str]:
    """Every hint key the lessons' exercise builders name (their own, and the shared ones they import)."""
    found = {base.HINT_SIGN, base.HINT_SETTINGS_CHANGED}
    for path in sorted((ROOT / "lessons").glob("*/exercises.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "_hint" in node.value:
                found.add(node.value)
    return found


def generic_hints() -> set[str]:
    return {registry.make(exercise_id, seed).hint_key for _, exercise_id in EXERCISES for seed in SEEDS}


def test_every_hint_that_names_a_mistake_has_words_on_the_teachers_table():
    """A hint is either an exercise's generic one (it says nothing about what went wrong: "other") or it names a
    mistake, and then the teacher's table has a few words for it, in both languages."""
    named = hint_keys_in_the_lessons() - generic_hints()
    assert len(named) >= 30
    assert sorted(named - set(MISTAKE_LABELS)) == []
    assert sorted(set(MISTAKE_LABELS) - hint_keys_in_the_lessons()) == []  # no words for a hint that is gone
    for lang in LANGUAGES:
        assert all(catalog(lang)[label] for label in MISTAKE_LABELS.values())


@pytest.mark.parametrize(("lesson", "exercise_id"), EXERCISES)
def test_a_recognised_mistake_is_recorded_under_its_hint_and_anything_else_as_other(lesson, exercise_id):
    checked, has_mistakes = 0, False
    for seed in SEEDS:
        ex = registry.make(exercise_id, seed)
        if ex.kind == "setting":
            continue  # a judge's hints are covered by the next test
        has_mistakes = has_mistakes or bool(ex.mistakes)
        for _hint, mistaken in ex.mistakes:
            if isinstance(mistaken, float) and not math.isfinite(mistaken):
                continue
            verdict = ex.check(mistaken if ex.kind == "choice" else float(mistaken))
            if verdict.correct:
                continue  # this variant's mistake gives the right answer (a sign error on 0)
            assert mistake_of(ex, verdict) in {key for key, _ in ex.mistakes}
            assert mistake_of(ex, verdict) == verdict.hint_key  # the first mistake that gives this answer
            checked += 1
        if ex.kind == "number":
            far = ex.answer * 1000 + 12345.678
            verdict = ex.check(far)
            if verdict.hint_key == ex.hint_key:
                assert mistake_of(ex, verdict) == OTHER
        else:
            for choice in ex.choices:
                verdict = ex.check(choice)
                if not verdict.correct and verdict.hint_key == ex.hint_key:
                    assert mistake_of(ex, verdict) == OTHER
        assert mistake_of(ex, ex.check(ex.answer)) is None  # a right answer has no mistake
    assert checked > 0 or not has_mistakes  # a setting's mistakes are its judge's (next test)


def test_a_settings_judge_names_its_mistake_and_its_generic_hint_is_other():
    ex = registry.make("lstm_keep_setting", 0)
    judged = base.Verdict(False, hint_key="exercises.lstm_keep_setting_hint_input")
    assert mistake_of(ex, judged) == "exercises.lstm_keep_setting_hint_input"
    assert mistake_of(ex, base.Verdict(False, hint_key=ex.hint_key)) == OTHER
    assert mistake_of(ex, base.Verdict(False, hint_key=base.HINT_SETTINGS_CHANGED)) == base.HINT_SETTINGS_CHANGED
    assert mistake_of(ex, base.Verdict(True)) is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_table_names_mistakes_most_first_and_other_last(lang, monkeypatch):
    monkeypatch.setattr("lessons.classroom.mistakes.t", lambda key: catalog(lang)[key])
    summary = SimpleNamespace(
        mistakes=(("other", 4), (base.HINT_SIGN, 3), ("exercises.gradients_steps_below_hint_off", 2), ("gone", 1))
    )
    words = catalog(lang)
    assert mistakes_shown(summary) == [
        (words["classroom.mistake_sign"], 3),
        (words["classroom.mistake_one_step_off"], 2),
        (words["classroom.mistake_other"], 5),  # "other", with a hint that has no words (none today)
    ]
