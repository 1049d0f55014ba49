"""LSTM gates.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, the book's story, how its models were trained
readings.py   what its sections compute and say; figures.py its charts, tables and cell diagram
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.lstm import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "lstm.cell_header",
    "lstm.modes_header",
    "lstm.trained_header",
    "lstm.why_header",
    "lstm.sweep_header",
    "lstm.own_header",
)

LESSON = Lesson(
    name="lstm",
    title_key="nav.lstm",
    icon=":material/memory:",
    script="lessons/lstm/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
    sections=SECTIONS,
)
