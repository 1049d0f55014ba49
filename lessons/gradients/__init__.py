"""Exploding and vanishing gradients.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.gradients import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "gradients.series_header",
    "gradients.flow_header",
    "gradients.matrix_header",
    "gradients.cliff_header",
    "gradients.memory_header",
)

LESSON = Lesson(
    name="gradients",
    title_key="nav.gradients",
    icon=":material/trending_down:",
    script="lessons/gradients/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
    sections=SECTIONS,
)
