"""Sequence mappings.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: the mapping shown, each typed input's default, which input each mapping reads
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.mappings import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

LESSON = Lesson(
    name="mappings",
    title_key="nav.mappings",
    icon=":material/alt_route:",
    script="lessons/mappings/page.py",
    exercises=exercises.EXERCISES,
    choice_labels=exercises.CHOICE_LABELS,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
)
