"""The counting RNN and backpropagation through time.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, presets and the book's values
readings.py   its cached runs and the sentences read from them; figures.py its diagram and charts
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
divergence.py where and why a training run diverged, in words (the optimizer lesson tells its runs with it too)
"""

from pathlib import Path

from lessons.counting import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "counting.model_header",
    "counting.forward_header",
    "counting.backward_header",
    "counting.train_header",
    "counting.surface_header",
    "counting.time_header",
)

LESSON = Lesson(
    name="counting",
    title_key="nav.counting",
    icon=":material/pin:",
    script="lessons/counting/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    constants=params.CONSTANTS,
    sections=SECTIONS,
)
