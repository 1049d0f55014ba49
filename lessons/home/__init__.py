"""Home: what a recurrent network is.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.home import exercises
from ui.registry import Lesson

HERE = Path(__file__).parent

LESSON = Lesson(
    name="home",
    title_key="nav.home",
    icon=":material/home:",
    script="lessons/home/page.py",
    exercises=exercises.EXERCISES,
    reproduce=HERE / "reproduce.py",
)
