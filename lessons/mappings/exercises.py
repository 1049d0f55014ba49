"""Exercises on the five ways an RNN maps inputs to outputs (:mod:`rnn_core.mappings`).

The page's URL parameters (``lessons/mappings/params.py``): ``m`` (the mapping), ``picture``, ``review``, ``word``,
``presses`` (the typed input of each toy task, section 3; ``INPUT_PARAM`` says which mapping reads which).
"""

from __future__ import annotations

import numpy as np

from lessons.mappings.params import INPUT_PARAM, LIGHT_PRESSES, REVIEW_SETTING_WORDS, REVIEW_WORDS, TASKS
from rnn_core import mappings
from rnn_core.errors import InputError
from rnn_core.exercise import HINT_SETTINGS_CHANGED, Exercise, text

# The text of this lesson's choice keys (the exercise box shows these).
CHOICE_LABELS = {
    "one_to_one": "mappings.name_one_to_one",
    "one_to_many": "mappings.name_one_to_many",
    "many_to_one": "mappings.name_many_to_one",
    "seq2seq": "mappings.name_seq2seq",
    "many_to_many": "mappings.name_many_to_many",
    "neg": "mappings.out_neg",
    "even": "mappings.out_even",
    "pos": "mappings.out_pos",
}

LESSON = "mappings"
# Real tasks and the mapping each needs; the text of each is exercises.application_<name>.
APPLICATIONS = {
    "sentiment": ("many_to_one", "exercises.application_sentiment"),
    "frames": ("many_to_many", "exercises.application_frames"),
    "translation": ("seq2seq", "exercises.application_translation"),
    "captioning": ("one_to_many", "exercises.application_captioning"),
    "image_class": ("one_to_one", "exercises.application_image_class"),
    "spam": ("many_to_one", "exercises.application_spam"),
    "tagging": ("many_to_many", "exercises.application_tagging"),
    "summary": ("seq2seq", "exercises.application_summary"),
    "music": ("one_to_many", "exercises.application_music"),
}
# The mappings whose outputs are worth counting: one-to-one writes one output for its one picture, always.
COUNTED = tuple(task for task in TASKS if task != "one_to_one")
VERDICTS = mappings.TASKS["many_to_one"].outputs  # ("neg", "even", "pos")


def _typed(task: str, x: np.ndarray) -> str:
    """An input as typed on the page: its symbols in a row (a picture in rows of three)."""
    text = "".join(mappings.TASKS[task].inputs[k] for k in x)
    return " ".join(text[k : k + 3] for k in range(0, len(text), 3)) if task in mappings.PICTURES else text


def application(rng: np.random.Generator) -> Exercise:
    """Which mapping fits a real task (section 2)."""
    name = str(rng.choice(tuple(APPLICATIONS)))
    mapping, text_key = APPLICATIONS[name]
    # Each task's best-known confusion: one output per step against one at the end, or the reverse.
    confusions = {
        "many_to_one": "many_to_many",
        "many_to_many": "many_to_one",
        "seq2seq": "many_to_many",
        "one_to_many": "one_to_one",
        "one_to_one": "many_to_one",
    }
    return Exercise(
        id="mappings_application",
        lesson=LESSON,
        kind="choice",
        section=2,
        params={"application": name},
        answer=mapping,
        tolerance=None,
        choices=TASKS,
        prompt_key="exercises.mappings_application_prompt",
        prompt_values={"application": text(text_key)},
        explain_key="exercises.mappings_application_explain",
        explain_values={"application": text(text_key), "mapping": text(CHOICE_LABELS[mapping])},
        page_params={"m": mapping},
        hint_key="exercises.mappings_application_hint",
        mistakes=(("exercises.mappings_application_hint_outputs", confusions[mapping]),),
    )


def output_count(rng: np.random.Generator) -> Exercise:
    """How many outputs a mapping writes for a given input (section 3): by its rule, and on the page, where the
    shipped network writes exactly as many for every input asked about."""
    while True:
        task = str(rng.choice(COUNTED))
        spec = mappings.TASKS[task]
        length = int(rng.integers(max(spec.lengths[0], 2), spec.lengths[1] + 1))
        x = mappings.random_inputs(task, length, 1, rng)[0]
        answer = len(mappings.target(task, x))
        # The page's network, fed this input, must write as many outputs as the rule asks for: a student who
        # counts what the page shows and one who counts by the rule then give the same answer.
        if len(mappings.run(task, mappings.load(task).params, x).outputs) == answer:
            break
    steps = mappings.length_of(task, x)
    return Exercise(
        id="mappings_output_count",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"task": task, "x": x.tolist()},
        answer=answer,
        tolerance=0.0,
        choices=(),
        prompt_key="exercises.mappings_output_count_prompt",
        prompt_values={"mapping": text(CHOICE_LABELS[task]), "input": _typed(task, x)},
        explain_key="exercises.mappings_output_count_explain",
        explain_values={"mapping": text(CHOICE_LABELS[task]), "answer": answer, "length": steps},
        page_params={"m": task, INPUT_PARAM[task]: _typed(task, x)},
        hint_key="exercises.mappings_output_count_hint",
        mistakes=(("exercises.mappings_output_count_hint_end", answer - 1),),
    )


def light(rng: np.random.Generator) -> Exercise:
    """At how many steps the light is on, for a sequence of presses (many-to-many, section 3)."""
    while True:
        x = rng.integers(0, 2, size=int(rng.integers(*LIGHT_PRESSES)))
        on = mappings.target("many_to_many", x)
        if int(on.sum()) != int(x.sum()) and 0 < on.sum() < len(x):
            break
    answer = int(on.sum())
    return Exercise(
        id="mappings_light",
        lesson=LESSON,
        kind="number",
        section=3,
        params={"presses": x.tolist()},
        answer=answer,
        tolerance=0.0,
        choices=(),
        prompt_key="exercises.mappings_light_prompt",
        prompt_values={"presses": _typed("many_to_many", x), "T": len(x)},
        explain_key="exercises.mappings_light_explain",
        explain_values={"states": "".join(str(int(v)) for v in on), "answer": answer},
        page_params={"m": "many_to_many", "presses": _typed("many_to_many", x)},
        hint_key="exercises.mappings_light_hint",
        mistakes=(
            ("exercises.mappings_light_hint_presses", int(x.sum())),
            ("exercises.mappings_light_hint_off", len(x) - answer),
        ),
    )


def review(rng: np.random.Generator) -> Exercise:
    """A review's verdict: more good words, more bad words, or as many (many-to-one, section 3)."""
    x = rng.integers(0, 2, size=int(rng.integers(*REVIEW_WORDS)))
    answer = VERDICTS[int(mappings.target("many_to_one", x)[0])]
    return Exercise(
        id="mappings_review",
        lesson=LESSON,
        kind="choice",
        section=3,
        params={"review": x.tolist()},
        answer=answer,
        tolerance=None,
        choices=VERDICTS,
        prompt_key="exercises.mappings_review_prompt",
        prompt_values={"review": _typed("many_to_one", x)},
        explain_key="exercises.mappings_review_explain",
        explain_values={"good": int(x.sum()), "bad": int(len(x) - x.sum()), "verdict": text(CHOICE_LABELS[answer])},
        page_params={"m": "many_to_one", "review": _typed("many_to_one", x)},
        hint_key="exercises.mappings_review_hint",
    )


def review_setting(rng: np.random.Generator) -> Exercise:
    """A setting: type a review of a given length that the rule calls positive, negative or even (section 3)."""
    length = int(rng.integers(*REVIEW_SETTING_WORDS))
    wanted = str(rng.choice(VERDICTS if length % 2 == 0 else ("neg", "pos")))  # "even" needs an even length
    start = ("-" if wanted == "pos" else "+") * length  # the link opens on a review the rule calls otherwise

    def judge(values: dict) -> str | None:
        if values["m"] != "many_to_one":
            return HINT_SETTINGS_CHANGED
        try:
            x = mappings.parse("many_to_one", values["review"])
        except InputError:
            return "exercises.mappings_review_setting_hint_length"
        if len(x) != length:
            return "exercises.mappings_review_setting_hint_length"
        if VERDICTS[int(mappings.target("many_to_one", x)[0])] != wanted:
            return "exercises.mappings_review_setting_hint"
        return None

    good = {"neg": (length - 1) // 2, "even": length // 2, "pos": length // 2 + 1}[wanted]
    working = "+" * good + "-" * (length - good)
    return Exercise(
        id="mappings_review_setting",
        lesson=LESSON,
        kind="setting",
        section=3,
        params={"length": length, "verdict": wanted},
        answer={"m": "many_to_one", "review": working},
        tolerance=None,
        choices=(),
        prompt_key="exercises.mappings_review_setting_prompt",
        prompt_values={"length": length, "verdict": text(CHOICE_LABELS[wanted])},
        explain_key="exercises.mappings_review_setting_explain",
        explain_values={"review": working, "good": good, "bad": length - good, "verdict": text(CHOICE_LABELS[wanted])},
        page_params={"m": "many_to_one", "review": start},
        hint_key="exercises.mappings_review_setting_hint",
        fields=(("m", "text"), ("review", "text")),
        judge=judge,
    )


EXERCISES = {
    "mappings_application": application,
    "mappings_output_count": output_count,
    "mappings_light": light,
    "mappings_review": review,
    "mappings_review_setting": review_setting,
}
