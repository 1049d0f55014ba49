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

LESSON = Lesson(
    name="lstm",
    title_key="nav.lstm",
    icon=":material/memory:",
    script="lessons/lstm/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
)
