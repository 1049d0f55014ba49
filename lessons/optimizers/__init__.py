"""Taming the explosion: clipping, Rprop and other optimizers.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
readings.py   its cached runs and the sentences read from them; figures.py its charts
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.optimizers import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

LESSON = Lesson(
    name="optimizers",
    title_key="nav.optimizers",
    icon=":material/explore:",
    script="lessons/optimizers/page.py",
    exercises=exercises.EXERCISES,
    choice_labels=exercises.CHOICE_LABELS,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
)
