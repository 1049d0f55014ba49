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

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "optimizers.race_header",
    "optimizers.step_header",
    "optimizers.clip_header",
    "optimizers.rprop_header",
    "optimizers.newton_header",
)

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
    sections=SECTIONS,
)
