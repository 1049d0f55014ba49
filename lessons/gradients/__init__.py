"""Exploding and vanishing gradients.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.gradients import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

LESSON = Lesson(
    name="gradients",
    title_key="nav.gradients",
    icon=":material/trending_down:",
    script="lessons/gradients/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
)
