"""Sequence mappings.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.mappings import exercises
from ui.registry import Lesson

HERE = Path(__file__).parent

LESSON = Lesson(
    name="mappings",
    title_key="nav.mappings",
    icon=":material/alt_route:",
    script="lessons/mappings/page.py",
    exercises=exercises.EXERCISES,
    choice_labels=exercises.CHOICE_LABELS,
    reproduce=HERE / "reproduce.py",
)
