"""Sequence mappings.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: the mapping shown, each typed input's default, which input each mapping reads
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.mappings import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "mappings.rule_header",
    "mappings.five_header",
    "mappings.feed_header",
    "mappings.learned_header",
)

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
    sections=SECTIONS,
)
